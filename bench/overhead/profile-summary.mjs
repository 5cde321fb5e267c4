// Summarises a V8 .cpuprofile (from node --cpu-prof, e.g. `npm run bench -- --cpu-prof DIR`): the top
// functions by self time and the top files/packages, as a share of busy (non-idle) time.
// Usage: node bench/overhead/profile-summary.mjs FILE.cpuprofile [--top N]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '15' } },
});
if (positionals.length !== 1) throw new Error('usage: profile-summary.mjs FILE.cpuprofile [--top N]');
const top = Number(values.top);
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));

const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const selfUs = new Map();
for (let index = 0; index < profile.samples.length; index += 1) {
  const id = profile.samples[index];
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
}

const shortUrl = (url) => {
  if (url === '') return '';
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules !== -1) return path.slice(modules + '/node_modules/'.length);
  const dist = path.indexOf('/dist/');
  return dist === -1 ? path : path.slice(dist + 1);
};
const moduleOf = (url) => {
  const short = shortUrl(url);
  if (short === '') return '(native/vm)';
  if (url.includes('/node_modules/'))
    return short
      .split('/')
      .slice(0, short.startsWith('@') ? 2 : 1)
      .join('/');
  return short;
};

const byFunction = new Map();
const byModule = new Map();
let busyUs = 0;
let idleUs = 0;
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = nodes.get(id).callFrame;
  if (functionName === '(idle)') {
    idleUs += us;
    continue;
  }
  busyUs += us;
  const location = url === '' ? '' : `${shortUrl(url)}:${lineNumber + 1}`;
  const key = `${functionName || '(anonymous)'}\t${location}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  const module = functionName.startsWith('(') ? functionName : moduleOf(url);
  byModule.set(module, (byModule.get(module) ?? 0) + us);
}

const pct = (us) => `${((us / busyUs) * 100).toFixed(1)}%`.padStart(6);
const ms = (us) => `${(us / 1000).toFixed(0)} ms`.padStart(9);
process.stdout.write(
  `profile: ${((busyUs + idleUs) / 1e6).toFixed(1)} s sampled, busy ${(busyUs / 1e6).toFixed(1)} s ` +
    `(${((busyUs / (busyUs + idleUs)) * 100).toFixed(0)}%); shares below are of busy time\n\n` +
    `top ${top} functions by self time:\n`,
);
for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  const [name, location] = key.split('\t');
  process.stdout.write(`${pct(us)} ${ms(us)}  ${name}  ${location}\n`);
}
process.stdout.write(`\ntop ${top} files/packages by self time:\n`);
for (const [module, us] of [...byModule].sort((a, b) => b[1] - a[1]).slice(0, top))
  process.stdout.write(`${pct(us)} ${ms(us)}  ${module}\n`);

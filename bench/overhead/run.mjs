// Overhead benchmark: the same closed-loop load against the simulator directly, a bare Node pass-through
// proxy (the floor) and the gateway, alternating targets in rounds. See bench/README.md.
import { execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const cliPath = join(repo, 'dist', 'cli.js');
/** The V8 flags `npm start` and the `hybrid-inference` bin run the gateway with (package.json config). */
const gatewayNodeFlags = (
  JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).config?.node_flags ?? ''
)
  .split(' ')
  .filter((flag) => flag !== '');
const MODEL = 'bench-model';
const CHAT_PATH = '/v1/chat/completions';
const TARGET_NAMES = ['direct', 'floor', 'gateway'];
/** Which child process serves each target (its RSS and CPU are reported for the target). */
const TARGET_PROCESS = { direct: 'simulator', floor: 'floor', gateway: 'gateway' };
/** The issue's targets. */
/** CPU % (of one core) used by processes outside the benchmark above which a run is flagged as noisy. */
const NOISE_CPU_PERCENT = 10;
const LIMITS = { throughputRatio: 0.6, addedP50Ms: 0.5, addedTtftP50Ms: 1, gatewayRssMb: 150 };

const usage = `Usage: node bench/overhead/run.mjs [flags]     (npm run bench -- [flags])

  --duration S          measured seconds per target per scenario per round (default 5)
  --rounds N            rounds; each round runs every scenario against every target (default 3)
  --connections N       concurrency of the "many connections" scenarios (default 50)
  --warmup S            unmeasured seconds before each measured run (default 1)
  --initial-warmup S    seconds of load per target and mode before round 1, to warm the JIT (default 2)
  --scenarios LIST      comma list of nonstream,stream,nonstream-1,stream-1 (default all)
  --targets LIST        comma list of direct,floor,gateway (default all)
  --response-tokens N   simulator completion length in tokens (default 16)
  --max-tokens N        max_tokens in the request body (default 16)
  --pin / --no-pin      pin with taskset: gateway + floor proxy on core 1, simulator + load generator +
                        this harness on core 0 (default on when nproc >= 2 and taskset exists)
  --gateway-log-level L LOG_LEVEL of the gateway (default warn; info logs one line per request)
  --request-log KIND    the gateway's request log: off (default: the proxy's own cost), sqlite (a file in the
                        run's temp folder) or postgres (DATABASE_URL, default postgres://postgres@127.0.0.1/test)
  --cpu-prof DIR        run the gateway under node --cpu-prof, writing the .cpuprofile into DIR
  --out DIR             where the JSON result goes (default bench/results)
  --check               exit 1 when a target of the issue is missed (default: report only)
  --help                show this text
`;

// ---------------------------------------------------------------- options

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '3' },
      connections: { type: 'string', default: '50' },
      warmup: { type: 'string', default: '1' },
      'initial-warmup': { type: 'string', default: '2' },
      scenarios: { type: 'string', default: 'nonstream,stream,nonstream-1,stream-1' },
      targets: { type: 'string', default: TARGET_NAMES.join(',') },
      'response-tokens': { type: 'string', default: '16' },
      'max-tokens': { type: 'string', default: '16' },
      pin: { type: 'boolean' },
      'no-pin': { type: 'boolean' },
      'gateway-log-level': { type: 'string', default: 'warn' },
      'request-log': { type: 'string', default: 'off' },
      'cpu-prof': { type: 'string' },
      out: { type: 'string', default: join(repo, 'bench', 'results') },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const number = (name, minimum, integer) => {
    const value = Number(values[name]);
    if (!Number.isFinite(value) || value < minimum || (integer && !Number.isInteger(value)))
      throw new Error(
        `--${name} expects ${integer ? 'an integer' : 'a number'} >= ${minimum}, got '${values[name]}'`,
      );
    return value;
  };
  const list = (name, known) => {
    const items = values[name]
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
    for (const item of items)
      if (!known.includes(item)) throw new Error(`--${name}: unknown '${item}'; known: ${known.join(', ')}`);
    return known.filter((item) => items.includes(item));
  };
  if (values.pin && values['no-pin']) throw new Error('--pin and --no-pin contradict each other');
  return {
    help: values.help,
    durationS: number('duration', 0.1, false),
    rounds: number('rounds', 1, true),
    connections: number('connections', 1, true),
    warmupS: number('warmup', 0, false),
    initialWarmupS: number('initial-warmup', 0, false),
    scenarios: list('scenarios', ['nonstream', 'stream', 'nonstream-1', 'stream-1']),
    targets: list('targets', TARGET_NAMES),
    responseTokens: number('response-tokens', 1, true),
    maxTokens: number('max-tokens', 1, true),
    pin: values['no-pin'] ? false : (values.pin ?? null),
    gatewayLogLevel: values['gateway-log-level'],
    requestLog: values['request-log'],
    cpuProfDir: values['cpu-prof'] === undefined ? null : resolve(values['cpu-prof']),
    outDir: resolve(values.out),
    check: values.check,
  };
}

// ---------------------------------------------------------------- processes

const children = new Map();
let tmpDir = null;
let shuttingDown = false;
let sampler = null;
let finalNote = '';

function hasTaskset() {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Binds port 0 `count` times at once (so the ports differ), then releases them for the children. */
async function freePorts(count) {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise((resolvePort, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolvePort(server));
        }),
    ),
  );
  const ports = servers.map((server) => server.address().port);
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
  return ports;
}

function logTail(child, lines = 15) {
  try {
    return readFileSync(child.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

function startChild(name, nodeArgs, { core, pin, env = process.env, cwd = repo, ipc = false }) {
  const logPath = join(tmpDir, `${name}.log`);
  const fd = openSync(logPath, 'a');
  const command = pin ? 'taskset' : process.execPath;
  const args = pin ? ['-c', String(core), process.execPath, ...nodeArgs] : nodeArgs;
  const proc = spawn(command, args, {
    cwd,
    env,
    stdio: ['ignore', fd, fd, ...(ipc ? ['ipc'] : [])],
    serialization: 'advanced',
  });
  closeSync(fd);
  const child = { name, proc, pid: proc.pid, logPath, exited: null, core: pin ? core : null };
  children.set(name, child);
  proc.once('exit', (code, signal) => {
    child.exited = { code, signal };
    if (!shuttingDown) {
      const busy = /EADDRINUSE/.test(logTail(child, 50)) ? ' (its port is busy: EADDRINUSE)' : '';
      void shutdown(
        1,
        `${name} (pid ${child.pid}) exited unexpectedly${busy}: code ${code}, signal ${signal}\n${logTail(child)}`,
      );
    }
  });
  return child;
}

async function waitHealthy(child, port) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exited !== null) throw new Error(`${child.name} exited before listening on ${port}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`${child.name} did not answer GET /health on port ${port} within 15 s:\n${logTail(child)}`);
}

async function shutdown(code, message) {
  if (shuttingDown) return;
  shuttingDown = true;
  if (sampler !== null) clearInterval(sampler);
  if (message) process.stderr.write(`\n${message}\n`);
  const running = [...children.values()].filter((child) => child.exited === null);
  for (const child of running) child.proc.kill('SIGTERM');
  await Promise.race([
    Promise.all(running.map((child) => new Promise((done) => child.proc.once('exit', done)))),
    sleep(10_000),
  ]);
  for (const child of children.values()) if (child.exited === null) child.proc.kill('SIGKILL');
  if (tmpDir !== null) rmSync(tmpDir, { recursive: true, force: true });
  process.exit(code);
}

process.on('exit', () => {
  for (const child of children.values()) if (child.exited === null) child.proc.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => void shutdown(130, `${signal}: stopping`));

// ---------------------------------------------------------------- /proc sampling

function readRssKb(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? Number.NaN : Number(match[1]);
  } catch {
    return Number.NaN;
  }
}

let clockTicks = 100;
function readCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks; // utime + stime, all threads
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds the whole machine spent busy (all cores), from the first line of /proc/stat. */
function readSystemBusySeconds() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n', 1)[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields;
    return (user + nice + system + irq + softirq + (steal ?? 0)) / clockTicks;
  } catch {
    return Number.NaN;
  }
}

// ---------------------------------------------------------------- load generator

let loadWorker = null;
let nextJobId = 0;
const pendingJobs = new Map();

async function startLoadWorker(pin) {
  loadWorker = startChild('load', [join(here, 'load-worker.mjs')], { core: 0, pin, ipc: true });
  await new Promise((ready, reject) => {
    loadWorker.proc.once('exit', () => reject(new Error(`load worker exited:\n${logTail(loadWorker)}`)));
    loadWorker.proc.on('message', (message) => {
      if (message.type === 'ready') ready();
      const pending = pendingJobs.get(message.id);
      if (pending === undefined) return;
      pendingJobs.delete(message.id);
      if (message.type === 'result') pending.resolve(message.result);
      else pending.reject(new Error(`load worker job failed: ${message.error}`));
    });
  });
}

/**
 * Runs one load job and samples RSS (every 200 ms, max) and CPU time of every child meanwhile, plus the CPU
 * that processes outside the benchmark used (`other`: noise; it should stay near 0).
 */
async function runLoad(job) {
  const processes = [...children.values(), { name: 'harness', pid: process.pid }];
  const maxRssKb = Object.fromEntries(processes.map((child) => [child.name, readRssKb(child.pid)]));
  const cpuBefore = Object.fromEntries(processes.map((child) => [child.name, readCpuSeconds(child.pid)]));
  const systemBefore = readSystemBusySeconds();
  const sample = () => {
    for (const child of processes)
      maxRssKb[child.name] = Math.max(maxRssKb[child.name], readRssKb(child.pid));
  };
  sampler = setInterval(sample, 200);
  const startedAt = performance.now();
  const id = (nextJobId += 1);
  try {
    const result = await new Promise((resolveJob, reject) => {
      pendingJobs.set(id, { resolve: resolveJob, reject });
      loadWorker.proc.send({ type: 'run', id, job });
    });
    sample();
    const elapsedS = (performance.now() - startedAt) / 1000;
    const cpuPercent = Object.fromEntries(
      processes.map((child) => [
        child.name,
        ((readCpuSeconds(child.pid) - cpuBefore[child.name]) / elapsedS) * 100,
      ]),
    );
    const ours = Object.values(cpuPercent).reduce((sum, value) => sum + value, 0);
    cpuPercent.other = Math.max(0, ((readSystemBusySeconds() - systemBefore) / elapsedS) * 100 - ours);
    return { ...result, maxRssKb, cpuPercent };
  } finally {
    clearInterval(sampler);
    sampler = null;
  }
}

// ---------------------------------------------------------------- statistics

function percentile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function concatSorted(arrays) {
  const all = new Float64Array(arrays.reduce((sum, array) => sum + array.length, 0));
  let offset = 0;
  for (const array of arrays) {
    all.set(array, offset);
    offset += array.length;
  }
  return all.sort();
}

function summariseRun(result) {
  const latencies = Float64Array.from(result.latencies).sort();
  const ttfts = Float64Array.from(result.ttfts).sort();
  return {
    reqPerSec: result.measured / (result.durationMs / 1000),
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    ttftP50: percentile(ttfts, 0.5),
    ttftP99: percentile(ttfts, 0.99),
    measured: result.measured,
    completed: result.completed,
    ok: result.ok,
    non2xx: result.non2xx,
    errors: result.errors,
    invalid: result.invalid,
    statuses: result.statuses,
    samples: result.samples,
    maxRssKb: result.maxRssKb,
    cpuPercent: result.cpuPercent,
  };
}

function aggregate(runs) {
  const latencies = concatSorted(runs.map((run) => run.latencies));
  const ttfts = concatSorted(runs.map((run) => run.ttfts));
  const rounds = runs.map(summariseRun);
  const measured = runs.reduce((sum, run) => sum + run.measured, 0);
  const seconds = runs.reduce((sum, run) => sum + run.durationMs / 1000, 0);
  const names = Object.keys(rounds[0].maxRssKb);
  const cpuNames = Object.keys(rounds[0].cpuPercent);
  return {
    reqPerSec: measured / seconds,
    reqPerSecMin: Math.min(...rounds.map((round) => round.reqPerSec)),
    reqPerSecMax: Math.max(...rounds.map((round) => round.reqPerSec)),
    p50: percentile(latencies, 0.5),
    p90: percentile(latencies, 0.9),
    p99: percentile(latencies, 0.99),
    ttftP50: percentile(ttfts, 0.5),
    ttftP99: percentile(ttfts, 0.99),
    measured,
    maxRssKb: Object.fromEntries(
      names.map((name) => [name, Math.max(...rounds.map((r) => r.maxRssKb[name]))]),
    ),
    cpuPercent: Object.fromEntries(
      cpuNames.map((name) => [name, rounds.reduce((sum, r) => sum + r.cpuPercent[name], 0) / rounds.length]),
    ),
    rounds,
  };
}

// ---------------------------------------------------------------- printing

const fmtMs = (value) =>
  Number.isFinite(value) ? (Math.abs(value) < 10 ? value.toFixed(3) : value.toFixed(1)) : '-';
const fmtSigned = (value) => (Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(3)}` : '-');
const fmtMb = (kb) => (Number.isFinite(kb) ? (kb / 1024).toFixed(1) : '-');
const fmtPct = (value) => (Number.isFinite(value) ? value.toFixed(0) : '-');
const fmtRatio = (value) => (Number.isFinite(value) ? value.toFixed(2) : '-');

function table(header, rows) {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => String(row[column]).length)),
  );
  const line = (row) =>
    row
      .map((cell, column) =>
        column === 0 ? String(cell).padEnd(widths[column]) : String(cell).padStart(widths[column]),
      )
      .join('  ');
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function print(text = '') {
  process.stdout.write(`${text}\n`);
}

// ---------------------------------------------------------------- main

function checkBuild() {
  let built;
  try {
    built = statSync(cliPath).mtimeMs;
  } catch {
    throw new Error(
      `${relative(process.cwd(), cliPath)} is missing: run 'npm run build' (or 'npm run bench')`,
    );
  }
  const newest = readdirSync(join(repo, 'src'), { recursive: true })
    .filter((file) => String(file).endsWith('.ts'))
    .reduce((latest, file) => Math.max(latest, statSync(join(repo, 'src', String(file))).mtimeMs), 0);
  if (newest > built)
    print(`warning: src/ is newer than dist/ — run 'npm run build' to benchmark the current code`);
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(usage);
    return 0;
  }
  checkBuild();
  const nproc = os.availableParallelism();
  const taskset = hasTaskset();
  const pin = options.pin ?? (nproc >= 2 && taskset);
  if (pin && !taskset) throw new Error('--pin needs taskset (util-linux), which is not installed');
  if (pin && nproc < 2) throw new Error(`--pin needs 2 cores, this machine has ${nproc}`);
  try {
    clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    // keep 100
  }
  if (pin) execFileSync('taskset', ['-a', '-pc', '0', String(process.pid)], { stdio: 'ignore' });

  const startedAt = new Date().toISOString();
  tmpDir = mkdtempSync(join(os.tmpdir(), 'hybrid-inference-bench-'));
  const [simPort, floorPort, gatewayPort] = await freePorts(3);
  const wanted = new Set(options.targets);

  const simulator = startChild(
    'simulator',
    [
      cliPath,
      'simulate',
      '--port',
      String(simPort),
      '--model',
      MODEL,
      '--ttft-ms',
      '0',
      '--tokens-per-second',
      '0',
    ].concat(['--response-tokens', String(options.responseTokens), '--max-concurrency', '0']),
    { core: 0, pin },
  );
  await waitHealthy(simulator, simPort);

  const ready = [];
  if (wanted.has('floor')) {
    const floor = startChild(
      'floor',
      [
        join(here, 'floor-proxy.mjs'),
        '--port',
        String(floorPort),
        '--upstream',
        `http://127.0.0.1:${simPort}`,
        '--model',
        MODEL,
      ],
      { core: 1, pin },
    );
    ready.push(waitHealthy(floor, floorPort));
  }
  if (wanted.has('gateway')) {
    writeFileSync(
      join(tmpDir, 'models.yaml'),
      [
        'models:',
        `  - id: ${MODEL}`,
        '    name: Bench Model',
        "    pricing: { prompt: '0', completion: '0' }",
        '    route:',
        '      - kind: vllm',
        `        base_url: http://127.0.0.1:${simPort}/v1`,
        `        provider_model_id: ${MODEL}`,
        '',
      ].join('\n'),
    );
    writeFileSync(join(tmpDir, 'routing.yaml'), 'routing_strategy: weighted\n');
    const env = {
      ...process.env,
      LOG_LEVEL: options.gatewayLogLevel,
      SQLITE_DB_PATH: join(tmpDir, 'requests.db'),
      // off: USE_SQLITE_LOG=false and no DATABASE_URL.
      USE_SQLITE_LOG: options.requestLog === 'sqlite' ? 'true' : 'false',
      DATABASE_URL:
        options.requestLog === 'postgres'
          ? (process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test')
          : '',
    };
    for (const key of [
      'CONFIG_DIR',
      'MODELS_CONFIG',
      'ROUTING_CONFIG',
      'HOST',
      'PORT',
      'LOCAL_BASE_URL',
      'OFFLOAD',
    ])
      delete env[key];
    for (const key of ['REDIS_URL', 'STATE_STORE', 'OPENROUTER_SQLITE_DB', 'ADMIN_API_KEY']) delete env[key];
    if (options.cpuProfDir !== null) mkdirSync(options.cpuProfDir, { recursive: true });
    if (options.cpuProfDir !== null)
      finalNote = `gateway CPU profile: written into ${options.cpuProfDir} as the gateway exits; summarise it with node bench/overhead/profile-summary.mjs <file>`;
    const profiling = options.cpuProfDir === null ? [] : ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir];
    const gateway = startChild(
      'gateway',
      [
        ...gatewayNodeFlags,
        ...profiling,
        cliPath,
        'serve',
        '--port',
        String(gatewayPort),
        '--config-dir',
        tmpDir,
      ],
      { core: 1, pin, env, cwd: tmpDir }, // cwd: no .env of the repo is read
    );
    ready.push(waitHealthy(gateway, gatewayPort));
  }
  await Promise.all(ready);
  await startLoadWorker(pin);

  const ports = { direct: simPort, floor: floorPort, gateway: gatewayPort };
  const body = (stream) =>
    JSON.stringify({
      model: MODEL,
      messages: [{ role: 'user', content: 'Say something short' }],
      max_tokens: options.maxTokens,
      ...(stream ? { stream: true } : {}),
    });
  const scenarioDefs = {
    nonstream: {
      title: `non-stream, ${options.connections} connections`,
      stream: false,
      connections: options.connections,
    },
    stream: {
      title: `stream, ${options.connections} connections`,
      stream: true,
      connections: options.connections,
    },
    'nonstream-1': { title: 'non-stream, 1 connection', stream: false, connections: 1 },
    'stream-1': { title: 'stream, 1 connection', stream: true, connections: 1 },
  };
  const correctness = Object.fromEntries(
    options.targets.map((target) => [
      target,
      { requests: 0, ok: 0, non2xx: 0, errors: 0, invalid: 0, samples: [] },
    ]),
  );
  const tally = (target, result) => {
    const entry = correctness[target];
    for (const key of ['non2xx', 'errors', 'invalid', 'ok']) entry[key] += result[key];
    entry.requests += result.completed + result.errors;
    for (const sample of result.samples) if (entry.samples.length < 5) entry.samples.push(sample);
  };
  const job = (target, scenario, warmupS, durationS) => ({
    url: `http://127.0.0.1:${ports[target]}${CHAT_PATH}`,
    body: body(scenario.stream),
    stream: scenario.stream,
    connections: scenario.connections,
    warmupMs: warmupS * 1000,
    durationMs: durationS * 1000,
  });

  const cpuModel = os.cpus()[0]?.model ?? 'unknown';
  print(
    `hybrid-inference overhead benchmark — node ${process.version}, ${nproc} cores (${cpuModel}), ${os.platform()} ${os.release()}`,
  );
  print(
    pin
      ? 'pinning: gateway + floor proxy on core 1; simulator + load generator + harness on core 0'
      : 'pinning: off (numbers are noisier; processes compete for cores)',
  );
  print(
    `simulator: ttft 0 ms, max speed, ${options.responseTokens} tokens; body max_tokens ${options.maxTokens}; gateway LOG_LEVEL=${options.gatewayLogLevel}, request log ${options.requestLog}, node ${gatewayNodeFlags.join(' ') || '(default flags)'}`,
  );
  print(
    `plan: ${options.rounds} rounds × ${options.scenarios.length} scenarios × ${options.targets.length} targets × (${options.warmupS} s warm-up + ${options.durationS} s measured), targets alternating`,
  );
  const load = os.loadavg().map((value) => value.toFixed(2));
  print(`load average before start: ${load.join(' ')} (1, 5, 15 min)`);
  print(`pids: ${[...children.values()].map((child) => `${child.name} ${child.pid}`).join(', ')}`);
  const idleRss = [...children.values()].map((child) => `${child.name} ${fmtMb(readRssKb(child.pid))}`);
  print(`RSS before load (MB): ${idleRss.join(', ')}`);
  print();

  if (options.initialWarmupS > 0) {
    for (const target of options.targets) {
      for (const stream of [false, true]) {
        const scenario = { stream, connections: options.connections };
        const result = await runLoad(job(target, scenario, 0, options.initialWarmupS));
        tally(target, result);
        if (result.ok === 0 || result.non2xx + result.errors + result.invalid > 0)
          throw new Error(
            `${target} failed during warm-up (${stream ? 'stream' : 'non-stream'}): ${JSON.stringify(result.samples)}`,
          );
      }
    }
    print(`warm-up done (${options.initialWarmupS} s per target and mode)`);
  }

  let maxOtherCpu = 0;
  const runs = Object.fromEntries(
    options.scenarios.map((id) => [id, Object.fromEntries(options.targets.map((t) => [t, []]))]),
  );
  for (let round = 0; round < options.rounds; round += 1) {
    for (const id of options.scenarios) {
      const order = options.targets.map(
        (_, index) => options.targets[(index + round) % options.targets.length],
      );
      for (const target of order) {
        const result = await runLoad(job(target, scenarioDefs[id], options.warmupS, options.durationS));
        tally(target, result);
        runs[id][target].push(result);
        const summary = summariseRun(result);
        const ttft = scenarioDefs[id].stream ? ` ttft p50 ${fmtMs(summary.ttftP50)} ms` : '';
        const failures = result.non2xx + result.errors + result.invalid;
        const other = result.cpuPercent.other;
        maxOtherCpu = Math.max(maxOtherCpu, other);
        print(
          `[round ${round + 1}/${options.rounds}] ${scenarioDefs[id].title.padEnd(26)} ${target.padEnd(7)} ${summary.reqPerSec.toFixed(0).padStart(6)} req/s  p50 ${fmtMs(summary.p50)} ms${ttft}` +
            `  (cpu ${fmtPct(result.cpuPercent[TARGET_PROCESS[target]])}%)` +
            (other > NOISE_CPU_PERCENT ? `  NOISE: other processes used ${fmtPct(other)}% cpu` : '') +
            (failures > 0 ? `  FAILURES ${failures}` : ''),
        );
      }
    }
  }

  // ---- report
  const report = {};
  for (const id of options.scenarios) {
    report[id] = { ...scenarioDefs[id], targets: {} };
    for (const target of options.targets) report[id].targets[target] = aggregate(runs[id][target]);
  }
  print();
  for (const id of options.scenarios) {
    const { stream, title } = scenarioDefs[id];
    print(`== ${title} (${options.rounds} × ${options.durationS} s per target) ==`);
    const header = ['target', 'req/s', 'min..max', 'p50 ms', 'p99 ms'];
    if (stream) header.push('TTFT p50', 'TTFT p99');
    header.push('max RSS MB', 'cpu %', 'sim cpu %', 'load cpu %', 'other cpu %');
    const rows = options.targets.map((target) => {
      const a = report[id].targets[target];
      const proc = TARGET_PROCESS[target];
      const row = [
        target,
        a.reqPerSec.toFixed(0),
        `${a.reqPerSecMin.toFixed(0)}..${a.reqPerSecMax.toFixed(0)}`,
      ];
      row.push(fmtMs(a.p50), fmtMs(a.p99));
      if (stream) row.push(fmtMs(a.ttftP50), fmtMs(a.ttftP99));
      row.push(
        fmtMb(a.maxRssKb[proc]),
        fmtPct(a.cpuPercent[proc]),
        fmtPct(a.cpuPercent.simulator),
        fmtPct(a.cpuPercent.load),
        fmtPct(a.cpuPercent.other),
      );
      return row;
    });
    print(table(header, rows));
    print();
  }

  // ---- correctness
  print('== correctness (all requests, warm-ups included) ==');
  print(
    table(
      ['target', 'requests', 'ok', 'non-2xx', 'errors', 'invalid body'],
      options.targets.map((t) => {
        const c = correctness[t];
        return [t, c.requests, c.ok, c.non2xx, c.errors, c.invalid];
      }),
    ),
  );
  const failed = options.targets.filter(
    (t) => correctness[t].non2xx + correctness[t].errors + correctness[t].invalid > 0,
  );
  for (const target of failed)
    print(`  ${target} failure samples: ${correctness[target].samples.join(' | ')}`);
  print();

  // ---- ratios and targets
  const get = (id, target) => report[id]?.targets[target];
  const checks = [];
  const deltas = (id, target, field) =>
    get(id, target).rounds.map((round, index) => round[field] - get(id, 'direct').rounds[index][field]);
  const perRound = (values) => values.map(fmtSigned).join(' ');
  print('== ratios and added latency ==');
  for (const id of ['nonstream', 'stream']) {
    if (get(id, 'direct') === undefined && get(id, 'floor') === undefined) continue;
    const rate = (target) => get(id, target)?.reqPerSec ?? Number.NaN;
    const roundRatios = (a, b) =>
      get(id, a) && get(id, b)
        ? get(id, a).rounds.map((round, index) => round.reqPerSec / get(id, b).rounds[index].reqPerSec)
        : [];
    const gf = roundRatios('gateway', 'floor');
    print(
      `${scenarioDefs[id].title}: gateway/floor ${fmtRatio(rate('gateway') / rate('floor'))}` +
        (gf.length ? ` (rounds ${gf.map(fmtRatio).join(' ')})` : '') +
        `  gateway/direct ${fmtRatio(rate('gateway') / rate('direct'))}  floor/direct ${fmtRatio(rate('floor') / rate('direct'))}`,
    );
    if (get(id, 'gateway') && get(id, 'floor'))
      checks.push({
        name: `${id} throughput gateway/floor`,
        value: rate('gateway') / rate('floor'),
        limit: `>= ${LIMITS.throughputRatio}`,
        pass: rate('gateway') / rate('floor') >= LIMITS.throughputRatio,
      });
  }
  if (get('nonstream-1', 'direct')) {
    const direct = get('nonstream-1', 'direct').p50;
    for (const target of ['floor', 'gateway']) {
      if (!get('nonstream-1', target)) continue;
      const added = get('nonstream-1', target).p50 - direct;
      print(
        `non-stream, 1 connection: added p50 ${target}−direct ${fmtSigned(added)} ms (rounds ${perRound(deltas('nonstream-1', target, 'p50'))})`,
      );
      if (target === 'gateway')
        checks.push({
          name: 'added p50 latency at 1 connection (ms)',
          value: added,
          limit: `<= ${LIMITS.addedP50Ms}`,
          pass: added <= LIMITS.addedP50Ms,
        });
    }
  }
  if (get('stream-1', 'direct')) {
    const direct = get('stream-1', 'direct');
    for (const target of ['floor', 'gateway']) {
      if (!get('stream-1', target)) continue;
      const addedTtft = get('stream-1', target).ttftP50 - direct.ttftP50;
      const addedTotal = get('stream-1', target).p50 - direct.p50;
      print(
        `stream, 1 connection: added TTFT p50 ${target}−direct ${fmtSigned(addedTtft)} ms (rounds ${perRound(deltas('stream-1', target, 'ttftP50'))}); added total p50 ${fmtSigned(addedTotal)} ms`,
      );
      if (target === 'gateway')
        checks.push({
          name: 'added TTFT p50 at 1 connection (ms)',
          value: addedTtft,
          limit: `<= ${LIMITS.addedTtftP50Ms}`,
          pass: addedTtft <= LIMITS.addedTtftP50Ms,
        });
    }
  }
  if (wanted.has('gateway')) {
    const rss =
      Math.max(...options.scenarios.map((id) => report[id].targets.gateway.maxRssKb.gateway)) / 1024;
    const floorRss = wanted.has('floor')
      ? Math.max(...options.scenarios.map((id) => report[id].targets.floor.maxRssKb.floor)) / 1024
      : Number.NaN;
    print(
      `max RSS under load: gateway ${rss.toFixed(1)} MB, floor proxy ${Number.isFinite(floorRss) ? floorRss.toFixed(1) : '-'} MB`,
    );
    if (Number.isFinite(rss))
      checks.push({
        name: 'gateway max RSS under load (MB)',
        value: rss,
        limit: `<= ${LIMITS.gatewayRssMb}`,
        pass: rss <= LIMITS.gatewayRssMb,
      });
  }
  print();
  if (maxOtherCpu > NOISE_CPU_PERCENT)
    print(
      `WARNING: processes outside the benchmark used up to ${fmtPct(maxOtherCpu)}% of a core during measured runs; the numbers are noisy, rerun on an idle machine`,
    );
  print('== targets (from the issue) ==');
  print(
    table(
      ['check', 'value', 'target', 'result'],
      checks.map((c) => [
        c.name,
        Number.isFinite(c.value) ? c.value.toFixed(3) : '-',
        c.limit,
        c.pass ? 'PASS' : 'FAIL',
      ]),
    ),
  );
  print();

  // ---- JSON
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  mkdirSync(options.outDir, { recursive: true });
  const file = join(options.outDir, `overhead-${stamp}.json`);
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        startedAt,
        finishedAt: new Date().toISOString(),
        environment: {
          node: process.version,
          nproc,
          cpuModel,
          platform: `${os.platform()} ${os.release()}`,
          pinned: pin,
        },
        options: { ...options, help: undefined },
        latencyUnit: 'ms',
        scenarios: report,
        correctness,
        maxOtherCpuPercent: maxOtherCpu,
        checks,
      },
      null,
      2,
    )}\n`,
  );
  print(`results written to ${relative(process.cwd(), file)}`);

  if (failed.length > 0) {
    print(
      `INVALID RUN: ${failed.join(', ')} answered with errors; the numbers above measure failures, not overhead.`,
    );
    return 1;
  }
  if (options.check && checks.some((c) => !c.pass)) return 1;
  return 0;
}

main().then(
  (code) => shutdown(code, finalNote),
  (error) => shutdown(1, `benchmark failed: ${error?.message ?? error}`),
);

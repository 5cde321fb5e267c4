// Overhead benchmark: the same closed-loop load against the simulator directly, a bare Node pass-through
// proxy (the floor) and the gateway, alternating targets in rounds. See bench/README.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkBuild } from '../lib/build.mjs';
import {
  gatewayArgs,
  gatewayEnv,
  gatewayNodeFlags,
  simulatorArgs,
  simulatorModelsYaml,
} from '../lib/gateway.mjs';
import { choosePinning, machineInfo, pinFlags, pinRequested } from '../lib/machine.mjs';
import { numberReader, parseHarnessArgs, readList } from '../lib/options.mjs';
import { readCpuSeconds, readRssKb, readSystemBusySeconds } from '../lib/proc-sampling.mjs';
import {
  createWorkDir,
  freePorts,
  listChildren,
  logTail,
  runMain,
  startChild,
  startServer,
} from '../lib/processes.mjs';
import { fixed, fmtMb, fmtPct, fmtSigned, print, table, writeResults } from '../lib/report.mjs';
import { percentile, sortedOf } from '../lib/stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const MODEL = 'bench-model';
const CHAT_PATH = '/v1/chat/completions';
const TARGET_NAMES = ['direct', 'floor', 'gateway'];
/** Which child process serves each target (its RSS and CPU are reported for the target). */
const TARGET_PROCESS = { direct: 'simulator', floor: 'floor', gateway: 'gateway' };
/** CPU % (of one core) used by processes outside the benchmark above which a run is flagged as noisy. */
const NOISE_CPU_PERCENT = 10;
/** The issue's targets. */
const LIMITS = { throughputRatio: 0.6, addedP50Ms: 0.5, addedTtftP50Ms: 1, gatewayRssMb: 150 };

const usage = `Usage: node bench/overhead/run.mjs [flags]     (npm run bench -- [flags])

  --duration S          measured seconds per target per scenario per round (default 2)
  --rounds N            rounds; each round runs every scenario against every target (default 8; many short
                        alternations keep a slow spell of a shared host from landing on one target)
  --connections N       concurrency of the "many connections" scenarios (default 50)
  --warmup S            unmeasured seconds before each measured run (default 0.5)
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
  const values = parseHarnessArgs(argv, {
    duration: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '8' },
    connections: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '0.5' },
    'initial-warmup': { type: 'string', default: '2' },
    scenarios: { type: 'string', default: 'nonstream,stream,nonstream-1,stream-1' },
    targets: { type: 'string', default: TARGET_NAMES.join(',') },
    'response-tokens': { type: 'string', default: '16' },
    'max-tokens': { type: 'string', default: '16' },
    ...pinFlags,
    'request-log': { type: 'string', default: 'off' },
    'cpu-prof': { type: 'string' },
    check: { type: 'boolean', default: false },
  });
  const number = numberReader(values);
  const pin = pinRequested(values);
  return {
    help: values.help,
    durationS: number('duration', 0.1),
    rounds: number('rounds', 1, { integer: true }),
    connections: number('connections', 1, { integer: true }),
    warmupS: number('warmup', 0),
    initialWarmupS: number('initial-warmup', 0),
    scenarios: readList(values, 'scenarios', ['nonstream', 'stream', 'nonstream-1', 'stream-1']),
    targets: readList(values, 'targets', TARGET_NAMES),
    responseTokens: number('response-tokens', 1, { integer: true }),
    maxTokens: number('max-tokens', 1, { integer: true }),
    pin,
    gatewayLogLevel: values['gateway-log-level'],
    requestLog: values['request-log'],
    cpuProfDir: values['cpu-prof'] === undefined ? null : resolve(values['cpu-prof']),
    outDir: resolve(values.out),
    check: values.check,
  };
}

let finalNote = '';

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
  const processes = [...listChildren(), { name: 'harness', pid: process.pid }];
  const maxRssKb = Object.fromEntries(processes.map((child) => [child.name, readRssKb(child.pid)]));
  const cpuBefore = Object.fromEntries(processes.map((child) => [child.name, readCpuSeconds(child.pid)]));
  const systemBefore = readSystemBusySeconds();
  const sample = () => {
    for (const child of processes)
      maxRssKb[child.name] = Math.max(maxRssKb[child.name], readRssKb(child.pid));
  };
  const sampler = setInterval(sample, 200);
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
  }
}

// ---------------------------------------------------------------- statistics

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
  const latencies = sortedOf(result.latencies);
  const ttfts = sortedOf(result.ttfts);
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

/**
 * The target's own CPU time per measured request, µs: the median over rounds. Its throughput can be capped by
 * the other core (simulator + load generator); this is what a request costs the process itself.
 */
function cpuPerRequestRounds(aggregated, proc) {
  return aggregated.rounds.map((round) => (round.cpuPercent[proc] * 1e4) / round.reqPerSec);
}

function cpuPerRequest(aggregated, proc) {
  const values = cpuPerRequestRounds(aggregated, proc).sort((a, b) => a - b);
  return percentile(values, 0.5);
}

// ---------------------------------------------------------------- printing

const fmtMs = (value) =>
  Number.isFinite(value) ? (Math.abs(value) < 10 ? value.toFixed(3) : value.toFixed(1)) : '-';
const fmtRatio = fixed(2);

// ---------------------------------------------------------------- main

async function main(options) {
  checkBuild('bench');
  const { pin } = choosePinning(options.pin);

  const startedAt = new Date().toISOString();
  const tmpDir = createWorkDir('hybrid-inference-bench-');
  const [simPort, floorPort, gatewayPort] = await freePorts(3);
  const wanted = new Set(options.targets);

  await startServer(
    'simulator',
    simulatorArgs({ port: simPort, model: MODEL, responseTokens: options.responseTokens }),
    simPort,
    { core: 0, pin },
  );

  const ready = [];
  if (wanted.has('floor')) {
    ready.push(
      startServer(
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
        floorPort,
        { core: 1, pin },
      ),
    );
  }
  if (wanted.has('gateway')) {
    writeFileSync(join(tmpDir, 'models.yaml'), simulatorModelsYaml({ model: MODEL, simPort }));
    writeFileSync(join(tmpDir, 'routing.yaml'), 'routing_strategy: weighted\n');
    const env = gatewayEnv({
      logLevel: options.gatewayLogLevel,
      dir: tmpDir,
      set: {
        // off: USE_SQLITE_LOG=false and no DATABASE_URL.
        USE_SQLITE_LOG: options.requestLog === 'sqlite' ? 'true' : 'false',
        DATABASE_URL:
          options.requestLog === 'postgres'
            ? (process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test')
            : '',
      },
    });
    if (options.cpuProfDir !== null) mkdirSync(options.cpuProfDir, { recursive: true });
    if (options.cpuProfDir !== null)
      finalNote = `gateway CPU profile: written into ${options.cpuProfDir} as the gateway exits; summarise it with node bench/overhead/profile-summary.mjs <file>`;
    const profiling = options.cpuProfDir === null ? [] : ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir];
    ready.push(
      startServer(
        'gateway',
        gatewayArgs(gatewayPort, tmpDir, profiling),
        gatewayPort,
        { core: 1, pin, env, cwd: tmpDir }, // cwd: no .env of the repo is read
      ),
    );
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

  const machine = machineInfo();
  print(
    `hybrid-inference overhead benchmark — node ${machine.node}, ${machine.nproc} cores (${machine.cpuModel}), ${machine.platform}`,
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
  print(
    `pids: ${listChildren()
      .map((child) => `${child.name} ${child.pid}`)
      .join(', ')}`,
  );
  const idleRss = listChildren().map((child) => `${child.name} ${fmtMb(readRssKb(child.pid))}`);
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
    header.push('max RSS MB', 'cpu %', 'cpu µs/req', 'sim cpu %', 'load cpu %', 'other cpu %');
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
        cpuPerRequest(a, proc).toFixed(0),
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
    if (get(id, 'gateway') && get(id, 'floor')) {
      // Per round, the floor's CPU per request over the gateway's: the throughput ratio both would reach if
      // each had a whole core to itself and nothing else were the bottleneck.
      const floorCpu = cpuPerRequestRounds(get(id, 'floor'), 'floor');
      const gatewayCpu = cpuPerRequestRounds(get(id, 'gateway'), 'gateway');
      const cpuRatios = floorCpu.map((value, index) => value / gatewayCpu[index]);
      const sorted = [...cpuRatios].sort((a, b) => a - b);
      print(
        `  cpu per request: gateway ${cpuPerRequest(get(id, 'gateway'), 'gateway').toFixed(0)} µs, floor ${cpuPerRequest(get(id, 'floor'), 'floor').toFixed(0)} µs;` +
          ` floor/gateway ${fmtRatio(percentile(sorted, 0.5))} (rounds ${cpuRatios.map(fmtRatio).join(' ')})`,
      );
    }
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
  writeResults(options.outDir, 'overhead', {
    startedAt,
    finishedAt: new Date().toISOString(),
    environment: { ...machine, pinned: pin },
    options: { ...options, help: undefined },
    latencyUnit: 'ms',
    scenarios: report,
    correctness,
    maxOtherCpuPercent: maxOtherCpu,
    checks,
  });

  if (failed.length > 0) {
    print(
      `INVALID RUN: ${failed.join(', ')} answered with errors; the numbers above measure failures, not overhead.`,
    );
    return 1;
  }
  if (options.check && checks.some((c) => !c.pass)) return 1;
  return 0;
}

runMain({ usage, parseOptions, main, note: () => finalNote });

// Spillover benchmark: a bursty open-loop load through the gateway onto a simulated local worker of limited
// capacity plus a simulated hosted API, once per routing strategy (fixed split vs load-aware). Reports the
// share of tokens served locally and the time to first token. See bench/README.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { checkBuild } from '../lib/build.mjs';
import { gatewayArgs, gatewayEnv, gatewayNodeFlags, simulatorArgs } from '../lib/gateway.mjs';
import { numberReader, parseHarnessArgs, readList } from '../lib/options.mjs';
import { createWorkDir, freePorts, logTail, runMain, startServer, stopChild } from '../lib/processes.mjs';
import { fixed, print, table, writeResults } from '../lib/report.mjs';
import { percentile, sortedOf } from '../lib/stats.mjs';

const MODEL = 'spill-model';
const CHAT_PATH = '/v1/chat/completions';
const STRATEGIES = ['fixed', 'load-aware'];
/** Provider slugs of the two routes (models.yaml `providers:`); the gateway echoes them in x-gateway-provider. */
const LOCAL_PROVIDER = 'local-sim';
const REMOTE_PROVIDER = 'remote-sim';
/** How often the local simulator's queue is sampled during a run (GET /control/stats, not counted). */
const QUEUE_SAMPLE_MS = 100;
/** Settings a gateway here runs without, besides the ones every harness drops (lib/gateway.mjs). */
const GATEWAY_UNSET = ['DATABASE_URL', 'CIRCUIT_FAILURE_THRESHOLD', 'CIRCUIT_COOLDOWN_SECONDS'];

const usage = `Usage: node bench/spillover/run.mjs [flags]     (npm run bench:spillover -- [flags])

Load (open loop: arrivals follow a seeded Poisson schedule, whatever the answers take):
  --duration S                 measured seconds per strategy (default 30)
  --burst-s S                  length of a burst (default 2)
  --burst-rate R               arrivals per second during a burst (default 40)
  --lull-s S                   length of a lull between bursts (default 4)
  --lull-rate R                arrivals per second during a lull (default 10)
  --seed N                     PRNG seed of the arrival schedule; same schedule for every strategy (default 1)
  --tokens N                   completion tokens per answer (simulators' --response-tokens, max_tokens) (default 64)
  --warmup S                   unmeasured load at the lull rate (5/s if 0) before each strategy (default 2)
  --request-timeout S          a request not finished after this long counts as failed (default 60)

Simulated upstreams:
  --local-max-concurrency N    local worker: requests running at once, the rest queue FIFO (default 4)
  --local-ttft-ms MS           local worker: first token delay once running (default 40)
  --local-tokens-per-second N  local worker: decode speed (default 400)
  --remote-ttft-ms MS          hosted API: first token delay (default 250)
  --remote-tokens-per-second N hosted API: decode speed (default 150)
  --remote-max-concurrency N   hosted API: concurrency limit, 0 = unlimited (default 0)

Routing (one gateway per strategy):
  --strategies LIST            comma list of ${STRATEGIES.join(',')} (default both)
  --local-fraction F           fixed: local_fraction (default 0.6)
  --target-ttft-ms MS          load-aware: target_ttft_ms, and the p95 TTFT the check holds it to (default 1000)
  --max-waiting N              load-aware: max_waiting (default 4 = the local worker's --local-max-concurrency)
  --scrape-interval-ms MS      load-aware: scrape_interval_ms (default 200)
  --hysteresis F               load-aware: hysteresis (default 0.5)
  --routing-parameter K=V      load-aware: any other routing_parameter entry, e.g. stale_after_ms=1000
                               (repeatable; V is written as YAML; also overrides the four above)
  --gateway-log-level L        LOG_LEVEL of the gateway (default warn)

Output:
  --out DIR                    where the JSON result goes (default bench/results)
  --check                      exit 1 when load-aware misses the target (needs both strategies)
  --help                       show this text
`;

// ---------------------------------------------------------------- options

function parseOptions(argv) {
  const values = parseHarnessArgs(argv, {
    duration: { type: 'string', default: '30' },
    'burst-s': { type: 'string', default: '2' },
    'burst-rate': { type: 'string', default: '40' },
    'lull-s': { type: 'string', default: '4' },
    'lull-rate': { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    tokens: { type: 'string', default: '64' },
    warmup: { type: 'string', default: '2' },
    'request-timeout': { type: 'string', default: '60' },
    'local-max-concurrency': { type: 'string', default: '4' },
    'local-ttft-ms': { type: 'string', default: '40' },
    'local-tokens-per-second': { type: 'string', default: '400' },
    'remote-ttft-ms': { type: 'string', default: '250' },
    'remote-tokens-per-second': { type: 'string', default: '150' },
    'remote-max-concurrency': { type: 'string', default: '0' },
    strategies: { type: 'string', default: STRATEGIES.join(',') },
    'local-fraction': { type: 'string', default: '0.6' },
    'target-ttft-ms': { type: 'string', default: '1000' },
    'max-waiting': { type: 'string', default: '4' },
    'scrape-interval-ms': { type: 'string', default: '200' },
    hysteresis: { type: 'string', default: '0.5' },
    'routing-parameter': { type: 'string', multiple: true, default: [] },
    check: { type: 'boolean', default: false },
  });
  const number = numberReader(values);
  const strategies = readList(values, 'strategies', STRATEGIES);
  if (strategies.length === 0) throw new Error(`--strategies: name at least one of ${STRATEGIES.join(', ')}`);
  if (values.check && !STRATEGIES.every((name) => strategies.includes(name)))
    throw new Error(`--check compares the strategies: it needs --strategies ${STRATEGIES.join(',')}`);
  const extraParameters = values['routing-parameter'].map((item) => {
    const match = /^([a-z_]+)=(.+)$/.exec(item);
    if (match === null)
      throw new Error(`--routing-parameter expects KEY=VALUE, e.g. stale_after_ms=1000, got '${item}'`);
    return [match[1], match[2]];
  });
  return {
    help: values.help,
    durationS: number('duration', 0, { above: true }),
    burstS: number('burst-s', 0, { above: true }),
    burstRate: number('burst-rate', 0),
    lullS: number('lull-s', 0),
    lullRate: number('lull-rate', 0),
    seed: number('seed', Number.MIN_SAFE_INTEGER, { integer: true }),
    tokens: number('tokens', 1, { integer: true }),
    warmupS: number('warmup', 0),
    requestTimeoutS: number('request-timeout', 0, { above: true }),
    local: {
      maxConcurrency: number('local-max-concurrency', 0, { integer: true }),
      ttftMs: number('local-ttft-ms', 0),
      tokensPerSecond: number('local-tokens-per-second', 0),
    },
    remote: {
      maxConcurrency: number('remote-max-concurrency', 0, { integer: true }),
      ttftMs: number('remote-ttft-ms', 0),
      tokensPerSecond: number('remote-tokens-per-second', 0),
    },
    strategies,
    localFraction: number('local-fraction', 0, { maximum: 1 }),
    targetTtftMs: number('target-ttft-ms', 0, { above: true }),
    maxWaiting: number('max-waiting', 0, { integer: true }),
    scrapeIntervalMs: number('scrape-interval-ms', 0, { above: true }),
    hysteresis: number('hysteresis', 0, { maximum: 1 }),
    extraParameters,
    gatewayLogLevel: values['gateway-log-level'],
    outDir: resolve(values.out),
    check: values.check,
  };
}

/** The run's temp folder (one config folder per strategy). */
let tmpDir = null;

// ---------------------------------------------------------------- schedule

/** mulberry32: a small seeded PRNG with uniform draws in [0, 1). */
function createPrng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The repeating load pattern of the measured run: a burst, then a lull. */
function loadPhases(options) {
  return [
    { name: 'burst', lengthS: options.burstS, rate: options.burstRate },
    { name: 'lull', lengthS: options.lullS, rate: options.lullRate },
  ].filter((phase) => phase.lengthS > 0);
}

/**
 * Arrival times (ms from the start) of a Poisson process whose rate follows `phases`, repeated until
 * `durationS`. Each phase draws from its own start (exact: the process is memoryless), so phase edges
 * stay where they are whatever the draws.
 */
function createSchedule(phases, durationS, random) {
  const cycleS = phases.reduce((sum, phase) => sum + phase.lengthS, 0);
  const arrivals = [];
  for (let cycle = 0; cycle * cycleS < durationS; cycle += 1) {
    let phaseStartS = cycle * cycleS;
    for (const phase of phases) {
      const phaseEndS = Math.min(durationS, phaseStartS + phase.lengthS);
      let atS = phaseStartS;
      while (phase.rate > 0) {
        atS -= Math.log(1 - random()) / phase.rate;
        if (atS >= phaseEndS) break;
        arrivals.push({ atMs: atS * 1000, phase: phase.name });
      }
      phaseStartS += phase.lengthS;
    }
  }
  return arrivals;
}

// ---------------------------------------------------------------- client

/**
 * Sends one streamed chat request and reads it to the end. TTFT is request sent → first SSE `data:` event
 * carrying content; `route` is the gateway's x-gateway-provider; tokens come from the final usage chunk.
 */
async function sendRequest(pool, body, timeoutMs) {
  const sentAt = performance.now();
  const result = { ok: false, status: 0, provider: null, ttftMs: Number.NaN, totalMs: Number.NaN, tokens: 0 };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const signal = controller.signal;
  try {
    const response = await pool.request({
      method: 'POST',
      path: CHAT_PATH,
      headers: { 'content-type': 'application/json' },
      body,
      signal,
    });
    result.status = response.statusCode;
    result.provider = response.headers['x-gateway-provider'] ?? null;
    let buffer = '';
    let contentChunks = 0;
    let usageTokens = null;
    let done = false;
    let streamError = null;
    for await (const chunk of response.body) {
      buffer += chunk.toString('utf8');
      let end;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!event.startsWith('data: ')) continue; // `: keep-alive` comments
        const data = event.slice('data: '.length);
        if (data === '[DONE]') {
          done = true;
          continue;
        }
        let parsed;
        try {
          parsed = JSON.parse(data);
        } catch {
          streamError = 'unparseable data event';
          continue;
        }
        if (parsed.error !== undefined) streamError = parsed.error.message ?? 'error chunk';
        if (
          typeof parsed.choices?.[0]?.delta?.content === 'string' &&
          parsed.choices[0].delta.content !== ''
        ) {
          contentChunks += 1;
          if (Number.isNaN(result.ttftMs)) result.ttftMs = performance.now() - sentAt;
        }
        if (typeof parsed.usage?.completion_tokens === 'number') usageTokens = parsed.usage.completion_tokens;
      }
    }
    result.totalMs = performance.now() - sentAt;
    result.tokens = usageTokens ?? contentChunks;
    result.ok = result.status === 200 && done && streamError === null && !Number.isNaN(result.ttftMs);
    if (!result.ok)
      result.error =
        result.status !== 200
          ? `status ${result.status}: ${buffer.slice(0, 200)}`
          : (streamError ?? (done ? 'no content' : 'stream ended without [DONE]'));
  } catch (error) {
    result.totalMs = performance.now() - sentAt;
    result.error = signal.aborted ? `timed out after ${timeoutMs / 1000} s` : String(error?.message ?? error);
  } finally {
    clearTimeout(timer);
  }
  return result;
}

/** Fires the schedule open-loop (each arrival at its time, not waiting for answers), then waits for all. */
async function replay(pool, schedule, body, timeoutMs, onTick) {
  const startedAt = performance.now();
  const pending = [];
  let maxLagMs = 0;
  for (const arrival of schedule) {
    const waitMs = startedAt + arrival.atMs - performance.now();
    if (waitMs > 1) await sleep(waitMs);
    maxLagMs = Math.max(maxLagMs, performance.now() - (startedAt + arrival.atMs));
    onTick?.();
    pending.push(
      sendRequest(pool, body, timeoutMs).then((result) => ({
        ...result,
        atMs: arrival.atMs,
        phase: arrival.phase,
      })),
    );
  }
  const results = await Promise.all(pending);
  return { results, maxLagMs, elapsedMs: performance.now() - startedAt };
}

// ---------------------------------------------------------------- simulators

async function control(port, method, path) {
  const response = await fetch(`http://127.0.0.1:${port}/control/${path}`, { method });
  if (!response.ok) throw new Error(`${method} /control/${path} on port ${port} answered ${response.status}`);
  return response.json();
}

/** Samples the local simulator's queue every QUEUE_SAMPLE_MS until stopped. */
function sampleQueue(port) {
  const samples = [];
  const startedAt = performance.now();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    control(port, 'GET', 'stats')
      .then((stats) =>
        samples.push({ atMs: performance.now() - startedAt, running: stats.running, waiting: stats.waiting }),
      )
      .catch(() => {})
      .finally(() => (busy = false));
  }, QUEUE_SAMPLE_MS);
  return () => {
    clearInterval(timer);
    return samples;
  };
}

async function waitIdle(port, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await control(port, 'GET', 'stats');
    if (stats.running === 0 && stats.waiting === 0) return;
    if (Date.now() > deadline)
      throw new Error(`the simulator on port ${port} is still busy after ${timeoutMs / 1000} s`);
    await sleep(50);
  }
}

// ---------------------------------------------------------------- gateway config

function writeGatewayConfig(dir, strategy, options, localPort, remotePort) {
  const localUrl = `http://127.0.0.1:${localPort}/v1`;
  const remoteUrl = `http://127.0.0.1:${remotePort}/v1`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'models.yaml'),
    [
      'providers:',
      `  ${LOCAL_PROVIDER}:`,
      '    kind: vllm',
      '    name: Local worker (simulated)',
      `    base_url: ${localUrl}`,
      `  ${REMOTE_PROVIDER}:`,
      '    kind: openai_compat',
      '    name: Hosted API (simulated)',
      `    base_url: ${remoteUrl}`,
      'models:',
      `  - id: ${MODEL}`,
      '    name: Spillover Model',
      "    pricing: { prompt: '0', completion: '0' }",
      '    route:',
      `      - provider: ${LOCAL_PROVIDER}`,
      `        provider_model_id: ${MODEL}`,
      `      - provider: ${REMOTE_PROVIDER}`,
      `        provider_model_id: ${MODEL}`,
      '',
    ].join('\n'),
  );
  const entries =
    strategy === 'fixed'
      ? [['local_fraction', options.localFraction]]
      : [
          ['max_waiting', options.maxWaiting],
          ['target_ttft_ms', options.targetTtftMs],
          ['scrape_interval_ms', options.scrapeIntervalMs],
          ['hysteresis', options.hysteresis],
          ...options.extraParameters,
        ];
  const parameters = new Map(entries); // a later entry (--routing-parameter) overrides an earlier one
  const parameter = `{ ${[...parameters].map(([key, value]) => `${key}: ${value}`).join(', ')} }`;
  const routingYaml = [
    `routing_strategy: ${strategy}`,
    `routing_parameter: ${parameter}`,
    'local_deployment:',
    `  - { endpoint: '${localUrl}', models: [${MODEL}] }`,
    'remote_deployment:',
    `  - { endpoint: '${remoteUrl}', models: [${MODEL}] }`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'routing.yaml'), routingYaml);
  return routingYaml;
}

// ---------------------------------------------------------------- statistics

function sortedTtfts(results) {
  return sortedOf(results.map((result) => result.ttftMs));
}

/** Requests, local token share and TTFT percentiles of a set of results (failed requests count, no TTFT). */
function summarise(results) {
  const ok = results.filter((result) => result.ok);
  const local = ok.filter((result) => result.provider === LOCAL_PROVIDER);
  const remote = ok.filter((result) => result.provider === REMOTE_PROVIDER);
  const tokens = ok.reduce((sum, result) => sum + result.tokens, 0);
  const localTokens = local.reduce((sum, result) => sum + result.tokens, 0);
  const all = sortedTtfts(ok);
  const localTtfts = sortedTtfts(local);
  const remoteTtfts = sortedTtfts(remote);
  return {
    requests: results.length,
    ok: ok.length,
    failed: results.length - ok.length,
    localRequests: local.length,
    remoteRequests: remote.length,
    otherRequests: ok.length - local.length - remote.length,
    tokens,
    localTokens,
    localTokenShare: tokens > 0 ? localTokens / tokens : Number.NaN,
    ttftP50Ms: percentile(all, 0.5),
    ttftP95Ms: percentile(all, 0.95),
    ttftMaxMs: all.length > 0 ? all[all.length - 1] : Number.NaN,
    localTtftP50Ms: percentile(localTtfts, 0.5),
    localTtftP95Ms: percentile(localTtfts, 0.95),
    remoteTtftP50Ms: percentile(remoteTtfts, 0.5),
    remoteTtftP95Ms: percentile(remoteTtfts, 0.95),
  };
}

// ---------------------------------------------------------------- printing

const fmtMs = fixed(0);
const fmtShare = (value) => (Number.isFinite(value) ? `${(value * 100).toFixed(1)} %` : '-');

// ---------------------------------------------------------------- main

/** Runs one strategy: its own gateway, warm-up, the measured replay; simulators are reset first. */
async function runStrategy(strategy, options, ports, schedule, body) {
  const dir = join(tmpDir, strategy);
  const routingYaml = writeGatewayConfig(dir, strategy, options, ports.local, ports.remote);
  const [gatewayPort] = await freePorts(1);
  const env = gatewayEnv({ logLevel: options.gatewayLogLevel, dir, unset: GATEWAY_UNSET });
  const gateway = await startServer(`gateway-${strategy}`, gatewayArgs(gatewayPort, dir), gatewayPort, {
    env,
    cwd: dir, // no .env of the repo is read
  });
  const pool = new Pool(`http://127.0.0.1:${gatewayPort}`, { connections: 1024, keepAliveTimeout: 30_000 });
  try {
    let routingBefore = null;
    try {
      const response = await fetch(`http://127.0.0.1:${gatewayPort}/routing`);
      routingBefore = response.ok ? await response.json() : null;
    } catch {
      // informational only
    }
    if (options.warmupS > 0) {
      // At the lull rate (5/s when lulls are silent): enough to warm the JIT and give strategies data.
      const warmupPhase = { name: 'warmup', lengthS: options.warmupS, rate: options.lullRate || 5 };
      const warmup = createSchedule([warmupPhase], options.warmupS, createPrng(options.seed + 1));
      const { results } = await replay(pool, warmup, body, options.requestTimeoutS * 1000);
      const failed = results.filter((result) => !result.ok);
      if (failed.length > 0)
        throw new Error(
          `${strategy}: ${failed.length} of ${results.length} warm-up requests failed, e.g. ${failed[0].error}\n${logTail(gateway)}`,
        );
    }
    await Promise.all([waitIdle(ports.local), waitIdle(ports.remote)]);
    await Promise.all([control(ports.local, 'POST', 'reset'), control(ports.remote, 'POST', 'reset')]);

    print(`[${strategy}] replaying ${schedule.length} arrivals over ${options.durationS} s ...`);
    const stopSampling = sampleQueue(ports.local);
    const replayed = await replay(pool, schedule, body, options.requestTimeoutS * 1000);
    const queueSamples = stopSampling();
    const [localStats, remoteStats] = await Promise.all([
      control(ports.local, 'GET', 'stats'),
      control(ports.remote, 'GET', 'stats'),
    ]);
    const summary = summarise(replayed.results);
    const phases = Object.fromEntries(
      ['burst', 'lull'].map((phase) => [
        phase,
        summarise(replayed.results.filter((result) => result.phase === phase)),
      ]),
    );
    const waiting = queueSamples.map((sample) => sample.waiting);
    const failures = replayed.results.filter((result) => !result.ok);
    print(
      `[${strategy}] done in ${(replayed.elapsedMs / 1000).toFixed(1)} s: ${summary.ok}/${summary.requests} ok, ` +
        `local share ${fmtShare(summary.localTokenShare)}, TTFT p50 ${fmtMs(summary.ttftP50Ms)} ms p95 ${fmtMs(summary.ttftP95Ms)} ms` +
        (failures.length > 0 ? `, FAILURES ${failures.length} (e.g. ${failures[0].error})` : ''),
    );
    return {
      strategy,
      routingYaml,
      routingBefore,
      summary,
      phases,
      localQueue: {
        maxWaiting: waiting.length > 0 ? Math.max(...waiting) : Number.NaN,
        meanWaiting:
          waiting.length > 0 ? waiting.reduce((sum, value) => sum + value, 0) / waiting.length : Number.NaN,
        samples: queueSamples,
      },
      simulatorCompleted: { local: localStats.completedRequests, remote: remoteStats.completedRequests },
      maxDispatchLagMs: replayed.maxLagMs,
      failureSamples: failures.slice(0, 5).map((result) => result.error),
      requests: replayed.results.map((result) => ({
        atMs: Math.round(result.atMs),
        phase: result.phase,
        provider: result.provider,
        ok: result.ok,
        ttftMs: Number.isFinite(result.ttftMs) ? Math.round(result.ttftMs * 10) / 10 : null,
        totalMs: Math.round(result.totalMs),
        tokens: result.tokens,
      })),
    };
  } finally {
    await pool.close();
    await stopChild(gateway);
  }
}

async function main(options) {
  checkBuild('bench:spillover');
  const startedAt = new Date().toISOString();
  tmpDir = createWorkDir('hybrid-inference-spillover-');
  const [localPort, remotePort] = await freePorts(2);
  const ports = { local: localPort, remote: remotePort };
  const simulator = (port, upstream) =>
    simulatorArgs({ port, model: MODEL, responseTokens: options.tokens, ...upstream });
  await Promise.all([
    startServer('local-sim', simulator(localPort, options.local), localPort),
    startServer('remote-sim', simulator(remotePort, options.remote), remotePort),
  ]);

  const schedule = createSchedule(loadPhases(options), options.durationS, createPrng(options.seed));
  const body = JSON.stringify({
    model: MODEL,
    messages: [{ role: 'user', content: 'Tell me a short story about a lighthouse' }],
    max_tokens: options.tokens,
    stream: true,
  });
  // Local worker capacity in answers per second: its slots over the time one answer holds a slot.
  const serviceMs =
    options.local.ttftMs +
    (options.local.tokensPerSecond > 0 ? ((options.tokens - 1) / options.local.tokensPerSecond) * 1000 : 0);
  const capacity =
    options.local.maxConcurrency > 0 ? (options.local.maxConcurrency / serviceMs) * 1000 : Infinity;
  const meanRate = schedule.length / options.durationS;
  const cycle = `${options.burstS} s at ${options.burstRate}/s, ${options.lullS} s at ${options.lullRate}/s`;
  print(
    `hybrid-inference spillover benchmark — node ${process.version}, ${os.availableParallelism()} cores, load average ${os
      .loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
  print(
    `local worker: ${options.local.maxConcurrency || 'unlimited'} slots, ttft ${options.local.ttftMs} ms, ${options.local.tokensPerSecond} tok/s ` +
      `→ ${serviceMs.toFixed(0)} ms per ${options.tokens}-token answer, capacity ${Number.isFinite(capacity) ? capacity.toFixed(1) : '∞'} req/s`,
  );
  print(
    `hosted API:   ${options.remote.maxConcurrency || 'unlimited'} slots, ttft ${options.remote.ttftMs} ms, ${options.remote.tokensPerSecond} tok/s`,
  );
  print(
    `load: ${schedule.length} streamed requests over ${options.durationS} s (bursts ${cycle}; mean ${meanRate.toFixed(1)} req/s; seed ${options.seed}), ` +
      `${options.warmupS} s warm-up per strategy`,
  );
  print(
    `gateway: node ${gatewayNodeFlags.join(' ') || '(default flags)'} dist/cli.js serve, LOG_LEVEL=${options.gatewayLogLevel}`,
  );
  print();

  const runs = [];
  for (const strategy of options.strategies)
    runs.push(await runStrategy(strategy, options, ports, schedule, body));

  // ---- report
  print();
  const byName = Object.fromEntries(runs.map((run) => [run.strategy, run]));
  const fixed = byName.fixed;
  const loadAware = byName['load-aware'];
  const checks = [];
  if (loadAware !== undefined) {
    checks.push({
      name: 'load-aware p95 TTFT (ms)',
      value: loadAware.summary.ttftP95Ms,
      limit: `<= ${options.targetTtftMs}`,
      pass: loadAware.summary.ttftP95Ms <= options.targetTtftMs,
    });
    if (fixed !== undefined)
      checks.push({
        name: 'load-aware local token share',
        value: loadAware.summary.localTokenShare,
        limit: `>= fixed ${fmtShare(fixed.summary.localTokenShare)}`,
        pass: loadAware.summary.localTokenShare >= fixed.summary.localTokenShare,
      });
  }
  const strategyLabel = (run) => (run.strategy === 'fixed' ? `fixed ${options.localFraction}` : run.strategy);
  const resultOf = (run) => {
    if (run.summary.failed > 0) return 'INVALID';
    if (run.strategy === 'load-aware') {
      if (fixed === undefined)
        return run.summary.ttftP95Ms <= options.targetTtftMs ? 'p95 ok (no baseline)' : 'FAIL';
      return checks.every((check) => check.pass) ? 'PASS' : 'FAIL';
    }
    return `baseline (p95 ${run.summary.ttftP95Ms <= options.targetTtftMs ? 'within' : 'over'})`;
  };
  print(
    `== spillover: ${cycle}, ${options.durationS} s, local capacity ${Number.isFinite(capacity) ? capacity.toFixed(1) : '∞'} req/s ==`,
  );
  print(
    table(
      ['strategy', 'requests', 'ok', 'local token share', 'p50 TTFT ms', 'p95 TTFT ms', 'target', 'result'],
      runs.map((run) => [
        strategyLabel(run),
        run.summary.requests,
        run.summary.ok,
        fmtShare(run.summary.localTokenShare),
        fmtMs(run.summary.ttftP50Ms),
        fmtMs(run.summary.ttftP95Ms),
        run.strategy === 'load-aware' && fixed !== undefined
          ? `p95 <= ${options.targetTtftMs}, share >= fixed`
          : `p95 <= ${options.targetTtftMs}`,
        resultOf(run),
      ]),
    ),
  );
  print();
  print('== by phase and route (TTFT ms; local queue = waiting requests on the local worker) ==');
  const phaseRows = [];
  for (const run of runs) {
    for (const phase of ['burst', 'lull']) {
      const s = run.phases[phase];
      phaseRows.push([
        strategyLabel(run),
        phase,
        s.requests,
        fmtShare(s.localTokenShare),
        `${fmtMs(s.localTtftP50Ms)} / ${fmtMs(s.localTtftP95Ms)}`,
        `${fmtMs(s.remoteTtftP50Ms)} / ${fmtMs(s.remoteTtftP95Ms)}`,
        fmtMs(s.ttftP95Ms),
      ]);
    }
    phaseRows.push([
      strategyLabel(run),
      'all',
      run.summary.requests,
      fmtShare(run.summary.localTokenShare),
      `${fmtMs(run.summary.localTtftP50Ms)} / ${fmtMs(run.summary.localTtftP95Ms)}`,
      `${fmtMs(run.summary.remoteTtftP50Ms)} / ${fmtMs(run.summary.remoteTtftP95Ms)}`,
      fmtMs(run.summary.ttftP95Ms),
    ]);
  }
  print(
    table(
      ['strategy', 'phase', 'requests', 'local share', 'local p50/p95', 'remote p50/p95', 'p95'],
      phaseRows,
    ),
  );
  print(
    runs
      .map(
        (run) =>
          `${strategyLabel(run)}: local queue max ${run.localQueue.maxWaiting}, mean ${run.localQueue.meanWaiting.toFixed(1)}; ` +
          `simulators completed local ${run.simulatorCompleted.local}, remote ${run.simulatorCompleted.remote}; ` +
          `max dispatch lag ${run.maxDispatchLagMs.toFixed(1)} ms`,
      )
      .join('\n'),
  );
  print();
  if (checks.length > 0) {
    print('== targets (from the issue) ==');
    print(
      table(
        ['check', 'value', 'target', 'result'],
        checks.map((check) => [
          check.name,
          check.name.includes('share') ? fmtShare(check.value) : fmtMs(check.value),
          check.limit,
          check.pass ? 'PASS' : 'FAIL',
        ]),
      ),
    );
    print();
  }

  // ---- JSON
  writeResults(options.outDir, 'spillover', {
    startedAt,
    finishedAt: new Date().toISOString(),
    environment: { node: process.version, nproc: os.availableParallelism(), loadavg: os.loadavg() },
    options: { ...options, help: undefined },
    localCapacityReqPerSec: capacity,
    latencyUnit: 'ms',
    scheduleLength: schedule.length,
    runs,
    checks,
  });

  const invalid = runs.filter((run) => run.summary.failed > 0);
  if (invalid.length > 0) {
    print(
      `INVALID RUN: ${invalid.map((run) => run.strategy).join(', ')} had failed requests (see failureSamples in the JSON).`,
    );
    return 1;
  }
  if (options.check && checks.some((check) => !check.pass)) return 1;
  return 0;
}

runMain({ usage, parseOptions, main });

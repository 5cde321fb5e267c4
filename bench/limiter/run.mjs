// Limiter benchmark: what the quota limiter adds to a request. The same open-loop load at a fixed rate goes
// through gateways that differ only in their quota setup — no limits, limits with state in memory, in Redis,
// in SQLite — alternating between variants over rounds. Reports latency percentiles and what each variant
// adds over the one without limits. See bench/README.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
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
  onShutdown,
  runMain,
  startChild,
  startServer,
  waitHealthy,
} from '../lib/processes.mjs';
import { fixed, fmtMb, fmtPct, fmtSigned, print, signed, table, writeResults } from '../lib/report.mjs';
import { percentile, sortedOf } from '../lib/stats.mjs';

const MODEL = 'bench-model';
const CHAT_PATH = '/v1/chat/completions';
const VARIANTS = ['none', 'memory', 'redis', 'sqlite'];
/**
 * The limits of every limited variant: far above what the load can reach (a 429 fails the run), but each one
 * is a counter the limiter checks and charges. `tpm` makes it estimate the prompt's tokens (the tokenizer).
 */
const LIMITS = { rpm: 100_000_000, rpd: 1_000_000_000, tpm: 1_000_000_000, max_concurrency: 10_000 };
/** CPU % (of one core) used by processes outside the benchmark above which a run is flagged as noisy. */
const NOISE_CPU_PERCENT = 10;
/** Harness lateness in sending a request on schedule above which the run is flagged (ms). */
const LAG_WARN_MS = 5;
/** Settings a gateway here runs without, besides the ones every harness drops (lib/gateway.mjs). */
const GATEWAY_UNSET = [
  'REDIS_KEY_PREFIX',
  'STATE_SQLITE_PATH',
  'RATE_LIMIT_ENABLED',
  'DATABASE_URL',
  'MAX_CONCURRENT_REQUESTS',
  'REQUEST_QUEUE_MAX_WAITING_REQUESTS',
];

const usage = `Usage: node bench/limiter/run.mjs [flags]     (npm run bench:limiter -- [flags])

Gateways (one per variant, all started at once, loaded one at a time):
  none     the route has no limits (the baseline)
  memory   the route has limits { rpm, rpd, tpm, max_concurrency } far above the load; STATE_STORE=memory
  redis    the same limits; STATE_STORE=redis, REDIS_URL, a REDIS_KEY_PREFIX unique to the run
  sqlite   the same limits; STATE_STORE=sqlite, STATE_SQLITE_PATH in the temp dir

Load (open loop: one non-stream request every 1/rate s, whatever the answers take):
  --rate R              requests per second (default 200)
  --duration S          measured seconds per variant per round (default 10)
  --warmup S            unmeasured seconds at the same rate before each measured run (default 2)
  --rounds N            rounds; each runs every variant, the order rotating between rounds (default 3)
  --variants LIST       comma list of ${VARIANTS.join(',')} (default all; "added" needs none)
  --response-tokens N   simulator answer length in tokens, also the body's max_tokens (default 8)
  --request-timeout S   a request not answered by then fails the run (default 30)

Environment:
  --redis-url URL       Redis of the redis variant (default $REDIS_URL, else redis://127.0.0.1:6379)
  --pin / --no-pin      pin with taskset: gateways on core 1, simulator + this harness on core 0
                        (default on when nproc >= 2 and taskset exists; Redis itself is not pinned)
  --gateway-log-level L LOG_LEVEL of the gateways (default warn)
  --out DIR             where the JSON result goes (default bench/results)
  --help                show this text
`;

// ---------------------------------------------------------------- options

function parseOptions(argv) {
  const values = parseHarnessArgs(argv, {
    rate: { type: 'string', default: '200' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    variants: { type: 'string', default: VARIANTS.join(',') },
    'response-tokens': { type: 'string', default: '8' },
    'request-timeout': { type: 'string', default: '30' },
    'redis-url': { type: 'string', default: process.env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379' },
    ...pinFlags,
  });
  const number = numberReader(values);
  const variants = readList(values, 'variants', VARIANTS);
  if (variants.length === 0) throw new Error('--variants: name at least one variant');
  const pin = pinRequested(values);
  if (!/^rediss?:\/\//.test(values['redis-url']))
    throw new Error(`--redis-url must be a redis:// or rediss:// URL, got '${values['redis-url']}'`);
  return {
    help: values.help,
    rate: number('rate', 0.1),
    durationS: number('duration', 0.1),
    warmupS: number('warmup', 0),
    rounds: number('rounds', 1, { integer: true }),
    variants,
    responseTokens: number('response-tokens', 1, { integer: true }),
    requestTimeoutS: number('request-timeout', 0.1),
    redisUrl: values['redis-url'],
    pin,
    gatewayLogLevel: values['gateway-log-level'],
    outDir: resolve(values.out),
  };
}

// ---------------------------------------------------------------- Redis

/** Redis keys of this run: deleted at the end, whatever happens. */
let redisCleanup = null;
/** The harness's own Redis connection (key cleanup, Redis CPU via INFO), when the redis variant runs. */
let redisClient = null;
/** Whether Redis runs on this machine: then its CPU is taken out of "other cpu". */
let redisIsLocal = false;

// After the gateways are gone (a gateway stopping cleanly writes its leave to Redis).
onShutdown(async () => {
  if (redisCleanup === null) return;
  const note = await redisCleanup().catch((error) => `could not delete them: ${error?.message ?? error}`);
  process.stdout.write(`${note}\n`);
});

/** Connects to Redis once (fails fast with a clear message when it is not there). */
async function openRedis(url) {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  redis.on('error', () => {}); // reported through the failing command
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `Redis at ${url} does not answer (${error?.message ?? error}); start it, pass --redis-url, or leave ` +
        `the redis variant out (--variants none,memory,sqlite)`,
    );
  }
  return redis;
}

/** CPU seconds Redis has used since it started (INFO cpu: user + sys, all threads); NaN without Redis. */
async function readRedisCpuSeconds() {
  if (redisClient === null) return Number.NaN;
  try {
    const info = await redisClient.info('cpu');
    const field = (name) => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1]);
    return field('used_cpu_user') + field('used_cpu_sys');
  } catch {
    return Number.NaN;
  }
}

/** Deletes every key under `prefix` (SCAN + UNLINK); returns how many went. */
async function deleteKeys(redis, prefix) {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

// ---------------------------------------------------------------- load

/**
 * Sends one non-stream chat request and reads the whole body. Latency is request handed to the pool → last
 * byte. ok = 200, a chat completion with content, and the `x-ratelimit-limit` header exactly when the
 * variant has limits (proof that the limiter admitted it).
 */
async function sendRequest(pool, body, limited, timeoutMs) {
  const sentAt = performance.now();
  const result = { ok: false, status: 0, latencyMs: Number.NaN, error: null };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const signal = controller.signal;
  try {
    const response = await pool.request({
      method: 'POST',
      path: CHAT_PATH,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body,
      signal,
    });
    const text = await response.body.text();
    result.latencyMs = performance.now() - sentAt;
    result.status = response.statusCode;
    if (response.statusCode !== 200) {
      result.error = `HTTP ${response.statusCode}: ${text.slice(0, 300)}`;
      return result;
    }
    let parsed = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      // reported below
    }
    const content = parsed?.choices?.[0]?.message?.content;
    const hasLimitHeader = response.headers['x-ratelimit-limit'] !== undefined;
    if (typeof content !== 'string' || content === '')
      result.error = `200 without a chat completion carrying content: ${text.slice(0, 300)}`;
    else if (hasLimitHeader !== limited)
      result.error = limited
        ? 'no x-ratelimit-limit header: the limiter did not admit this request'
        : `x-ratelimit-limit ${response.headers['x-ratelimit-limit']} on a route without limits`;
    else result.ok = true;
  } catch (error) {
    result.latencyMs = performance.now() - sentAt;
    result.error = signal.aborted
      ? `no answer within ${timeoutMs / 1000} s`
      : `${error?.code ?? error?.name}: ${error?.message ?? error}`;
  } finally {
    clearTimeout(timer);
  }
  return result;
}

/**
 * Open loop: request i is sent at i / rate s from the start, whatever the earlier answers take. Requests
 * scheduled before `warmupMs` are not measured. Returns when every answer is in.
 */
async function replay(pool, options, body, limited) {
  const intervalMs = 1000 / options.rate;
  const warmupCount = Math.round(options.warmupS * options.rate);
  const total = warmupCount + Math.round(options.durationS * options.rate);
  const timeoutMs = options.requestTimeoutS * 1000;
  const pending = [];
  const lags = new Float64Array(total);
  const startedAt = performance.now();
  for (let index = 0; index < total; index += 1) {
    const due = startedAt + index * intervalMs;
    const waitMs = due - performance.now();
    if (waitMs > 1) await sleep(waitMs - 0.5);
    while (performance.now() < due) {
      // the last half millisecond: spin, setTimeout is too coarse at 200+ req/s
    }
    lags[index] = performance.now() - due;
    pending.push(sendRequest(pool, body, limited, timeoutMs));
  }
  const results = await Promise.all(pending);
  return {
    warmup: results.slice(0, warmupCount),
    measured: results.slice(warmupCount),
    lags: lags.slice(warmupCount),
    elapsedMs: performance.now() - startedAt,
  };
}

// ---------------------------------------------------------------- gateway config

function modelsYaml(simPort, limited) {
  const limits = `{ ${Object.entries(LIMITS)
    .map(([key, value]) => `${key}: ${value}`)
    .join(', ')} }`;
  return simulatorModelsYaml({ model: MODEL, simPort, limits: limited ? limits : null });
}

function variantEnv(options, variant, dir, redisKeyPrefix) {
  const env = gatewayEnv({ logLevel: options.gatewayLogLevel, dir, unset: GATEWAY_UNSET });
  if (variant === 'none' || variant === 'memory') env.STATE_STORE = 'memory';
  if (variant === 'redis') {
    env.STATE_STORE = 'redis';
    env.REDIS_URL = options.redisUrl;
    env.REDIS_KEY_PREFIX = redisKeyPrefix;
  }
  if (variant === 'sqlite') {
    env.STATE_STORE = 'sqlite';
    env.STATE_SQLITE_PATH = join(dir, 'state.db');
  }
  return env;
}

/** The gateway's own view of its state store (GET /health): the variant's kind, healthy (not degraded). */
async function checkStore(gateway) {
  const expected = gateway.variant === 'none' ? 'memory' : gateway.variant;
  // Redis connects in the background after the gateway listens: give it a few seconds to be healthy.
  const deadline = Date.now() + 5000;
  let store = {};
  for (;;) {
    const response = await fetch(`http://127.0.0.1:${gateway.port}/health`);
    const health = await response.json();
    store = health.state_store ?? {};
    if ((store.kind === expected && store.healthy === true) || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (store.kind !== expected || store.healthy !== true)
    throw new Error(
      `gateway ${gateway.variant}: state store ${JSON.stringify(store)}, expected kind ${expected} and healthy` +
        ' (a degraded Redis store counts locally: the numbers would not measure Redis)',
    );
  return store;
}

// ---------------------------------------------------------------- statistics

function latencyStats(latencies) {
  const sorted = sortedOf(latencies);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1],
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
  };
}

// ---------------------------------------------------------------- printing

const fmtMs = fixed(3);
const fmtSignedUs = signed(0);

// ---------------------------------------------------------------- main

/** One measured run of one variant: the load, plus RSS (max, every 200 ms) and CPU of the gateway. */
async function runVariant(gateway, options, body) {
  await checkStore(gateway);
  const pid = gateway.child.pid;
  let maxRssKb = readRssKb(pid);
  const sampler = setInterval(() => (maxRssKb = Math.max(maxRssKb, readRssKb(pid))), 200);
  const watched = listChildren()
    .map((child) => child.pid)
    .concat(process.pid);
  const ourCpu = () => watched.reduce((sum, watchedPid) => sum + readCpuSeconds(watchedPid), 0);
  const cpuBefore = readCpuSeconds(pid);
  const ourBefore = ourCpu();
  const systemBefore = readSystemBusySeconds();
  const redisBefore = await readRedisCpuSeconds();
  let replayed;
  try {
    replayed = await replay(gateway.pool, options, body, gateway.variant !== 'none');
  } finally {
    clearInterval(sampler);
  }
  maxRssKb = Math.max(maxRssKb, readRssKb(pid));
  const elapsedS = replayed.elapsedMs / 1000;
  const gatewayCpuS = readCpuSeconds(pid) - cpuBefore;
  const redisCpuS = (await readRedisCpuSeconds()) - redisBefore;
  const localRedisS = redisIsLocal && Number.isFinite(redisCpuS) ? redisCpuS : 0;
  const otherCpuS = Math.max(
    0,
    readSystemBusySeconds() - systemBefore - (ourCpu() - ourBefore) - localRedisS,
  );
  const otherCpuPercent = (otherCpuS / elapsedS) * 100;
  await checkStore(gateway);
  const all = replayed.warmup.concat(replayed.measured);
  const failures = all.filter((result) => !result.ok);
  const statuses = {};
  for (const result of all) statuses[result.status] = (statuses[result.status] ?? 0) + 1;
  const latencies = replayed.measured.filter((result) => result.ok).map((result) => result.latencyMs);
  const lags = sortedOf(replayed.lags);
  return {
    requests: replayed.measured.length,
    ok: latencies.length,
    sent: all.length,
    failed: failures.length,
    statuses,
    failureSamples: [...new Set(failures.map((result) => result.error))].slice(0, 5),
    ...latencyStats(latencies),
    latencies: latencies.map((value) => Math.round(value * 1000) / 1000),
    maxRssKb,
    gatewayCpuPercent: (gatewayCpuS / elapsedS) * 100,
    gatewayCpuUsPerRequest: (gatewayCpuS / all.length) * 1e6,
    redisCpuPercent: (redisCpuS / elapsedS) * 100,
    otherCpuPercent,
    noisy: otherCpuPercent > NOISE_CPU_PERCENT,
    lagP99Ms: percentile(lags, 0.99),
    lagMaxMs: lags.length === 0 ? Number.NaN : lags[lags.length - 1],
  };
}

async function main(options) {
  checkBuild('bench:limiter');
  const { pin } = choosePinning(options.pin);

  const startedAt = new Date().toISOString();
  const tmpDir = createWorkDir('hybrid-inference-bench-limiter-');
  const redisKeyPrefix = `bench-limiter:${process.pid}-${Date.now().toString(36)}:`;
  let redisVersion = null;
  if (options.variants.includes('redis')) {
    const redis = await openRedis(options.redisUrl);
    redisClient = redis;
    redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
    const host = new URL(options.redisUrl).hostname;
    redisIsLocal = ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host);
    redisCleanup = async () => {
      try {
        const deleted = await deleteKeys(redis, redisKeyPrefix);
        return `redis: deleted ${deleted} keys under ${redisKeyPrefix}`;
      } finally {
        redisClient = null;
        redis.disconnect();
      }
    };
  }

  const [simPort, ...gatewayPorts] = await freePorts(1 + options.variants.length);
  await startServer(
    'simulator',
    simulatorArgs({ port: simPort, model: MODEL, responseTokens: options.responseTokens }),
    simPort,
    { core: 0, pin },
  );

  const gateways = options.variants.map((variant, index) => {
    const dir = join(tmpDir, variant);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'models.yaml'), modelsYaml(simPort, variant !== 'none'));
    writeFileSync(join(dir, 'routing.yaml'), 'routing_strategy: weighted\n');
    const port = gatewayPorts[index];
    const child = startChild(
      `gateway-${variant}`,
      gatewayArgs(port, dir),
      { core: 1, pin, env: variantEnv(options, variant, dir, redisKeyPrefix), cwd: dir }, // no .env of the repo
    );
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 256, keepAliveTimeout: 30_000 });
    return { variant, port, child, pool };
  });
  await Promise.all(gateways.map((gateway) => waitHealthy(gateway.child, gateway.port)));
  for (const gateway of gateways) gateway.store = await checkStore(gateway);

  const body = JSON.stringify({
    model: MODEL,
    messages: [{ role: 'user', content: 'Say something short' }],
    max_tokens: options.responseTokens,
  });
  const machine = machineInfo();
  print(
    `hybrid-inference limiter benchmark — node ${machine.node}, ${machine.nproc} cores (${machine.cpuModel}), ${machine.platform}`,
  );
  print(
    pin
      ? 'pinning: gateways on core 1; simulator + load (this harness) on core 0; Redis not pinned'
      : 'pinning: off (numbers are noisier; processes compete for cores)',
  );
  print(
    `simulator: ttft 0 ms, max speed, ${options.responseTokens} tokens; gateways: LOG_LEVEL=${options.gatewayLogLevel}, node ${gatewayNodeFlags.join(' ') || '(default flags)'}`,
  );
  print(
    `limits (all but none): ${JSON.stringify(LIMITS)}` +
      (redisVersion === null
        ? ''
        : `; redis ${redisVersion} at ${options.redisUrl}, prefix ${redisKeyPrefix}`),
  );
  print(
    `plan: ${options.rounds} rounds × ${options.variants.length} variants × (${options.warmupS} s warm-up + ${options.durationS} s measured) at ${options.rate} req/s open loop, non-stream, order rotating`,
  );
  print(
    `load average before start: ${os
      .loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')} (1, 5, 15 min)`,
  );
  print(
    `RSS before load (MB): ${gateways.map((gateway) => `${gateway.variant} ${fmtMb(readRssKb(gateway.child.pid))}`).join(', ')}`,
  );
  print();

  const runs = Object.fromEntries(options.variants.map((variant) => [variant, []]));
  for (let round = 0; round < options.rounds; round += 1) {
    const order = gateways.map((_, index) => gateways[(index + round) % gateways.length]);
    for (const gateway of order) {
      const run = await runVariant(gateway, options, body);
      runs[gateway.variant].push(run);
      print(
        `[round ${round + 1}/${options.rounds}] ${gateway.variant.padEnd(6)} ${String(run.ok).padStart(6)}/${run.requests} ok` +
          `  p50 ${fmtMs(run.p50)}  p90 ${fmtMs(run.p90)}  p99 ${fmtMs(run.p99)} ms` +
          `  gateway cpu ${fmtPct(run.gatewayCpuPercent)}% (${run.gatewayCpuUsPerRequest.toFixed(0)} µs/req)` +
          (Number.isFinite(run.redisCpuPercent) ? `  redis cpu ${fmtPct(run.redisCpuPercent)}%` : '') +
          (run.noisy ? `  NOISY: other cpu ${fmtPct(run.otherCpuPercent)}%` : '') +
          (run.lagMaxMs > LAG_WARN_MS ? `  send lag max ${fmtMs(run.lagMaxMs)} ms` : ''),
      );
      if (run.failed > 0) {
        const refused = run.statuses[429] ?? 0;
        throw new Error(
          `INVALID RUN: ${run.failed} of ${run.sent} requests to the ${gateway.variant} gateway failed ` +
            `(statuses ${JSON.stringify(run.statuses)})` +
            (refused > 0
              ? `; ${refused} were refused with 429: the limits ${JSON.stringify(LIMITS)} are too low for this load`
              : '') +
            `:\n  ${run.failureSamples.join('\n  ')}`,
        );
      }
    }
  }
  await Promise.all(gateways.map((gateway) => gateway.pool.close()));

  // ---- report
  const report = {};
  for (const variant of options.variants) {
    const variantRuns = runs[variant];
    const stats = latencyStats(variantRuns.flatMap((run) => run.latencies));
    const mean = (field) => variantRuns.reduce((sum, run) => sum + run[field], 0) / variantRuns.length;
    report[variant] = {
      requests: variantRuns.reduce((sum, run) => sum + run.requests, 0),
      ok: variantRuns.reduce((sum, run) => sum + run.ok, 0),
      ...stats,
      maxRssKb: Math.max(...variantRuns.map((run) => run.maxRssKb)),
      gatewayCpuPercent: mean('gatewayCpuPercent'),
      gatewayCpuUsPerRequest: mean('gatewayCpuUsPerRequest'),
      otherCpuPercent: mean('otherCpuPercent'),
      redisCpuPercent: mean('redisCpuPercent'),
      lagP99Ms: Math.max(...variantRuns.map((run) => run.lagP99Ms)),
      lagMaxMs: Math.max(...variantRuns.map((run) => run.lagMaxMs)),
      rounds: variantRuns,
    };
  }
  const base = report.none;
  const added = (variant, field) => (base === undefined ? Number.NaN : report[variant][field] - base[field]);
  const addedPerRound = (variant, field) =>
    base === undefined
      ? []
      : report[variant].rounds.map((run, index) => run[field] - base.rounds[index][field]);
  /** Added p50/p99 over the rounds where neither this variant's run nor none's was noisy (pooled). */
  const addedQuiet = (variant) => {
    if (base === undefined) return null;
    const quiet = report[variant].rounds
      .map((run, index) => [run, base.rounds[index]])
      .filter(([run, baseline]) => !run.noisy && !baseline.noisy);
    if (quiet.length === 0) return { rounds: 0, p50: Number.NaN, p99: Number.NaN };
    const mine = latencyStats(quiet.flatMap(([run]) => run.latencies));
    const theirs = latencyStats(quiet.flatMap(([, baseline]) => baseline.latencies));
    return { rounds: quiet.length, p50: mine.p50 - theirs.p50, p99: mine.p99 - theirs.p99 };
  };
  for (const variant of options.variants)
    report[variant].added = {
      p50: added(variant, 'p50'),
      p99: added(variant, 'p99'),
      cpuUsPerRequest: added(variant, 'gatewayCpuUsPerRequest'),
      p50PerRound: addedPerRound(variant, 'p50'),
      p99PerRound: addedPerRound(variant, 'p99'),
      quietRoundsOnly: addedQuiet(variant),
    };
  const limitedVariants = options.variants.filter((name) => name !== 'none');
  const anyNoisy = options.variants.some((variant) => report[variant].rounds.some((run) => run.noisy));

  print();
  print(
    `== limiter cost at ${options.rate} req/s, non-stream (${options.rounds} × ${options.durationS} s per variant) ==`,
  );
  print(
    table(
      [
        'variant',
        'requests',
        'ok',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'added p50',
        'added p99',
        'cpu µs/req',
        'added cpu µs',
        'max RSS MB',
        'redis cpu %',
        'other cpu %',
      ],
      options.variants.map((variant) => {
        const entry = report[variant];
        const baseline = variant === 'none';
        return [
          variant,
          entry.requests,
          entry.ok,
          fmtMs(entry.p50),
          fmtMs(entry.p90),
          fmtMs(entry.p99),
          baseline ? '' : fmtSigned(entry.added.p50),
          baseline ? '' : fmtSigned(entry.added.p99),
          entry.gatewayCpuUsPerRequest.toFixed(0),
          baseline ? '' : fmtSignedUs(entry.added.cpuUsPerRequest),
          fmtMb(entry.maxRssKb),
          fmtPct(entry.redisCpuPercent),
          fmtPct(entry.otherCpuPercent),
        ];
      }),
    ),
  );
  if (base !== undefined) {
    print();
    const mark = (variant, index) =>
      report[variant].rounds[index].noisy || base.rounds[index].noisy ? '*' : '';
    const perRound = (variant, field) =>
      report[variant].added[field]
        .map((value, index) => `${fmtSigned(value)}${mark(variant, index)}`)
        .join(' ');
    for (const variant of limitedVariants)
      print(
        `${variant.padEnd(6)} added per round: p50 ${perRound(variant, 'p50PerRound')}` +
          `  p99 ${perRound(variant, 'p99PerRound')} ms`,
      );
    if (anyNoisy) {
      print(`  (* a noisy round: other processes used > ${NOISE_CPU_PERCENT}% of a core in it)`);
      const quietParts = limitedVariants.map((variant) => {
        const quiet = report[variant].added.quietRoundsOnly;
        return quiet.rounds === 0
          ? `${variant} no quiet round`
          : `${variant} ${fmtSigned(quiet.p50)} / ${fmtSigned(quiet.p99)} ms (${quiet.rounds} of ${options.rounds})`;
      });
      if (quietParts.length > 0) print(`added p50 / p99 over quiet rounds only: ${quietParts.join(', ')}`);
    }
  }
  const lagP99 = Math.max(...options.variants.map((variant) => report[variant].lagP99Ms));
  const lagMax = Math.max(...options.variants.map((variant) => report[variant].lagMaxMs));
  print(`harness send lag (sent − scheduled): p99 ${fmtMs(lagP99)} ms, max ${fmtMs(lagMax)} ms`);
  const maxOther = Math.max(
    ...options.variants.flatMap((variant) => report[variant].rounds.map((run) => run.otherCpuPercent)),
  );
  print();

  // ---- interpretation
  let interpretation;
  if (base === undefined) {
    interpretation = 'no "none" variant: nothing to compare against (run with --variants none,...)';
  } else {
    const parts = options.variants
      .filter((variant) => variant !== 'none')
      .map(
        (variant) =>
          `${fmtSigned(report[variant].added.p50)} ms p50 / ${fmtSigned(report[variant].added.p99)} ms p99 ` +
          `(${fmtSignedUs(report[variant].added.cpuUsPerRequest)} µs of gateway CPU per request) with ${variant} state`,
      );
    interpretation =
      parts.length === 0
        ? 'only the baseline ran: nothing to compare'
        : `At ${options.rate} req/s the quota limiter (${Object.keys(LIMITS).join(', ')}) adds ${parts.join(', ')} ` +
          `over a route without limits (baseline p50 ${fmtMs(base.p50)} ms, p99 ${fmtMs(base.p99)} ms).`;
  }
  print(interpretation);
  if (anyNoisy)
    print(
      `note: processes outside the benchmark used up to ${fmtPct(maxOther)}% of a core during a run` +
        (options.variants.includes('redis') && !redisIsLocal ? ' (a remote Redis is not in it)' : '') +
        ': the machine was busy, the figures are noisy; rerun on an idle machine before quoting them',
    );
  if (lagMax > LAG_WARN_MS)
    print(
      `note: the harness sent a request up to ${fmtMs(lagMax)} ms late; the machine is too busy for a steady rate`,
    );
  print();

  // ---- JSON
  writeResults(options.outDir, 'limiter', {
    startedAt,
    finishedAt: new Date().toISOString(),
    environment: { ...machine, pinned: pin, redisVersion },
    options: { ...options, help: undefined },
    limits: LIMITS,
    redisKeyPrefix: options.variants.includes('redis') ? redisKeyPrefix : null,
    stores: Object.fromEntries(gateways.map((gateway) => [gateway.variant, gateway.store])),
    latencyUnit: 'ms',
    variants: report,
    interpretation,
  });
  return 0;
}

runMain({ usage, parseOptions, main });

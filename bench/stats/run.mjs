// Stats benchmark: how long GET /stats takes on a request log of a million rows, in SQLite and PostgreSQL.
// Fills each database with generated rows spread evenly over the last --span-hours, starts a gateway on it and
// times /stats through HTTP for each window and group_by. `--help` lists the flags; docs/api.md (the /stats
// section) quotes the figures.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { checkBuild, repo } from '../lib/build.mjs';
import { gatewayArgs, gatewayEnv, simulatorModelsYaml } from '../lib/gateway.mjs';
import { machineInfo } from '../lib/machine.mjs';
import { numberReader, parseHarnessArgs, readList } from '../lib/options.mjs';
import { createWorkDir, freePorts, onShutdown, runMain, startServer, stopChild } from '../lib/processes.mjs';
import { fixed, print, table, writeResults } from '../lib/report.mjs';
import { percentile, sortedOf } from '../lib/stats.mjs';

const BACKENDS = ['sqlite', 'postgres'];
const WINDOWS = ['24h', '7d'];
const GROUPINGS = ['none', 'model', 'provider', 'route', 'key'];
const ADMIN_KEY = 'bench-stats-admin';
/** Rows per append (SQLite) or per INSERT (PostgreSQL) while filling. */
const FILL_BATCH = 5000;
/** A 24 h /stats on a million rows must answer well within this (the issue's target). */
const TARGET_MS = 1000;

const usage = `Usage: node bench/stats/run.mjs [flags]     (npm run bench:stats -- [flags])

Fills a request log with generated rows (8 models, 5 providers of which 1 local, 40 routes, 50 API keys; 5 %
failed, 60 % streamed; ~700-byte rows as the gateway writes them, content logging off), spread evenly over
the last --span-hours, then starts a gateway (dist/cli.js serve) on it and times GET /stats through HTTP:
window=24h and 7d (ending at the newest row), without group_by and with each group_by.

  --rows N              rows to insert (default 1000000)
  --span-hours H        the rows cover this many hours up to now (default 168: the 7d window holds them all)
  --rounds N            timed calls per query, after one untimed (default 5)
  --backends LIST       comma list of ${BACKENDS.join(',')} (default both)
  --database-url URL    PostgreSQL (default $TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test);
                        the rows go to a schema of their own, dropped at the end unless --keep
  --data-dir DIR        where the SQLite file goes (default: the run's temp folder, removed at the end)
  --schema NAME         the PostgreSQL schema (default bench_stats_<pid>)
  --keep                keep the SQLite file and the schema; a later run with the same --data-dir / --schema
                        and --rows reuses them instead of filling again
  --gateway-log-level L LOG_LEVEL of the gateway (default warn)
  --out DIR             where the JSON result goes (default bench/results)
  --help                show this text
`;

// ---------------------------------------------------------------- options

function parseOptions(argv) {
  const values = parseHarnessArgs(argv, {
    rows: { type: 'string', default: '1000000' },
    'span-hours': { type: 'string', default: '168' },
    rounds: { type: 'string', default: '5' },
    backends: { type: 'string', default: BACKENDS.join(',') },
    'database-url': {
      type: 'string',
      default: process.env.TEST_DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/test',
    },
    'data-dir': { type: 'string' },
    schema: { type: 'string', default: `bench_stats_${process.pid}` },
    keep: { type: 'boolean', default: false },
  });
  const number = numberReader(values);
  const backends = readList(values, 'backends', BACKENDS);
  if (backends.length === 0) throw new Error(`--backends: name at least one of ${BACKENDS.join(', ')}`);
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(values.schema))
    throw new Error(`--schema must be a plain identifier, got '${values.schema}'`);
  return {
    help: values.help,
    rows: number('rows', 1, { integer: true }),
    spanHours: number('span-hours', 0, { above: true }),
    rounds: number('rounds', 1, { integer: true }),
    backends,
    databaseUrl: values['database-url'],
    dataDir: values['data-dir'] === undefined ? null : resolve(values['data-dir']),
    schema: values.schema,
    keep: values.keep,
    gatewayLogLevel: values['gateway-log-level'],
    outDir: resolve(values.out),
  };
}

// ---------------------------------------------------------------- rows

/** mulberry32: the same rows every run. */
function createRandom(seed) {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

const MODELS = [
  'llama-3.3-70b-instruct',
  'qwen-2.5-72b-instruct',
  'deepseek-v3',
  'gemini-2.0-flash',
  'gpt-oss-120b',
  'mistral-large',
  'phi-4',
  'claude-haiku',
];
const PROVIDERS = ['local-vllm', 'groq', 'deepseek', 'gemini', 'openrouter'];
const ERROR_TYPES = ['rate_limit_exceeded', 'provider_unavailable', 'timeout', 'no_route_available'];

/**
 * The entries of rows `start` to `end` of `count`, timestamps evenly from `fromMs` to `toMs`, in time order
 * (as a gateway writes them). Each row has its own seed, so any slice is the same whatever the batching.
 */
function entriesBetween(start, end, count, fromMs, toMs) {
  const entries = [];
  for (let index = start; index < end; index += 1) {
    const random = createRandom(index * 7919 + 1);
    const model = MODELS[Math.floor(random() * MODELS.length)];
    const provider = PROVIDERS[Math.floor(random() * PROVIDERS.length)];
    const failed = random() < 0.05;
    const stream = random() < 0.6;
    const prompt = 20 + Math.floor(random() * 4000);
    const completion = 1 + Math.floor(random() * 800);
    // Mostly fast with a long tail, like real latencies.
    const latency = 40 + Math.floor(random() * random() * random() * 30_000);
    const routeId = `${provider}/${model}`;
    const interrupted = stream && !failed && random() < 0.01;
    const cancelled = !failed && !interrupted && random() < 0.01;
    entries.push({
      requestId: `gen-bench-${index}`,
      timestamp: fromMs + Math.floor(((toMs - fromMs) * index) / count),
      requestedModel: model,
      modelId: model,
      provider: failed ? '' : provider,
      routeId: failed ? null : routeId,
      isLocal: failed ? null : provider === 'local-vllm',
      statusCode: failed ? 503 : 200,
      errorType: failed
        ? ERROR_TYPES[Math.floor(random() * ERROR_TYPES.length)]
        : interrupted
          ? 'interrupted'
          : cancelled
            ? 'cancelled'
            : null,
      errorMessage: failed ? 'every route failed' : null,
      stream,
      attempts: [
        {
          route: routeId,
          provider,
          outcome: failed ? 'failed' : 'success',
          reason: failed ? 'server_error' : null,
          upstreamStatus: failed ? 503 : 200,
          durationMs: latency,
        },
      ],
      fallback: random() < 0.03,
      interrupted,
      cancelled,
      params: { temperature: 0.7, max_tokens: 1024 },
      ttftMs: stream && !failed ? Math.min(latency, 15 + Math.floor(random() * random() * 2000)) : null,
      latencyMs: latency,
      promptTokens: failed ? null : prompt,
      completionTokens: failed ? null : completion,
      reasoningTokens: failed ? null : Math.floor(completion / 10),
      cachedTokens: failed ? null : Math.floor(prompt / 3),
      cacheWriteTokens: failed ? null : 0,
      totalTokens: failed ? null : prompt + completion,
      estimated: false,
      costUsd: failed ? null : prompt * 1.2e-7 + completion * 3e-7,
      apiKeyId: `key_${Math.floor(random() * 50)}`,
      userId: null,
      sessionId: null,
      referer: null,
      title: null,
      prompt: null,
      response: null,
      promptHash: (index * 2654435761).toString(16).padStart(64, 'a'),
      responseHash: (index * 40503).toString(16).padStart(64, 'b'),
      tools: null,
      metadata: { user_agent: 'openai-node/6.49.0', ip: '10.0.0.7', authenticated: true },
    });
  }
  return entries;
}

// ---------------------------------------------------------------- filling

/** The built storage module (dist/), as the gateway runs it. */
async function storage() {
  return import(pathToFileURL(join(repo, 'dist', 'storage', 'index.js')).href);
}

function progress(label, done, total, startedAt) {
  const seconds = (performance.now() - startedAt) / 1000;
  process.stdout.write(
    `\r${label}: ${done.toLocaleString('en')} / ${total.toLocaleString('en')} rows, ${seconds.toFixed(0)} s`,
  );
}

/** Fills the SQLite file through the store's own `append` (the writer's path, every index maintained). */
async function fillSqlite(path, options, range) {
  const { createSqliteRequestLogStore } = await storage();
  const store = createSqliteRequestLogStore({ path });
  await store.migrate();
  const startedAt = performance.now();
  for (let start = 0; start < options.rows; start += FILL_BATCH) {
    const end = Math.min(options.rows, start + FILL_BATCH);
    await store.append(entriesBetween(start, end, options.rows, range.fromMs, range.toMs));
    if (start % 100_000 === 0 || end === options.rows) progress('sqlite', end, options.rows, startedAt);
  }
  await store.close();
  process.stdout.write('\n');
  return (performance.now() - startedAt) / 1000;
}

/**
 * Fills PostgreSQL in batches of `json_populate_recordset` inserts (far faster than the store's bound-parameter
 * INSERT for a bulk load; the rows and indexes are the same), then VACUUM ANALYZE, as autovacuum would have
 * done on a log that grew over days.
 */
async function fillPostgres(options, range) {
  const { createPostgresRequestLogStore } = await storage();
  const columns = await import(pathToFileURL(join(repo, 'dist', 'storage', 'api-log-columns.js')).href);
  const store = createPostgresRequestLogStore({
    connectionString: options.databaseUrl,
    schema: options.schema,
  });
  await store.migrate();
  await store.close();
  const client = new pg.Client({
    connectionString: options.databaseUrl,
    options: `-c search_path=${options.schema}`,
  });
  await client.connect();
  const names = columns.API_LOG_COLUMNS.map((column) => column.name).join(', ');
  const insert = `INSERT INTO api_logs (${names}) SELECT ${names} FROM json_populate_recordset(NULL::api_logs, $1::json)`;
  const startedAt = performance.now();
  try {
    for (let start = 0; start < options.rows; start += FILL_BATCH) {
      const end = Math.min(options.rows, start + FILL_BATCH);
      const records = entriesBetween(start, end, options.rows, range.fromMs, range.toMs).map((entry) => {
        const values = columns.toColumnValues(entry);
        return Object.fromEntries(
          columns.API_LOG_COLUMNS.map((column, index) => {
            const value = values[index];
            if (column.kind === 'timestamp') return [column.name, new Date(value).toISOString()];
            if (column.kind === 'json') return [column.name, value === null ? null : JSON.parse(value)];
            return [column.name, value];
          }),
        );
      });
      await client.query(insert, [JSON.stringify(records)]);
      if (start % 100_000 === 0 || end === options.rows) progress('postgres', end, options.rows, startedAt);
    }
    process.stdout.write('\n');
    await client.query('VACUUM ANALYZE api_logs');
  } finally {
    await client.end();
  }
  return (performance.now() - startedAt) / 1000;
}

/** Rows already in the SQLite file and their newest timestamp (ms), or null when there is no table. */
async function sqliteContents(path) {
  if (!existsSync(path)) return null;
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path, { readonly: true });
  try {
    const row = db.prepare('SELECT COUNT(*) AS count, MAX(timestamp) AS newest FROM api_logs').get();
    return { count: row.count, newestMs: Date.parse(`${String(row.newest).replace(' ', 'T')}Z`) };
  } catch {
    return null;
  } finally {
    db.close();
  }
}

async function postgresContents(options) {
  const client = new pg.Client({
    connectionString: options.databaseUrl,
    options: `-c search_path=${options.schema}`,
  });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT COUNT(*) AS count, MAX(timestamp) AS newest FROM api_logs');
    return { count: Number(rows[0].count), newestMs: rows[0].newest?.getTime() ?? Number.NaN };
  } catch {
    return null;
  } finally {
    await client.end();
  }
}

async function dropSchema(options) {
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${options.schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------- timing

async function getStats(origin, query) {
  const startedAt = performance.now();
  const response = await fetch(`${origin}/stats${query}`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  const body = await response.json();
  const elapsedMs = performance.now() - startedAt;
  if (response.status !== 200)
    throw new Error(`GET /stats${query}: ${response.status} ${JSON.stringify(body)}`);
  return { elapsedMs, body };
}

/**
 * Times every query `rounds` times (after one untimed call that warms the caches and, on SQLite, starts the
 * stats worker). The window ends at the newest row (`until`), so a kept database measures the same on a rerun.
 */
async function timeQueries(origin, options, newestMs) {
  const results = [];
  for (const window of WINDOWS) {
    for (const groupBy of GROUPINGS) {
      const query = `?window=${window}&until=${newestMs + 1}${groupBy === 'none' ? '' : `&group_by=${groupBy}`}`;
      const { body } = await getStats(origin, query);
      const times = [];
      for (let round = 0; round < options.rounds; round += 1)
        times.push((await getStats(origin, query)).elapsedMs);
      const sorted = sortedOf(times);
      results.push({
        window,
        groupBy,
        rowsInWindow: body.groups.reduce((sum, group) => sum + group.requests, 0),
        groups: body.groups.length,
        medianMs: percentile(sorted, 0.5),
        minMs: sorted[0],
        maxMs: sorted[sorted.length - 1],
      });
      print(
        `  window=${window.padEnd(3)} group_by=${groupBy.padEnd(8)} median ${fixed(0)(percentile(sorted, 0.5)).padStart(5)} ms`,
      );
    }
  }
  return results;
}

/**
 * The gateway's responsiveness while a 7d /stats runs: GET /health back to back meanwhile, the slowest one.
 * SQLite runs /stats on a worker thread, so requests keep being served.
 */
async function healthDuringStats(origin, newestMs) {
  let running = true;
  const statsCall = getStats(origin, `?window=7d&until=${newestMs + 1}&group_by=model`).finally(() => {
    running = false;
  });
  let slowestMs = 0;
  let calls = 0;
  while (running) {
    const startedAt = performance.now();
    await (await fetch(`${origin}/health`)).arrayBuffer();
    slowestMs = Math.max(slowestMs, performance.now() - startedAt);
    calls += 1;
  }
  return { statsMs: (await statsCall).elapsedMs, healthCalls: calls, slowestHealthMs: slowestMs };
}

// ---------------------------------------------------------------- main

async function runBackend(backend, options, workDir) {
  print(`\n${backend}`);
  const dataDir = options.dataDir ?? workDir;
  mkdirSync(dataDir, { recursive: true });
  const sqlitePath = join(dataDir, 'bench-stats.db');
  const toMs = Date.now();
  const range = { fromMs: toMs - options.spanHours * 3_600_000, toMs };
  const existing = backend === 'sqlite' ? await sqliteContents(sqlitePath) : await postgresContents(options);
  let fillSeconds = null;
  let newestMs;
  if (existing !== null && existing.count === options.rows) {
    print(`  reusing ${existing.count.toLocaleString('en')} rows already there`);
    newestMs = existing.newestMs;
  } else {
    if (existing !== null)
      throw new Error(
        `${backend} already holds ${existing.count} rows, not --rows ${options.rows}: remove them or pick another --data-dir / --schema`,
      );
    fillSeconds =
      backend === 'sqlite'
        ? await fillSqlite(sqlitePath, options, range)
        : await fillPostgres(options, range);
    print(`  filled in ${fillSeconds.toFixed(0)} s (${(options.rows / fillSeconds).toFixed(0)} rows/s)`);
    newestMs = range.fromMs + Math.floor(((range.toMs - range.fromMs) * (options.rows - 1)) / options.rows);
  }

  const configDir = join(workDir, `config-${backend}`);
  mkdirSync(configDir, { recursive: true });
  // The model's route goes nowhere: no chat request is made, and health checks are off.
  writeFileSync(join(configDir, 'models.yaml'), simulatorModelsYaml({ model: 'bench-model', simPort: 9 }));
  writeFileSync(join(configDir, 'routing.yaml'), 'routing_parameter: { health_check: 0 }\n');
  const [port] = await freePorts(1);
  const set = {
    ADMIN_API_KEY: ADMIN_KEY,
    SQLITE_DB_PATH: sqlitePath,
    ...(backend === 'sqlite'
      ? { USE_SQLITE_LOG: 'true' }
      : {
          USE_SQLITE_LOG: 'false',
          DATABASE_URL: `${options.databaseUrl}${options.databaseUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${options.schema}`)}`,
        }),
  };
  const gateway = await startServer(`gateway-${backend}`, gatewayArgs(port, configDir), port, {
    env: gatewayEnv({ logLevel: options.gatewayLogLevel, dir: workDir, unset: ['DATABASE_URL'], set }),
  });
  const origin = `http://127.0.0.1:${port}`;
  try {
    const queries = await timeQueries(origin, options, newestMs);
    const responsiveness = await healthDuringStats(origin, newestMs);
    print(
      `  during a 7d group_by=model /stats (${fixed(0)(responsiveness.statsMs)} ms): ${responsiveness.healthCalls} GET /health, slowest ${fixed(1)(responsiveness.slowestHealthMs)} ms`,
    );
    return { backend, fillSeconds, queries, responsiveness };
  } finally {
    await stopChild(gateway);
  }
}

async function main(options) {
  checkBuild('bench:stats');
  const workDir = createWorkDir('hybrid-inference-stats-');
  if (options.backends.includes('postgres') && !options.keep) onShutdown(() => dropSchema(options));
  if (options.dataDir !== null && !options.keep && options.backends.includes('sqlite'))
    print(`note: without --keep the SQLite file in ${options.dataDir} stays; remove it yourself`);
  print(
    `hybrid-inference stats benchmark — node ${process.version}, ${os.availableParallelism()} cores, load average ${os
      .loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
  print(
    `${options.rows.toLocaleString('en')} rows over ${options.spanHours} h, ${options.rounds} timed calls per query`,
  );
  const runs = [];
  for (const backend of options.backends) runs.push(await runBackend(backend, options, workDir));

  print();
  const header = ['query', 'rows in window', ...runs.map((run) => `${run.backend} median ms (min..max)`)];
  const rows = runs[0].queries.map((query, index) => [
    `window=${query.window} group_by=${query.groupBy}`,
    query.rowsInWindow.toLocaleString('en'),
    ...runs.map((run) => {
      const measured = run.queries[index];
      return `${fixed(0)(measured.medianMs)} (${fixed(0)(measured.minMs)}..${fixed(0)(measured.maxMs)})`;
    }),
  ]);
  print(table(header, rows));
  const slowest24h = runs.map((run) => ({
    backend: run.backend,
    ms: Math.max(...run.queries.filter((query) => query.window === '24h').map((query) => query.medianMs)),
  }));
  print();
  for (const { backend, ms } of slowest24h)
    print(
      `${backend}: slowest 24h query ${fixed(0)(ms)} ms (target < ${TARGET_MS} ms): ${ms < TARGET_MS ? 'ok' : 'MISSED'}`,
    );
  writeResults(options.outDir, 'stats', {
    machine: machineInfo(),
    loadAverage: os.loadavg(),
    options: { rows: options.rows, spanHours: options.spanHours, rounds: options.rounds },
    runs,
  });
  return 0;
}

runMain({ usage, parseOptions, main });

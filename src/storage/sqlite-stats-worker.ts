import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { STATS_QUANTILES } from './request-log-stats.js';
import type { StatsStatement } from './stats-sql.js';
import { SQLITE_BUSY_TIMEOUT_MS } from '../util/open-sqlite-file.js';

/** The SQL aggregate the worker defines: `stats_percentiles(column)` → JSON `[p50, p95, p99]`, or null. */
export const SQLITE_PERCENTILES_FUNCTION = 'stats_percentiles';

/** How long the worker's reader waits for a lock (WAL readers rarely do: only around a checkpoint). */

/**
 * The worker's code, plain CommonJS run with `eval`: a `.ts` worker file would not load under the test
 * runner's loader (it does not reach worker threads), and this code needs nothing of ours. It opens its own
 * read-only connection (WAL: readers never block the writer) and defines the percentile aggregate SQLite
 * lacks: a group's values are collected, sorted once, and read at the nearest rank `ceil(q × n)` as
 * PostgreSQL's `percentile_disc` does (same float arithmetic, same answer).
 */
const WORKER_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);

function open(source) {
  // A snapshot arrives as a Uint8Array (posting drops the Buffer class); the driver wants a Buffer.
  const db = source.snapshot === undefined
    ? new Database(source.path, { readonly: true, fileMustExist: true, timeout: workerData.busyTimeoutMs })
    : new Database(Buffer.from(source.snapshot.buffer, source.snapshot.byteOffset, source.snapshot.byteLength));
  // 64 MiB of page cache and temporary data in memory: a busy day's GROUP BY sorts without temp files.
  db.pragma('temp_store = MEMORY');
  db.pragma('cache_size = -65536');
  db.aggregate(workerData.functionName, {
    start: () => [],
    step: (values, value) => {
      if (typeof value === 'number') values.push(value);
    },
    result: (values) => {
      if (values.length === 0) return null;
      const sorted = Float64Array.from(values).sort();
      const rank = (quantile) => Math.min(sorted.length, Math.max(1, Math.ceil(quantile * sorted.length)));
      return JSON.stringify(workerData.quantiles.map((quantile) => sorted[rank(quantile) - 1]));
    },
  });
  return db;
}

let fileDatabase = null;
parentPort.on('message', (message) => {
  let db = null;
  try {
    db = message.snapshot === undefined ? (fileDatabase ??= open(workerData)) : open(message);
    const results = message.statements.map((statement) => db.prepare(statement.sql).all(...statement.values));
    parentPort.postMessage({ id: message.id, results });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: String((error && error.message) || error) });
  } finally {
    if (message.snapshot !== undefined && db !== null) db.close();
  }
});
`;

/** The database the worker reads: a file (its own connection), or a copy of an in-memory one per call. */
export type SqliteStatsSource = { readonly path: string } | { readonly snapshot: () => Buffer };

export interface SqliteStatsWorker {
  /** Runs the statements, in order, on the worker's read-only connection; resolves with each one's rows. */
  run(statements: readonly StatsStatement[]): Promise<Record<string, unknown>[][]>;
  /** Stops the worker; a later `run` starts a new one. */
  close(): Promise<void>;
}

interface WorkerReply {
  readonly id: number;
  readonly results?: Record<string, unknown>[][];
  readonly error?: string;
}

interface Pending {
  readonly resolve: (rows: Record<string, unknown>[][]) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Runs `/stats` queries on a worker thread. better-sqlite3 is synchronous: a query over a day of a busy log
 * takes a few hundred ms, which on the main thread would stall every request in flight. The worker is
 * started at the first `run` and kept, holding the process open only while a call waits; it is replaced if
 * it dies.
 */
export function createSqliteStatsWorker(source: SqliteStatsSource): SqliteStatsWorker {
  const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
  const pending = new Map<number, Pending>();
  let worker: Worker | null = null;
  let nextId = 1;

  function failAll(error: Error) {
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
  }

  /** Settles one call; an idle worker no longer keeps the process alive. */
  function settle(id: number): Pending | undefined {
    const waiting = pending.get(id);
    pending.delete(id);
    if (pending.size === 0) worker?.unref();
    return waiting;
  }

  function start(): Worker {
    const started = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driverPath,
        path: 'path' in source ? resolve(source.path) : null,
        functionName: SQLITE_PERCENTILES_FUNCTION,
        quantiles: STATS_QUANTILES,
        busyTimeoutMs: SQLITE_BUSY_TIMEOUT_MS,
      },
    });
    started.unref();
    started.on('message', (reply: WorkerReply) => {
      const waiting = settle(reply.id);
      if (waiting === undefined) return;
      if (reply.error !== undefined) waiting.reject(new Error(`SQLite request log stats: ${reply.error}`));
      else waiting.resolve(reply.results ?? []);
    });
    started.on('error', (error) => {
      if (worker === started) worker = null;
      failAll(error);
    });
    started.on('exit', (code) => {
      if (worker === started) worker = null;
      failAll(new Error(`SQLite request log stats: the worker exited (code ${code})`));
    });
    return started;
  }

  return {
    run(statements) {
      worker ??= start();
      const id = nextId;
      nextId += 1;
      const snapshot = 'snapshot' in source ? source.snapshot() : undefined;
      return new Promise((resolvePromise, reject) => {
        pending.set(id, { resolve: resolvePromise, reject });
        // While a call waits, the worker keeps the process alive (a script awaiting stats must not exit).
        worker?.ref();
        // An in-memory database exists only in this thread: the worker gets a copy (tests and demos only).
        worker?.postMessage({ id, statements, snapshot });
      });
    },
    async close() {
      const running = worker;
      worker = null;
      if (running !== null) await running.terminate();
    },
  };
}

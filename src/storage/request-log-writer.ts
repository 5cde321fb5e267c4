import type { RequestLogEntry } from './request-log-entry.js';
import type { RequestLogStore } from './request-log-store.js';
import { createSpillFile } from './spill-file.js';

export interface RequestLogWriterOptions {
  readonly store: RequestLogStore;
  /** Rows held in memory (including the batch being written); more go to the spill file. Default 10000. */
  readonly maxQueue?: number;
  /** Rows per `append`. Default 500. */
  readonly batchSize?: number;
  /** A partial batch is written this long after its first row arrived. Default 200 ms. */
  readonly flushIntervalMs?: number;
  /** The append-only NDJSON overflow file, e.g. `var/db/request-log.spill.ndjson` (folder created). */
  readonly spillPath: string;
  /** First wait after a failed `append`; doubled per failure up to `retryMaxMs`. Default 500 ms. */
  readonly retryBaseMs?: number;
  /** Default 30000 ms. */
  readonly retryMaxMs?: number;
  /** Clock for `lastError.at`. Default `Date.now`. */
  readonly now?: () => number;
  /** Told of every failure (the writer carries on): a failed batch, spill write or replay. */
  readonly onError?: (error: unknown, context: RequestLogWriterErrorContext) => void;
}

export interface RequestLogWriterErrorContext {
  readonly operation: 'append' | 'spill' | 'replay';
  /** Rows concerned (the batch, the spill write, or the unreadable lines skipped by a replay). */
  readonly rows: number;
}

export interface RequestLogWriterStats {
  /** Rows in memory waiting for the database. */
  readonly queued: number;
  /** Rows appended from memory (a row already stored counts too: the store skips it). */
  readonly written: number;
  /** Rows written to the spill file (the database was down and the queue full, or at close). */
  readonly spilled: number;
  /** Rows appended from the spill file. */
  readonly replayed: number;
  /** Spill file lines that were not a row (cut short by a crash) and were skipped. */
  readonly dropped: number;
  /** Failed `append` calls, from memory or replay. */
  readonly failedBatches: number;
  readonly lastError: { readonly message: string; readonly at: number } | null;
}

export interface RequestLogWriter {
  /** Accepts one row: O(1), synchronous, never throws, never touches the disk or the database. */
  enqueue(entry: RequestLogEntry): void;
  /**
   * Writes everything accepted so far now (backoff ignored): the queue to the store, the spill file replayed,
   * pending spill writes finished. Never rejects: a failure leaves the rows queued (see `stats()`).
   */
  flush(): Promise<void>;
  /**
   * Flushes, moves what the store would not take to the spill file (replayed at the next start), and closes
   * the store. Rows enqueued after `close` go to the spill file.
   */
  close(): Promise<void>;
  stats(): RequestLogWriterStats;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The request log's batching writer: requests hand rows to `enqueue` and never wait for the database. Rows are
 * written in batches of `batchSize` (or every `flushIntervalMs`), one `append` (one transaction) each, by a
 * single loop. When `append` fails, the rows stay queued and the loop retries with doubling backoff; when
 * the queue is full, further rows are appended to the spill file. After any successful append, and at start
 * when a spill file exists, the spill file is replayed into the store. Nothing accepted is lost, and
 * `ON CONFLICT (request_id) DO NOTHING` makes every retry and replay safe to repeat. The store is migrated
 * (`store.migrate()`, idempotent) before the first append, and again on each retry until that succeeds, so
 * a database that is down at start only delays the log.
 */
export function createRequestLogWriter(options: RequestLogWriterOptions): RequestLogWriter {
  const { store } = options;
  const maxQueue = Math.max(1, options.maxQueue ?? 10_000);
  const batchSize = Math.max(1, options.batchSize ?? 500);
  const flushIntervalMs = options.flushIntervalMs ?? 200;
  const retryBaseMs = options.retryBaseMs ?? 500;
  const retryMaxMs = options.retryMaxMs ?? 30_000;
  const now = options.now ?? Date.now;

  const queue: RequestLogEntry[] = [];
  let written = 0;
  let spilled = 0;
  let replayed = 0;
  let dropped = 0;
  let failedBatches = 0;
  let lastError: RequestLogWriterStats['lastError'] = null;
  /** Consecutive failed appends; > 0 means the loop is backing off. */
  let failures = 0;
  let draining: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let timerDueAt = 0;
  let closing: Promise<void> | null = null;

  function report(error: unknown, context: RequestLogWriterErrorContext): void {
    lastError = { message: messageOf(error), at: now() };
    try {
      options.onError?.(error, context);
    } catch {
      // A broken error callback must not break the writer.
    }
  }

  const spill = createSpillFile({
    path: options.spillPath,
    onWritten: (rows) => {
      spilled += rows;
    },
    onError: (error, rows) => report(error, { operation: 'spill', rows }),
  });

  /** Runs the loop in `delayMs` unless it is already due sooner. */
  function arm(delayMs: number): void {
    if (closing !== null || draining !== null) return;
    const dueAt = Date.now() + delayMs;
    if (timer !== null) {
      if (timerDueAt <= dueAt) return;
      clearTimeout(timer);
    }
    timerDueAt = dueAt;
    timer = setTimeout(() => {
      timer = null;
      void drain();
    }, delayMs);
    timer.unref();
  }

  /** Arms the loop for what is left: a full batch now, a partial one after the interval, a retry after backoff. */
  function schedule(): void {
    if (failures > 0) {
      arm(Math.min(retryMaxMs, retryBaseMs * 2 ** (failures - 1)));
    } else if (queue.length >= batchSize || (queue.length === 0 && spill.hasRows())) {
      arm(0);
    } else if (queue.length > 0) {
      arm(flushIntervalMs);
    }
  }

  /** Whether `store.migrate()` has succeeded (the database may be down at start: it is retried with appends). */
  let migrated = false;
  async function append(entries: readonly RequestLogEntry[]): Promise<void> {
    if (!migrated) {
      await store.migrate();
      migrated = true;
    }
    await store.append(entries);
  }

  function fail(error: unknown, context: RequestLogWriterErrorContext): void {
    failures += 1;
    failedBatches += 1;
    report(error, context);
  }

  /** Appends the spill files' rows; false when the store failed (the files stay for the next try). */
  async function replay(): Promise<boolean> {
    let files: string[];
    try {
      files = await spill.takeForReplay();
    } catch (error) {
      failures += 1;
      report(error, { operation: 'replay', rows: 0 });
      return false;
    }
    for (const file of files) {
      try {
        for await (const batch of spill.read(file, batchSize)) {
          if (batch.dropped > 0) {
            dropped += batch.dropped;
            report(new Error(`${batch.dropped} unreadable line(s) in ${file}`), {
              operation: 'replay',
              rows: batch.dropped,
            });
          }
          if (batch.entries.length === 0) continue;
          try {
            await append(batch.entries);
          } catch (error) {
            fail(error, { operation: 'append', rows: batch.entries.length });
            return false;
          }
          failures = 0;
          replayed += batch.entries.length;
        }
        await spill.remove(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          // Another process sharing the spill path replayed and removed it first.
          await spill.remove(file);
          continue;
        }
        // An unreadable file: back off as for a failed append rather than spin on it.
        failures += 1;
        report(error, { operation: 'replay', rows: 0 });
        return false;
      }
    }
    return true;
  }

  async function drainLoop(): Promise<void> {
    for (;;) {
      if (queue.length > 0) {
        // The batch stays in the queue while it is written, so a failure leaves it in place and in order.
        const batch = queue.slice(0, batchSize);
        try {
          await append(batch);
        } catch (error) {
          fail(error, { operation: 'append', rows: batch.length });
          return;
        }
        queue.splice(0, batch.length);
        written += batch.length;
        failures = 0;
      } else if (spill.hasRows()) {
        if (!(await replay())) return;
      } else {
        return;
      }
    }
  }

  /** Starts the loop unless it runs; resolves when it stops (queue empty, or a failure). */
  function drain(): Promise<void> {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    draining ??= drainLoop()
      .catch((error: unknown) => {
        // Not expected (every step catches its own failures), but the loop must survive to retry.
        failures += 1;
        report(error, { operation: 'append', rows: 0 });
      })
      .finally(() => {
        draining = null;
        schedule();
      });
    return draining;
  }

  async function flush(): Promise<void> {
    // Spill writes first, so the replay below sees every row spilled so far.
    await spill.settle();
    await draining;
    await drain();
    await spill.settle();
  }

  // A spill file left by an earlier run (database down, crash) is replayed as soon as the store answers.
  if (spill.hasRows()) arm(0);

  return {
    enqueue(entry) {
      try {
        if (closing !== null || queue.length >= maxQueue) {
          spill.add([entry]);
          return;
        }
        queue.push(entry);
        if (draining === null && failures === 0) {
          if (queue.length >= batchSize) arm(0);
          else if (queue.length === 1) arm(flushIntervalMs);
        }
      } catch (error) {
        report(error, { operation: 'spill', rows: 1 });
      }
    },

    flush,

    close() {
      closing ??= (async () => {
        if (timer !== null) clearTimeout(timer);
        timer = null;
        await flush();
        // The store would not take these: they wait in the spill file for the next start.
        if (queue.length > 0) spill.add(queue.splice(0));
        await spill.settle();
        await store.close();
      })();
      return closing;
    },

    stats: () => ({
      queued: queue.length,
      written,
      spilled,
      replayed,
      dropped,
      failedBatches,
      lastError,
    }),
  };
}

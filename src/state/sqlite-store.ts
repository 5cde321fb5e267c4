import type Database from 'better-sqlite3';
import { openSqliteFile } from '../util/open-sqlite-file.js';
import { bucketOf, dayOf, evaluateCharges, MINUTE_BUCKETS, readCounter } from './counter-math.js';
import { MemoryStore } from './memory-store.js';
import type {
  CounterAdjustment,
  CounterCharge,
  CounterWindow,
  ReserveResult,
  StateStore,
  StoreStatus,
} from './state-store.js';

/** Bumped with each change to the tables below; `open` creates or migrates up to it. */
const SCHEMA_VERSION = 1;
/** How long a second process on the same file waits for the write lock before an operation fails. */
/** Every store instance stamps its row in `state_owners` this often (wall clock, unref'd timer). */
const HEARTBEAT_MS = 10_000;
/** An owner silent this long is presumed dead and its concurrency slots are released. */
const OWNER_STALE_MS = 60_000;
/** Stale rows of keys no longer used are swept at most this often, at most `SWEEP_ROWS` per table. */
const SWEEP_EVERY_MS = 60_000;
const SWEEP_ROWS = 500;

/**
 * One row per minute bucket (slot = second), per UTC day (slot = day number), per owner's in-flight
 * count (slot = owner id: in-flight requests belong to a live process, so a crashed process's slots can be
 * released without touching another's) and per running total (slot = 0).
 */
const SCHEMA_V1 = `
  CREATE TABLE IF NOT EXISTS state_counters (
    key TEXT NOT NULL, window TEXT NOT NULL, slot INTEGER NOT NULL, value REAL NOT NULL,
    PRIMARY KEY (key, window, slot)
  );
  CREATE INDEX IF NOT EXISTS state_counters_by_slot ON state_counters (window, slot);
  CREATE TABLE IF NOT EXISTS state_until (key TEXT PRIMARY KEY, until INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS state_owners (
    owner INTEGER PRIMARY KEY AUTOINCREMENT, pid INTEGER NOT NULL, seen_at INTEGER NOT NULL
  );`;

function createStatements(db: Database.Database) {
  const counters = 'INSERT INTO state_counters (key, window, slot, value)';
  return {
    minuteRows: db
      .prepare<[string, number], [number, number]>(
        "SELECT slot, value FROM state_counters WHERE key = ? AND window = 'minute' AND slot > ?",
      )
      .raw(),
    dayValue: db
      .prepare<[string, number], number>(
        "SELECT value FROM state_counters WHERE key = ? AND window = 'day' AND slot = ?",
      )
      .pluck(),
    concurrentValue: db
      .prepare<[string], number>(
        "SELECT coalesce(sum(value), 0) FROM state_counters WHERE key = ? AND window = 'concurrent'",
      )
      .pluck(),
    totalValue: db
      .prepare<[string], number>(
        "SELECT value FROM state_counters WHERE key = ? AND window = 'total' AND slot = 0",
      )
      .pluck(),
    addMinute: db.prepare<[string, number, number]>(
      `${counters} VALUES (?, 'minute', ?, ?) ON CONFLICT DO UPDATE SET value = value + excluded.value`,
    ),
    dropMinutes: db.prepare<[string, number]>(
      "DELETE FROM state_counters WHERE key = ? AND window = 'minute' AND slot <= ?",
    ),
    // Day and in-flight figures never go below zero (a refund after a rollover, a double release).
    addClamped: db.prepare<[{ key: string; window: CounterWindow; slot: number; amount: number }]>(
      `${counters} VALUES (@key, @window, @slot, max(0, @amount))
       ON CONFLICT DO UPDATE SET value = max(0, value + @amount)`,
    ),
    dropDays: db.prepare<[string, number]>(
      "DELETE FROM state_counters WHERE key = ? AND window = 'day' AND slot < ?",
    ),
    setUntil: db.prepare<[string, number]>(
      'INSERT INTO state_until (key, until) VALUES (?, ?) ON CONFLICT DO UPDATE SET until = max(until, excluded.until)',
    ),
    getUntil: db.prepare<[string], number>('SELECT until FROM state_until WHERE key = ?').pluck(),
    sweepCounters: db.prepare<[string, number]>(
      `DELETE FROM state_counters WHERE rowid IN
       (SELECT rowid FROM state_counters WHERE window = ? AND slot < ? LIMIT ${SWEEP_ROWS})`,
    ),
    sweepUntil: db.prepare<[number]>(
      `DELETE FROM state_until WHERE key IN (SELECT key FROM state_until WHERE until <= ? LIMIT ${SWEEP_ROWS})`,
    ),
    register: db.prepare<[number, number]>('INSERT INTO state_owners (pid, seen_at) VALUES (?, ?)'),
    heartbeat: db.prepare<[number, number, number]>(
      'INSERT INTO state_owners (owner, pid, seen_at) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET seen_at = excluded.seen_at',
    ),
    owners: db.prepare<[], { owner: number; pid: number; seen_at: number }>(
      'SELECT owner, pid, seen_at FROM state_owners',
    ),
    dropOwner: db.prepare<[number]>('DELETE FROM state_owners WHERE owner = ?'),
    dropOrphanSlots: db.prepare(
      "DELETE FROM state_counters WHERE window = 'concurrent' AND slot NOT IN (SELECT owner FROM state_owners)",
    ),
  };
}

/** Whether `pid` is a live process on this host (EPERM: alive, someone else's). */
function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The store that survives a restart: minute and day counters and cooldowns live in one SQLite file (WAL), so
 * a restarted gateway keeps honouring the limits it had used up, and several gateway processes on one host
 * may share the file (every `reserve` is one `BEGIN IMMEDIATE` transaction, atomic across processes).
 * In-flight (concurrent) counts are per store instance and released when it closes or dies.
 *
 * better-sqlite3 is synchronous: each call blocks the event loop for a few µs of local, WAL-mode disk work
 * with prepared statements (up to `SQLITE_BUSY_TIMEOUT_MS` while another process holds the write lock). That is
 * acceptable for this opt-in store; the default store is in memory and Redis is the one for many hosts.
 *
 * On an SQLite error (disk full, I/O error, lock timeout) nothing throws: the call is served by an in-memory
 * store (limits per process, from zero) and `status()` reports unhealthy with the error until a write
 * succeeds again. Fail open with local limits: a local disk fault must not stop the gateway.
 */
export class SqliteStore implements StateStore {
  readonly #db: Database.Database;
  readonly #statements: ReturnType<typeof createStatements>;
  readonly #fallback = new MemoryStore();
  readonly #owner: number;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #reserve: (charges: readonly CounterCharge[], now: number) => ReserveResult;
  readonly #adjust: (adjustments: readonly CounterAdjustment[], now: number) => void;
  #nextSweepAt = 0;
  #failure: string | null = null;

  private constructor(db: Database.Database) {
    this.#db = db;
    this.#statements = createStatements(db);
    const reserve = db.transaction((charges: readonly CounterCharge[], now: number) =>
      this.#reserveNow(charges, now),
    );
    this.#reserve = (charges, now) => reserve.immediate(charges, now);
    const adjust = db.transaction((adjustments: readonly CounterAdjustment[], now: number) => {
      for (const { key, window, amount, chargedAt } of adjustments)
        this.#apply(key, window, amount, chargedAt, now);
      this.#sweep(now);
    });
    this.#adjust = (adjustments, now) => adjust.immediate(adjustments, now);
    this.#owner = Number(this.#statements.register.run(process.pid, Date.now()).lastInsertRowid);
    this.#beat();
    this.#heartbeat = setInterval(() => this.#beat(), HEARTBEAT_MS).unref();
  }

  /**
   * Opens (creating the parent folder, the file and its tables as needed) the store at `path`; `':memory:'`
   * gives a private in-memory database. Throws if the file cannot be opened or was written by a newer schema.
   */
  static open(path: string): SqliteStore {
    const db = openSqliteFile(path);
    try {
      db.transaction(() => {
        const version = Number(db.pragma('user_version', { simple: true }));
        if (version > SCHEMA_VERSION) {
          throw new Error(
            `${path} holds state schema ${version}; this gateway knows up to ${SCHEMA_VERSION}`,
          );
        }
        // Later versions add `if (version < 2) ...` steps here.
        if (version < 1) db.exec(SCHEMA_V1);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
      return new SqliteStore(db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  #reserveNow(charges: readonly CounterCharge[], now: number): ReserveResult {
    const result = evaluateCharges(charges, (charge) =>
      readCounter(charge, now, {
        buckets: () => this.#statements.minuteRows.all(charge.key, bucketOf(now) - MINUTE_BUCKETS),
        value: () => {
          if (charge.window === 'day') return this.#statements.dayValue.get(charge.key, dayOf(now)) ?? 0;
          if (charge.window === 'total') return this.#statements.totalValue.get(charge.key) ?? 0;
          return this.#statements.concurrentValue.get(charge.key) ?? 0;
        },
      }),
    );
    if (!result.admitted) return result;
    for (const charge of charges) this.#apply(charge.key, charge.window, charge.amount, now, now);
    this.#sweep(now);
    return result;
  }

  #apply(key: string, window: CounterWindow, amount: number, chargedAt: number, now: number): void {
    const statements = this.#statements;
    if (window === 'minute') {
      // As in memory: a bucket already out of the window is not worth writing; stale ones go as the key is used.
      const oldest = bucketOf(now) - MINUTE_BUCKETS;
      if (bucketOf(chargedAt) > oldest) statements.addMinute.run(key, bucketOf(chargedAt), amount);
      statements.dropMinutes.run(key, oldest);
    } else if (window === 'day') {
      if (dayOf(chargedAt) !== dayOf(now)) return;
      statements.addClamped.run({ key, window, slot: dayOf(now), amount });
      statements.dropDays.run(key, dayOf(now));
    } else if (window === 'total') {
      // One row for every process: a total belongs to no owner and is never swept (the key names its period).
      statements.addClamped.run({ key, window, slot: 0, amount });
    } else {
      statements.addClamped.run({ key, window, slot: this.#owner, amount });
    }
  }

  /** Bounded clean-up of keys no longer used, with a margin for another process's clock. */
  #sweep(now: number): void {
    if (now < this.#nextSweepAt) return;
    this.#nextSweepAt = now + SWEEP_EVERY_MS;
    this.#statements.sweepCounters.run('minute', bucketOf(now) - 2 * MINUTE_BUCKETS);
    this.#statements.sweepCounters.run('day', dayOf(now) - 1);
    this.#statements.sweepUntil.run(now - SWEEP_EVERY_MS);
  }

  /** Stamps this owner and releases the slots of owners that died (pid gone) or fell silent. */
  #beat(): void {
    void this.#run(
      true,
      () => {
        const wallNow = Date.now();
        this.#db
          .transaction(() => {
            this.#statements.heartbeat.run(this.#owner, process.pid, wallNow);
            for (const { owner, pid, seen_at: seenAt } of this.#statements.owners.all()) {
              const dead = seenAt < wallNow - OWNER_STALE_MS || (pid !== process.pid && !isProcessAlive(pid));
              if (owner !== this.#owner && dead) this.#statements.dropOwner.run(owner);
            }
            this.#statements.dropOrphanSlots.run();
          })
          .immediate();
      },
      () => Promise.resolve(),
    );
  }

  /**
   * Runs `work` on SQLite; on an error records it (unhealthy) and answers with `fallback` instead. A write
   * that succeeds clears the failure: the disk works again.
   */
  #run<T>(write: boolean, work: () => T, fallback: () => Promise<T>): Promise<T> {
    try {
      const result = work();
      if (write) this.#failure = null;
      return Promise.resolve(result);
    } catch (error) {
      this.#failure = `SQLite state store failed: ${error instanceof Error ? error.message : String(error)}`;
      return fallback();
    }
  }

  reserve(charges: readonly CounterCharge[], now: number): Promise<ReserveResult> {
    return this.#run(
      true,
      () => this.#reserve(charges, now),
      () => this.#fallback.reserve(charges, now),
    );
  }

  adjust(adjustments: readonly CounterAdjustment[], now: number): Promise<void> {
    return this.#run(
      true,
      () => this.#adjust(adjustments, now),
      () => this.#fallback.adjust(adjustments, now),
    );
  }

  setUntil(key: string, until: number, now: number): Promise<void> {
    if (until <= now) return Promise.resolve();
    return this.#run(
      true,
      () => void this.#statements.setUntil.run(key, until),
      () => this.#fallback.setUntil(key, until, now),
    );
  }

  getUntil(keys: readonly string[], now: number): Promise<(number | null)[]> {
    return this.#run(
      false,
      () =>
        keys.map((key) => {
          const until = this.#statements.getUntil.get(key);
          return until !== undefined && until > now ? until : null;
        }),
      () => this.#fallback.getUntil(keys, now),
    );
  }

  status(): StoreStatus {
    return { kind: 'sqlite', healthy: this.#failure === null, detail: this.#failure };
  }

  /** Releases this instance's in-flight slots (its requests are over) and closes the file. */
  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    if (!this.#db.open) return;
    await this.#run(
      true,
      () => {
        this.#statements.dropOwner.run(this.#owner);
        this.#statements.dropOrphanSlots.run();
      },
      () => Promise.resolve(),
    );
    this.#db.close();
  }
}

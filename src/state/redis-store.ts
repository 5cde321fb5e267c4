import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import {
  DAY_MS,
  MINUTE_BUCKETS,
  TOTAL_TTL_MS,
  bucketOf,
  dayOf,
  msToNextDay,
  windowKey,
} from './counter-math.js';
import { createRedisClient, describeError, describeUrl, withDeadline } from './redis-connection.js';
import { RedisFallback } from './redis-fallback.js';
import { ADJUST, HEARTBEAT, RESERVE, RedisScript, SET_UNTIL, toNumbers } from './redis-scripts.js';
import type {
  CounterAdjustment,
  CounterCharge,
  CounterWindow,
  ReserveResult,
  StateStore,
  StoreStatus,
} from './state-store.js';

export interface RedisStoreOptions {
  /** `REDIS_URL`, e.g. `redis://:password@host:6379/0` (`rediss://` for TLS). */
  readonly url: string;
  /** Namespace of every key this store writes. Default `hi:`. */
  readonly keyPrefix?: string;
  /** Longest wait for one Redis operation before the store degrades to local limits. Default 250 ms. */
  readonly commandTimeoutMs?: number;
  /** Longest wait for the first connection in `connect()`. Default 2000 ms. */
  readonly connectTimeoutMs?: number;
  /** How often this gateway says it is alive (it counts as gone after 3 missed beats). Default 5000 ms. */
  readonly heartbeatIntervalMs?: number;
  /** How often a degraded store checks whether Redis is back. Default 1000 ms. */
  readonly probeIntervalMs?: number;
  /** Clock for work no caller times (status messages, writing cooldowns back after an outage). */
  readonly now?: () => number;
  /** Called when the store turns unhealthy or healthy again (and once when `connect()` settles). */
  readonly onStatusChange?: (status: StoreStatus) => void;
}

const SCRIPTS = {
  reserve: new RedisScript(RESERVE),
  adjust: new RedisScript(ADJUST),
  setUntil: new RedisScript(SET_UNTIL),
  heartbeat: new RedisScript(HEARTBEAT),
};
const MINUTE_TTL_MS = (MINUTE_BUCKETS + 1) * 1000;
/** Safety net only: slots of a gateway that stops heartbeating are dropped much sooner (3 missed beats). */
const CONCURRENT_TTL_MS = 3_600_000;

/**
 * The StateStore shared by every gateway process through Redis (docs/limits.md). Each reserve and each
 * adjustment is one atomic Lua script; every key expires. When Redis is unreachable or slow (any operation
 * over `commandTimeoutMs`), the store degrades: it serves from local counters with every limit scaled to this
 * gateway's share (1 / live gateways last seen), reports `healthy: false`, and probes Redis until it answers,
 * then resumes on Redis. No call waits longer than about `commandTimeoutMs`, and none throws on an outage.
 */
export class RedisStore implements StateStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly #where: string;
  readonly #timeoutMs: number;
  readonly #connectTimeoutMs: number;
  readonly #heartbeatMs: number;
  readonly #probeMs: number;
  readonly #now: () => number;
  readonly #onStatusChange: ((status: StoreStatus) => void) | undefined;
  readonly #fallback = new RedisFallback();
  #healthy = false;
  #detail: string | null = 'not connected yet';
  #reportedHealthy: boolean | null = null;
  #instances = 1;
  #lastError: string | null = null;
  #recovery: Promise<boolean> | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #probe: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(options: RedisStoreOptions) {
    this.#prefix = options.keyPrefix ?? 'hi:';
    this.#where = describeUrl(options.url);
    this.#timeoutMs = options.commandTimeoutMs ?? 250;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 2000;
    this.#heartbeatMs = options.heartbeatIntervalMs ?? 5000;
    this.#probeMs = options.probeIntervalMs ?? 1000;
    this.#now = options.now ?? Date.now;
    this.#onStatusChange = options.onStatusChange;
    this.#redis = createRedisClient(options.url, this.#timeoutMs, this.#connectTimeoutMs);
    this.#redis.on('error', (error: Error) => {
      this.#lastError = error.message;
    });
    this.#redis.on('close', () => this.#degrade(this.#lastError ?? 'connection closed'));
    this.#redis.on('ready', () => void this.#tryRecover());
  }

  /** Creates the store and connects; an unreachable Redis gives a degraded store, not an error. */
  static async open(options: RedisStoreOptions): Promise<RedisStore> {
    const store = new RedisStore(options);
    await store.connect();
    return store;
  }

  /**
   * Connects and registers this gateway. Resolves within about `connectTimeoutMs` either way: if Redis is
   * unreachable the store starts degraded (see `status()`) and keeps trying in the background.
   */
  async connect(): Promise<void> {
    try {
      await withDeadline(this.#redis.connect(), this.#connectTimeoutMs, 'connect');
    } catch (error) {
      // The socket error (e.g. ECONNREFUSED) says more than ioredis' "Connection is closed".
      this.#lastError ??= describeError(error);
    }
    if (!(await this.#tryRecover())) this.#degrade(this.#lastError ?? 'not connected');
    this.#heartbeat ??= setInterval(() => void this.#beat(), this.#heartbeatMs).unref();
  }

  async reserve(charges: readonly CounterCharge[], now: number): Promise<ReserveResult> {
    if (charges.length === 0) return { admitted: true, standings: [] };
    if (this.#healthy) {
      try {
        const result = await this.#call(this.#reserveOnRedis(charges, now));
        if (result.admitted) this.#fallback.noteReserved(charges);
        return result;
      } catch (error) {
        this.#degrade(describeError(error));
      }
    }
    return this.#fallback.reserve(charges, now);
  }

  async #reserveOnRedis(charges: readonly CounterCharge[], now: number): Promise<ReserveResult> {
    const keys = [this.#instancesKey(), ...charges.map((charge) => this.#counterKey(charge, now))];
    const head = [this.#id, this.#heartbeatMs * 3, now, bucketOf(now), Math.ceil(msToNextDay(now))];
    const perCharge = charges.flatMap((charge) => [charge.window, charge.limit, charge.amount]);
    const reply = toNumbers(
      await SCRIPTS.reserve.run(this.#redis, keys, [...head, CONCURRENT_TTL_MS, ...perCharge]),
    );
    this.#instances = item(reply, 1);
    if (item(reply, 0) === 1) {
      return {
        admitted: true,
        standings: charges.map((charge, index) => ({
          key: charge.key,
          limit: charge.limit,
          remaining: item(reply, 2 + index * 2),
          resetMs: item(reply, 3 + index * 2),
        })),
      };
    }
    const refused = charges[item(reply, 2) - 1];
    if (refused === undefined) throw new Error('Redis reserve script named no charge');
    return { admitted: false, key: refused.key, limit: refused.limit, retryAfterMs: item(reply, 3) };
  }

  async adjust(adjustments: readonly CounterAdjustment[], now: number): Promise<void> {
    if (this.#healthy) {
      try {
        await this.#call(this.#adjustOnRedis(adjustments, now));
        this.#fallback.noteAdjusted(adjustments);
        return;
      } catch (error) {
        this.#degrade(describeError(error));
      }
    }
    await this.#fallback.adjust(adjustments, now);
    this.#fallback.noteAdjusted(adjustments);
  }

  async #adjustOnRedis(adjustments: readonly CounterAdjustment[], now: number): Promise<void> {
    const keys: string[] = [];
    const args: (string | number)[] = [];
    for (const adjustment of adjustments) {
      const { window, chargedAt, amount } = adjustment;
      if (window === 'minute') {
        // A bucket that has left the window counts for nothing any more (as in MemoryStore).
        const bucket = bucketOf(chargedAt);
        if (bucket <= bucketOf(now) - MINUTE_BUCKETS) continue;
        args.push(window, bucket, amount, MINUTE_TTL_MS);
      } else if (window === 'day') {
        if (dayOf(chargedAt) !== dayOf(now)) continue;
        args.push(window, '', amount, Math.ceil(msToNextDay(now)) + DAY_MS);
      } else if (window === 'total') {
        args.push(window, '', amount, TOTAL_TTL_MS);
      } else {
        args.push(window, this.#id, amount, CONCURRENT_TTL_MS);
      }
      keys.push(this.#counterKey(adjustment, chargedAt));
    }
    if (keys.length > 0) await SCRIPTS.adjust.run(this.#redis, keys, args);
  }

  async setUntil(key: string, until: number, now: number): Promise<void> {
    // Remembered locally too: a degraded gateway still honours its own cooldowns, and writes them back.
    this.#fallback.noteUntil(key, until, now);
    if (until <= now || !this.#healthy) return;
    try {
      await this.#call(this.#setUntilOnRedis(key, until, now));
    } catch (error) {
      this.#degrade(describeError(error));
    }
  }

  async #setUntilOnRedis(key: string, until: number, now: number): Promise<void> {
    await SCRIPTS.setUntil.run(this.#redis, [`${this.#prefix}until:${key}`], [until, Math.ceil(until - now)]);
  }

  async getUntil(keys: readonly string[], now: number): Promise<(number | null)[]> {
    if (keys.length === 0) return [];
    if (this.#healthy) {
      try {
        const values = await this.#call(this.#redis.mget(keys.map((key) => `${this.#prefix}until:${key}`)));
        return values.map((value) => {
          const until = value === null ? Number.NaN : Number(value);
          return until > now ? until : null;
        });
      } catch (error) {
        this.#degrade(describeError(error));
      }
    }
    return this.#fallback.getUntil(keys, now);
  }

  status(): StoreStatus {
    return { kind: 'redis', healthy: this.#healthy, detail: this.#detail };
  }

  /** Live gateways sharing this Redis, as last seen (1 until Redis has answered once). */
  get liveInstances(): number {
    return this.#instances;
  }

  /** Unregisters this gateway (its share goes to the others), stops the timers and closes the connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    if (this.#probe !== null) clearInterval(this.#probe);
    if (this.#redis.status === 'ready') {
      try {
        await this.#call(this.#redis.zrem(this.#instancesKey(), this.#id));
        await this.#call(this.#redis.quit());
      } catch {
        // Going away regardless; the instance entry expires on its own.
      }
    }
    this.#redis.disconnect();
  }

  #counterKey(counter: { key: string; window: CounterWindow }, time: number): string {
    return `${this.#prefix}count:${windowKey(counter.key, counter.window, time)}`;
  }

  #instancesKey(): string {
    return `${this.#prefix}instances`;
  }

  /** Every Redis round trip goes through here: nothing waits longer than `commandTimeoutMs`. */
  #call<T>(operation: Promise<T>): Promise<T> {
    return withDeadline(operation, this.#timeoutMs, 'Redis command');
  }

  async #register(): Promise<void> {
    const reply = await SCRIPTS.heartbeat.run(
      this.#redis,
      [this.#instancesKey()],
      [this.#id, this.#heartbeatMs * 3],
    );
    this.#instances = Math.max(1, item(toNumbers([reply]), 0));
  }

  async #beat(): Promise<void> {
    if (!this.#healthy) return;
    try {
      await this.#call(this.#register());
    } catch (error) {
      this.#degrade(describeError(error));
    }
  }

  /** Switches to local limits; the local counters start empty (see RedisFallback). */
  #degrade(reason: string): void {
    if (this.#closed || (!this.#healthy && this.#reportedHealthy === false)) return;
    this.#healthy = false;
    const instances = Math.max(1, this.#instances);
    this.#fallback.begin(1 / instances, this.#now());
    this.#detail =
      `Redis at ${this.#where} unreachable (${reason}) since ${new Date(this.#now()).toISOString()}: ` +
      `serving on local limits scaled to 1/${instances} (live gateways last seen)`;
    this.#probe ??= setInterval(() => void this.#tryRecover(), this.#probeMs).unref();
    this.#report();
  }

  #tryRecover(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (this.#healthy) return Promise.resolve(true);
    this.#recovery ??= this.#recover().finally(() => {
      this.#recovery = null;
    });
    return this.#recovery;
  }

  /** Registers again, puts back the slots and cooldowns this process holds, then resumes on Redis. */
  async #recover(): Promise<boolean> {
    if (this.#redis.status !== 'ready') return false;
    try {
      await this.#call(this.#register());
      await this.#call(this.#resync(this.#now()));
    } catch (error) {
      this.#lastError = describeError(error);
      return false;
    }
    if (this.#closed) return false;
    this.#healthy = true;
    this.#detail = null;
    if (this.#probe !== null) clearInterval(this.#probe);
    this.#probe = null;
    this.#report();
    return true;
  }

  async #resync(now: number): Promise<void> {
    const held = this.#fallback.heldSlots();
    if (held.length > 0) {
      const pipeline = this.#redis.pipeline();
      for (const [key, slots] of held) {
        const redisKey = this.#counterKey({ key, window: 'concurrent' }, now);
        if (slots > 0) pipeline.hset(redisKey, this.#id, slots).pexpire(redisKey, CONCURRENT_TTL_MS);
        else pipeline.hdel(redisKey, this.#id);
      }
      for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
    }
    await Promise.all(
      this.#fallback.untilsAfter(now).map(([key, until]) => this.#setUntilOnRedis(key, until, now)),
    );
  }

  #report(): void {
    if (this.#reportedHealthy === this.#healthy) return;
    this.#reportedHealthy = this.#healthy;
    try {
      this.#onStatusChange?.(this.status());
    } catch {
      // A listener's failure must not fail the request that happened to change the status.
    }
  }
}

function item(values: readonly number[], index: number): number {
  const value = values[index];
  if (value === undefined) throw new Error('short Redis script reply');
  return value;
}

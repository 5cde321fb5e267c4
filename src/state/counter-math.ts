import type { CounterCharge, CounterStanding, CounterWindow, ReserveResult } from './state-store.js';

/** Minute windows are 60 buckets of one second: a window edge can let through at most 1/60 extra. */
export const BUCKET_MS = 1000;
export const MINUTE_BUCKETS = 60;
export const DAY_MS = 86_400_000;

export function bucketOf(time: number): number {
  return Math.floor(time / BUCKET_MS);
}

export function dayOf(time: number): number {
  return Math.floor(time / DAY_MS);
}

/** Ms until the next UTC midnight. */
export function msToNextDay(now: number): number {
  return (dayOf(now) + 1) * DAY_MS - now;
}

/**
 * For a sliding minute held as `[bucket, amount]` pairs (any order, stale ones ignored): the total in the
 * window at `now`, and how long until `amount` more would fit under `limit` (0 when it fits now).
 */
export function slidingMinute(
  buckets: Iterable<readonly [number, number]>,
  now: number,
  limit: number,
  amount: number,
): { total: number; waitMs: number; oldestMs: number } {
  const current = bucketOf(now);
  const live = [...buckets]
    .filter(([bucket]) => bucket > current - MINUTE_BUCKETS && bucket <= current)
    .sort((left, right) => left[0] - right[0]);
  const total = live.reduce((sum, [, value]) => sum + value, 0);
  const oldest = live[0];
  const oldestMs = oldest === undefined ? 0 : Math.max(1, (oldest[0] + MINUTE_BUCKETS) * BUCKET_MS - now);
  if (total + amount <= limit) return { total, waitMs: 0, oldestMs };
  let freed = 0;
  for (const [bucket, value] of live) {
    freed += value;
    if (total - freed + amount <= limit) {
      return { total, waitMs: Math.max(1, (bucket + MINUTE_BUCKETS) * BUCKET_MS - now), oldestMs };
    }
  }
  // More than the limit on its own: the whole window must drain.
  return { total, waitMs: MINUTE_BUCKETS * BUCKET_MS, oldestMs };
}

/** A key's namespace per window, so one counter name can hold a minute and a day figure side by side. */
export function windowKey(key: string, window: CounterWindow, now: number): string {
  if (window === 'day') return `${key}:d${dayOf(now)}`;
  return `${key}:${window === 'minute' ? 'm' : window === 'total' ? 't' : 'c'}`;
}

/** How long a Redis `total` counter lives after its last change (a budget period is at most a month). */
export const TOTAL_TTL_MS = 400 * DAY_MS;

/** What one counter holds now against one charge: used units, wait until the charge fits, reset time. */
export interface CounterReading {
  readonly used: number;
  readonly waitMs: number;
  readonly resetMs: number;
}

/**
 * The reading of a counter from its stored figures (the same rules in every store): the minute from its
 * buckets, the day and concurrency from their value. A full concurrency counter has no time to promise (a slot
 * frees when a request ends), so it says one second.
 */
export function readCounter(
  charge: CounterCharge,
  now: number,
  stored: { readonly buckets: () => Iterable<readonly [number, number]>; readonly value: () => number },
): CounterReading {
  const { window, limit, amount } = charge;
  if (window === 'minute') {
    const minute = slidingMinute(stored.buckets(), now, limit, amount);
    return { used: minute.total, waitMs: minute.waitMs, resetMs: minute.oldestMs || 60_000 };
  }
  const used = stored.value();
  if (window === 'day') {
    const resetMs = msToNextDay(now);
    return { used, waitMs: used + amount <= limit ? 0 : resetMs, resetMs };
  }
  // Concurrency and totals: no time to promise (a slot frees when a request ends, a total when its owner
  // says so), so one second.
  return { used, waitMs: used + amount <= limit ? 0 : 1000, resetMs: 0 };
}

/** Checks every charge in order: the first that does not fit refuses them all; else the standings. */
export function evaluateCharges(
  charges: readonly CounterCharge[],
  read: (charge: CounterCharge) => CounterReading,
): ReserveResult {
  const standings: CounterStanding[] = [];
  for (const charge of charges) {
    const { used, waitMs, resetMs } = read(charge);
    if (waitMs > 0) return { admitted: false, key: charge.key, limit: charge.limit, retryAfterMs: waitMs };
    standings.push({
      key: charge.key,
      limit: charge.limit,
      remaining: charge.limit - used - charge.amount,
      resetMs,
    });
  }
  return { admitted: true, standings };
}

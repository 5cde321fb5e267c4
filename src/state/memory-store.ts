import { bucketOf, dayOf, evaluateCharges, readCounter } from './counter-math.js';
import type {
  CounterAdjustment,
  CounterCharge,
  ReserveResult,
  StateStore,
  StoreStatus,
} from './state-store.js';

/**
 * The default store: one process, no dependency. Also the fallback of the Redis store while Redis is down
 * (with the limits scaled to this process's share).
 */
export class MemoryStore implements StateStore {
  readonly #minutes = new Map<string, Map<number, number>>();
  readonly #days = new Map<string, { day: number; value: number }>();
  readonly #concurrent = new Map<string, number>();
  readonly #totals = new Map<string, number>();
  readonly #until = new Map<string, number>();

  #dayValue(key: string, now: number): number {
    const entry = this.#days.get(key);
    return entry !== undefined && entry.day === dayOf(now) ? entry.value : 0;
  }

  #addMinute(key: string, bucket: number, amount: number, now: number): void {
    let buckets = this.#minutes.get(key);
    if (buckets === undefined) {
      buckets = new Map();
      this.#minutes.set(key, buckets);
    }
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + amount);
    // Stale buckets go as the key is used, so memory stays bounded by the live window.
    const oldest = bucketOf(now) - 60;
    for (const stale of buckets.keys()) if (stale <= oldest) buckets.delete(stale);
  }

  #addDay(key: string, day: number, amount: number, now: number): void {
    if (day !== dayOf(now)) return;
    this.#days.set(key, { day, value: Math.max(0, this.#dayValue(key, now) + amount) });
  }

  reserve(charges: readonly CounterCharge[], now: number): Promise<ReserveResult> {
    const result = evaluateCharges(charges, (charge) =>
      readCounter(charge, now, {
        buckets: () => this.#minutes.get(charge.key) ?? [],
        value: () =>
          charge.window === 'day'
            ? this.#dayValue(charge.key, now)
            : ((charge.window === 'total' ? this.#totals : this.#concurrent).get(charge.key) ?? 0),
      }),
    );
    if (result.admitted) {
      for (const charge of charges) this.#apply(charge.key, charge.window, charge.amount, now, now);
    }
    return Promise.resolve(result);
  }

  #apply(key: string, window: CounterCharge['window'], amount: number, chargedAt: number, now: number): void {
    if (window === 'minute') this.#addMinute(key, bucketOf(chargedAt), amount, now);
    else if (window === 'day') this.#addDay(key, dayOf(chargedAt), amount, now);
    else {
      const counters = window === 'total' ? this.#totals : this.#concurrent;
      counters.set(key, Math.max(0, (counters.get(key) ?? 0) + amount));
    }
  }

  adjust(adjustments: readonly CounterAdjustment[], now: number): Promise<void> {
    for (const adjustment of adjustments) {
      this.#apply(adjustment.key, adjustment.window, adjustment.amount, adjustment.chargedAt, now);
    }
    return Promise.resolve();
  }

  setUntil(key: string, until: number, now: number): Promise<void> {
    if (until > now && until > (this.#until.get(key) ?? 0)) this.#until.set(key, until);
    return Promise.resolve();
  }

  getUntil(keys: readonly string[], now: number): Promise<(number | null)[]> {
    return Promise.resolve(
      keys.map((key) => {
        const until = this.#until.get(key);
        if (until === undefined) return null;
        if (until <= now) {
          this.#until.delete(key);
          return null;
        }
        return until;
      }),
    );
  }

  status(): StoreStatus {
    return { kind: 'memory', healthy: true, detail: null };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * How a counter counts: requests or tokens in a sliding minute (no 2× burst at window edges), per UTC day
 * (rolls over at midnight UTC), in flight now (incremented on reserve, decremented on release; held per
 * process, so a crashed process's slots are dropped), or a running `total` that never rolls over by itself and
 * belongs to no process (budgets: the caller puts the period in the key, e.g. `budget:k1:m2026-11`).
 */
export type CounterWindow = 'minute' | 'day' | 'concurrent' | 'total';

/** One limit to check and charge, e.g. `{key: "route:groq/llama:rpm", window: "minute", limit: 30, amount: 1}`. */
export interface CounterCharge {
  /** Stable name of the counter (no secrets); the store namespaces it. */
  readonly key: string;
  readonly window: CounterWindow;
  /** Largest total the window may hold. */
  readonly limit: number;
  /** What this request adds (1 for requests, the token estimate for tokens). */
  readonly amount: number;
}

/** What a counter looked like when a request was admitted. */
export interface CounterStanding {
  readonly key: string;
  readonly limit: number;
  /** Left in the window after this request. */
  readonly remaining: number;
  /** Ms until the window has room again for one more unit (minute: oldest bucket leaves; day: midnight UTC). */
  readonly resetMs: number;
}

export type ReserveResult =
  | { readonly admitted: true; readonly standings: readonly CounterStanding[] }
  | {
      readonly admitted: false;
      /** The first counter that had no room. */
      readonly key: string;
      readonly limit: number;
      /** Ms until that counter has room for this request's amount (≥ 1). */
      readonly retryAfterMs: number;
    };

/** A change to counters after the fact: settle to real usage (positive or negative), refund, release. */
export interface CounterAdjustment {
  readonly key: string;
  readonly window: CounterWindow;
  /** Added to the counter (negative to give back). Applied to the bucket of `chargedAt` for minute windows. */
  readonly amount: number;
  /** Clock time of the original charge, so a settle lands in the same minute bucket / day. */
  readonly chargedAt: number;
}

export interface StoreStatus {
  readonly kind: 'memory' | 'sqlite' | 'redis';
  /** false while a shared store is unreachable and the gateway runs on local limits. */
  readonly healthy: boolean;
  readonly detail: string | null;
}

/**
 * Shared state behind limits, cooldowns and circuit state (DESIGN.md §1 `state/`): in memory by default, in
 * SQLite to survive a restart, in Redis to be shared by every gateway process. Every `reserve` is atomic:
 * either every counter has room and all are charged, or none is.
 */
export interface StateStore {
  /** Checks every counter and charges them all, atomically; `now` is the gateway's clock. */
  reserve(charges: readonly CounterCharge[], now: number): Promise<ReserveResult>;
  /** Applies adjustments (settle, refund, release of a concurrency slot). Never throws on a store outage. */
  adjust(adjustments: readonly CounterAdjustment[], now: number): Promise<void>;
  /** Sets `key` to expire at `until` (cooldowns, open circuits); a later `until` wins over an earlier one. */
  setUntil(key: string, until: number, now: number): Promise<void>;
  /** For each key, the `until` still in the future, or null. */
  getUntil(keys: readonly string[], now: number): Promise<(number | null)[]>;
  status(): StoreStatus;
  close(): Promise<void>;
}

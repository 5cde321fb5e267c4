import type { CounterCharge, StateStore } from '../state/state-store.js';

/**
 * A limit no total reaches (10 million USD in micro-dollars, above the largest budget accepted): small enough
 * that Redis scripts, which print numbers with 14 significant digits, still give exact remainders.
 */
const UNBOUNDED = 1e13;

export type CounterReservation =
  | { readonly admitted: true; settle(actualMicros: number): void }
  | { readonly admitted: false; readonly usedMicros: number };

export interface BudgetCounters {
  /**
   * Reserves `amount` on the key's counter of `period` if it stays within `limit`, atomically in the state
   * store; `settle` moves it to the real cost. The counter is seeded from the persisted spend first when the
   * store's backend does not have it yet.
   */
  reserve(
    keyId: string,
    period: string,
    limitMicros: number,
    amount: number,
    chargedAt: number,
  ): Promise<CounterReservation>;
}

/**
 * The running totals of budgets in the state store (`budget:<key>:<period>`, window `total`).
 *
 * A counter the store does not have (a fresh memory store, a new period) is seeded from the persisted spend,
 * guarded by a marker counter in the same atomic reserve, so processes sharing a store seed it once. A shared
 * store that cannot be reached serves from local counters (a Redis store also starts that way until it has
 * connected): each side of such a health flip is another backend and is seeded on its own, and what was spent
 * on the local counters is added to the shared one when it is back (unless it was seeded from the database,
 * which already holds that spend).
 */
export function createBudgetCounters(options: {
  readonly state: StateStore;
  /** The key's settled spend in `period`, with this process's pending writes included. */
  readonly persistedSpend: (keyId: string, period: string) => Promise<number>;
  readonly now: () => number;
}): BudgetCounters {
  const { state, now } = options;
  /** Per key: the period and backend seeded last (older periods are never charged again). */
  const seeded = new Map<
    string,
    { period: string; backend: number; done: Promise<void>; finished: boolean }
  >();
  /** Real costs settled on local counters during an outage, per counter, to add once the store is back. */
  const localSpend = new Map<string, number>();
  let backend = 0;
  let healthy = state.status().healthy;
  const currentBackend = () => {
    const nowHealthy = state.status().healthy;
    if (nowHealthy !== healthy) {
      healthy = nowHealthy;
      backend += 1;
    }
    return backend;
  };
  const counterKey = (keyId: string, period: string) => `budget:${keyId}:${period}`;

  const seedNow = async (keyId: string, period: string) => {
    const key = counterKey(keyId, period);
    const spent = await options.persistedSpend(keyId, period);
    const marker: CounterCharge = {
      key: `budget-seeded:${keyId}:${period}`,
      window: 'total',
      limit: 1,
      amount: 1,
    };
    const total: CounterCharge = { key, window: 'total', limit: UNBOUNDED, amount: spent };
    const result = await state.reserve([marker, total], now());
    const local = localSpend.get(key) ?? 0;
    localSpend.delete(key);
    // Seeded now: the database already holds the outage's spend. Seeded before: it is added now.
    if (!result.admitted && local > 0 && healthy) {
      await state.adjust([{ key, window: 'total', amount: local, chargedAt: now() }], now());
    }
  };

  const seed = (keyId: string, period: string, current: number): Promise<void> => {
    const known = seeded.get(keyId);
    if (known?.period === period && known.backend === current) return known.done;
    const entry = { period, backend: current, done: seedNow(keyId, period), finished: false };
    seeded.set(keyId, entry);
    entry.done.then(
      () => {
        entry.finished = true;
      },
      () => {
        if (seeded.get(keyId) === entry) seeded.delete(keyId);
      },
    );
    return entry.done;
  };

  return {
    async reserve(keyId, period, limitMicros, amount, chargedAt) {
      const reservedOn = currentBackend();
      const reservedHealthy = healthy;
      await seed(keyId, period, reservedOn);
      const key = counterKey(keyId, period);
      const result = await state.reserve([{ key, window: 'total', limit: limitMicros, amount }], chargedAt);
      if (!result.admitted) {
        // The total as it stands: a zero charge always fits an unbounded limit.
        const reading = await state.reserve(
          [{ key, window: 'total', limit: UNBOUNDED, amount: 0 }],
          chargedAt,
        );
        const remaining = reading.admitted ? (reading.standings[0]?.remaining ?? UNBOUNDED) : UNBOUNDED;
        return { admitted: false, usedMicros: UNBOUNDED - remaining };
      }
      let settled = false;
      return {
        admitted: true,
        settle(actualMicros) {
          if (settled) return;
          settled = true;
          const actual = Math.max(0, Math.round(actualMicros));
          const settledOn = currentBackend();
          if (settledOn === reservedOn) {
            if (actual !== amount) {
              void state.adjust([{ key, window: 'total', amount: actual - amount, chargedAt }], now());
            }
            if (!reservedHealthy) localSpend.set(key, (localSpend.get(key) ?? 0) + actual);
          } else if (!reservedHealthy && healthy) {
            // Reserved on local counters, settled after the shared store came back: it never saw the charge.
            // Once the shared counter is seeded, add it there; until then its seed decides (from the database,
            // which holds this cost by then, or on top of what the shared counter had).
            const known = seeded.get(keyId);
            const isSeeded = known?.period === period && known.backend === settledOn && known.finished;
            if (isSeeded)
              void state.adjust([{ key, window: 'total', amount: actual, chargedAt: now() }], now());
            else localSpend.set(key, (localSpend.get(key) ?? 0) + actual);
          }
          // Reserved on the shared store, settled during an outage: it keeps the worst case (never less).
        },
      };
    },
  };
}

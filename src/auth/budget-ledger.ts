import { GatewayError } from '../errors/index.js';
import type { StateStore } from '../state/state-store.js';
import type { KeyBudget, SpendIncrement } from './api-key-record.js';
import type { ApiKeyStore } from './api-key-store.js';
import { createBudgetCounters, type CounterReservation } from './budget-counters.js';
import { budgetPeriod, spendPeriods, type BudgetPeriod } from './budget-period.js';

/** An admitted request's hold on its key's budget; `settle` is called once, with the real cost. */
export interface BudgetHold {
  settle(actualMicros: number): void;
}

export type BudgetDecision =
  | { readonly admitted: true; readonly hold: BudgetHold }
  | {
      readonly admitted: false;
      /** What is left of the budget in this period (≥ 0), micro-dollars. */
      readonly remainingMicros: number;
      readonly period: BudgetPeriod;
    };

/** A key's spend so far, micro-dollars: all time and in the current UTC day, week (from Monday) and month. */
export interface KeySpend {
  readonly total: number;
  readonly daily: number;
  readonly weekly: number;
  readonly monthly: number;
  /** In the budget's own period (equal to one of the above). */
  readonly period: number;
}

export interface BudgetLedger {
  /**
   * Reserves `worstCaseMicros` (at least 1: an exhausted budget refuses even a free request) against the key's
   * budget in its current period, atomically in the state store shared by every gateway process.
   */
  reserve(keyId: string, budget: KeyBudget, worstCaseMicros: number): Promise<BudgetDecision>;
  /** Adds a finished request's cost to the key's persisted spend (budget or not). */
  record(keyId: string, micros: number, at: number): void;
  /** The key's spend, after this process's pending writes reached the database. */
  spend(keyId: string, budget: KeyBudget | null): Promise<KeySpend>;
  /** Writes what is pending now. */
  flush(): Promise<void>;
}

/** A failed spend write is tried again after this long (or with the next request's write). */
const RETRY_MS = 5000;

/**
 * Budgets in integer micro-dollars. The running total of each key and period lives in the state store (see
 * `createBudgetCounters`), so concurrent requests, in this process or another sharing the store, reserve
 * atomically and never overspend by more than one request's worst case. Real costs are also added to
 * `api_key_spend` in the key database (off the request path, batched per event-loop turn): what
 * `/api/v1/key` reports, and what a counter is seeded from.
 */
export function createBudgetLedger(options: {
  readonly state: StateStore;
  readonly keys: ApiKeyStore;
  readonly now: () => number;
  readonly onError: (error: unknown) => void;
}): BudgetLedger {
  const { keys, now } = options;
  let pending = new Map<string, SpendIncrement>();
  let writing: Promise<void> = Promise.resolve();
  let scheduled = false;
  let retry: NodeJS.Timeout | null = null;

  const flush = (): Promise<void> => {
    scheduled = false;
    if (pending.size === 0) return writing;
    const batch = [...pending.values()];
    pending = new Map();
    writing = writing.then(() =>
      keys.addSpend(batch).catch((error: unknown) => {
        // Kept, not lost: merged into what is pending and written with the next batch.
        for (const increment of batch) add(increment);
        options.onError(error);
        retry ??= setTimeout(() => {
          retry = null;
          void flush();
        }, RETRY_MS).unref();
      }),
    );
    return writing;
  };

  const add = (increment: SpendIncrement) => {
    const id = `${increment.keyId}\u0000${increment.period}`;
    const previous = pending.get(id);
    pending.set(
      id,
      previous === undefined ? increment : { ...previous, micros: previous.micros + increment.micros },
    );
    if (!scheduled) {
      scheduled = true;
      setImmediate(() => void flush());
    }
  };

  const counters = createBudgetCounters({
    state: options.state,
    now,
    persistedSpend: async (keyId, period) => {
      await flush();
      return (await keys.spend(keyId, [period])).get(period) ?? 0;
    },
  });

  return {
    async reserve(keyId, budget, worstCaseMicros) {
      const chargedAt = now();
      const period = budgetPeriod(budget.reset, chargedAt);
      const amount = Math.max(1, Math.ceil(worstCaseMicros));
      let reservation: CounterReservation;
      try {
        reservation = await counters.reserve(keyId, period.id, budget.limitMicros, amount, chargedAt);
      } catch (error) {
        options.onError(error);
        // Without the persisted spend the budget cannot be enforced: refuse rather than overspend.
        throw new GatewayError(
          'no_route_available',
          'The budget of this key cannot be checked right now (key database unreachable); retry shortly.',
          { retryAfterMs: 1000, metadata: { reason: 'budget_unavailable' } },
        );
      }
      if (!reservation.admitted) {
        return {
          admitted: false,
          remainingMicros: Math.max(0, budget.limitMicros - reservation.usedMicros),
          period,
        };
      }
      return { admitted: true, hold: { settle: (actualMicros) => reservation.settle(actualMicros) } };
    },

    record(keyId, micros, at) {
      const amount = Math.round(micros);
      if (amount <= 0) return;
      for (const period of spendPeriods(at)) add({ keyId, period, micros: amount });
    },

    async spend(keyId, budget) {
      await flush();
      const at = now();
      const [total, daily, weekly, monthly] = spendPeriods(at);
      const budgetId = budget === null ? 'all' : budgetPeriod(budget.reset, at).id;
      const periods = [total, daily, weekly, monthly].filter((id): id is string => id !== undefined);
      const found = await keys.spend(keyId, [...new Set([...periods, budgetId])]);
      const of = (id: string | undefined) => (id === undefined ? 0 : (found.get(id) ?? 0));
      return {
        total: of(total),
        daily: of(daily),
        weekly: of(weekly),
        monthly: of(monthly),
        period: of(budgetId),
      };
    },

    flush,
  };
}

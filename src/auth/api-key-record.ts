import type { QuotaLimits } from '../spec/index.js';
import type { KeyHashScheme } from './hash-api-key.js';

/** When a budget starts again from zero: UTC day, UTC week from Monday, UTC month, or never. */
export type BudgetReset = 'daily' | 'weekly' | 'monthly' | 'never';

export const BUDGET_RESETS: readonly BudgetReset[] = ['daily', 'weekly', 'monthly', 'never'];

/** A spending limit in integer micro-dollars (1 USD = 1 000 000): sums of integers do not drift. */
export interface KeyBudget {
  readonly limitMicros: number;
  readonly reset: BudgetReset;
}

/** One client key as stored: everything but the key itself (only its hash and last 4 characters are kept). */
export interface ApiKeyRecord {
  /** Public id (`key_…`): what logs, the request log and the admin API name a key by. */
  readonly id: string;
  readonly name: string;
  /** Who the key is for (a user or team name); free text. */
  readonly owner: string | null;
  readonly keyHash: string;
  readonly hashScheme: KeyHashScheme;
  readonly lastFour: string;
  /** ms since the epoch. */
  readonly createdAt: number;
  readonly updatedAt: number;
  /** ms since the epoch; null = never expires. */
  readonly expiresAt: number | null;
  readonly disabled: boolean;
  /** Model globs (`*`, `?`) the key may use; empty = every model. */
  readonly allowedModels: readonly string[];
  /** Client addresses (exact or CIDR, IPv4/IPv6) the key may be used from; empty = anywhere. */
  readonly allowedIps: readonly string[];
  /** Per-key rpm, rpd, tpm, tpd, max_concurrency, through the limits layer. */
  readonly limits: QuotaLimits;
  readonly budget: KeyBudget | null;
}

/** The editable fields of a key; absent = unchanged, null = cleared. */
export interface ApiKeyChanges {
  readonly name?: string;
  readonly owner?: string | null;
  readonly expiresAt?: number | null;
  readonly disabled?: boolean;
  readonly allowedModels?: readonly string[];
  readonly allowedIps?: readonly string[];
  readonly limits?: QuotaLimits;
  /** The budget in micro-dollars; null removes the budget. Its reset stays unless `budgetReset` is given. */
  readonly budgetLimitMicros?: number | null;
  /** A new reset for the budget (a key without one needs `budgetLimitMicros` in the same change). */
  readonly budgetReset?: BudgetReset;
}

/** A key's spend in one period (`all`, `d2026-11-29`, `w2026-11-23`, `m2026-11`), micro-dollars. */
export interface SpendIncrement {
  readonly keyId: string;
  readonly period: string;
  readonly micros: number;
}

function budgetAfter(current: KeyBudget | null, changes: ApiKeyChanges): KeyBudget | null {
  const limit = changes.budgetLimitMicros;
  if (limit === null) return null;
  const limitMicros = limit ?? current?.limitMicros;
  if (limitMicros === undefined) return null;
  return { limitMicros, reset: changes.budgetReset ?? current?.reset ?? 'never' };
}

/** Applies `changes` to `record` (a reset alone on a key without a budget leaves it without one). */
export function applyKeyChanges(record: ApiKeyRecord, changes: ApiKeyChanges, now: number): ApiKeyRecord {
  return {
    ...record,
    ...(changes.name === undefined ? {} : { name: changes.name }),
    ...(changes.owner === undefined ? {} : { owner: changes.owner }),
    ...(changes.expiresAt === undefined ? {} : { expiresAt: changes.expiresAt }),
    ...(changes.disabled === undefined ? {} : { disabled: changes.disabled }),
    ...(changes.allowedModels === undefined ? {} : { allowedModels: changes.allowedModels }),
    ...(changes.allowedIps === undefined ? {} : { allowedIps: changes.allowedIps }),
    ...(changes.limits === undefined ? {} : { limits: changes.limits }),
    budget: budgetAfter(record.budget, changes),
    updatedAt: now,
  };
}

/** One increment per (key, period): PostgreSQL refuses to update one row twice in one upsert. */
export function mergeIncrements(increments: readonly SpendIncrement[]): SpendIncrement[] {
  const merged = new Map<string, SpendIncrement>();
  for (const increment of increments) {
    const id = `${increment.keyId}\u0000${increment.period}`;
    const previous = merged.get(id);
    merged.set(
      id,
      previous === undefined ? increment : { ...previous, micros: previous.micros + increment.micros },
    );
  }
  return [...merged.values()];
}

import type { BudgetReset } from './api-key-record.js';

const DAY_MS = 86_400_000;

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Start of the UTC day, of the UTC week (Monday) and of the UTC month that hold `now`. */
function starts(now: number) {
  const day = Math.floor(now / DAY_MS) * DAY_MS;
  // getUTCDay: 0 = Sunday; weeks start on Monday, as OpenRouter's usage_weekly.
  const week = day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS;
  const date = new Date(now);
  const month = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  const nextMonth = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  return { day, week, month, nextMonth };
}

/** A budget period: its id (part of counter and spend-row keys) and when the next one starts (null: never). */
export interface BudgetPeriod {
  readonly id: string;
  readonly endsAt: number | null;
}

/** The period of `reset` that holds `now`: `d2026-11-29`, `w2026-11-23` (its Monday), `m2026-11` or `all`. */
export function budgetPeriod(reset: BudgetReset, now: number): BudgetPeriod {
  const { day, week, month, nextMonth } = starts(now);
  switch (reset) {
    case 'daily':
      return { id: `d${isoDate(day)}`, endsAt: day + DAY_MS };
    case 'weekly':
      return { id: `w${isoDate(week)}`, endsAt: week + 7 * DAY_MS };
    case 'monthly':
      return { id: `m${isoDate(month).slice(0, 7)}`, endsAt: nextMonth };
    case 'never':
      return { id: 'all', endsAt: null };
  }
}

/** Every period a spend is added to (the four OpenRouter reports), as of `now`. */
export function spendPeriods(now: number): readonly string[] {
  return (['never', 'daily', 'weekly', 'monthly'] as const).map((reset) => budgetPeriod(reset, now).id);
}

/** USD → integer micro-dollars, rounded to the nearest (costs) or up (`ceil`, worst cases). */
export function toMicros(usd: number, rounding: 'nearest' | 'up' = 'nearest'): number {
  if (!Number.isFinite(usd) || usd <= 0) return 0;
  const micros = usd * 1e6;
  // 1e-6 of slack: 0.1 + 0.2 style noise must not round a whole micro-dollar up.
  return rounding === 'up' ? Math.ceil(micros - 1e-6) : Math.round(micros);
}

/** Integer micro-dollars → USD. */
export function fromMicros(micros: number): number {
  return micros / 1e6;
}

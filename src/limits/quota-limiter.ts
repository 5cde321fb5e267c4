import type { CounterAdjustment, CounterCharge, CounterStanding, StateStore } from '../state/state-store.js';
import type { QuotaLimits, RouteTarget, Usage } from '../spec/index.js';
import { hasQuota } from '../spec/index.js';

/** Why a route was skipped for its quotas (listed in the attempts). */
export type LimitReason = 'rpm_limit' | 'rpd_limit' | 'tpm_limit' | 'tpd_limit' | 'concurrency_limit';

type Field = keyof QuotaLimits;

const FIELDS: readonly {
  field: Field;
  window: CounterCharge['window'];
  reason: LimitReason;
  tokens: boolean;
}[] = [
  { field: 'max_concurrency', window: 'concurrent', reason: 'concurrency_limit', tokens: false },
  { field: 'rpm', window: 'minute', reason: 'rpm_limit', tokens: false },
  { field: 'rpd', window: 'day', reason: 'rpd_limit', tokens: false },
  { field: 'tpm', window: 'minute', reason: 'tpm_limit', tokens: true },
  { field: 'tpd', window: 'day', reason: 'tpd_limit', tokens: true },
];

/** A charge the limiter made, kept to settle or refund it later. */
interface Charged {
  readonly key: string;
  readonly window: CounterCharge['window'];
  readonly amount: number;
  readonly tokens: boolean;
}

/** An admitted attempt's hold on its quotas; exactly one of `settle` / `refund` is called, once. */
export interface QuotaReservation {
  /** The counter closest to its limit (for `X-RateLimit-*`), or null when the route has no limit. */
  readonly binding: CounterStanding | null;
  /** The attempt succeeded: token counters move from the estimate to the real usage; slots are released. */
  settle(usage: Usage | null): void;
  /** The attempt failed: tokens are given back, slots released (the request still counts: it was sent). */
  refund(): void;
}

export type QuotaDecision =
  | { readonly admitted: true; readonly reservation: QuotaReservation }
  | {
      readonly admitted: false;
      readonly reason: LimitReason;
      readonly scope: 'route' | 'model' | 'provider';
      readonly limit: number;
      readonly retryAfterMs: number;
    };

const UNLIMITED: QuotaReservation = { binding: null, settle: () => undefined, refund: () => undefined };
export const UNLIMITED_DECISION: QuotaDecision = { admitted: true, reservation: UNLIMITED };

function needsTokens(limits: QuotaLimits): boolean {
  return limits.tpm !== undefined || limits.tpd !== undefined;
}

/** The standing with the least room left, relative to its limit. */
function bindingOf(standings: readonly CounterStanding[]): CounterStanding | null {
  let binding: CounterStanding | null = null;
  for (const standing of standings) {
    if (binding === null || standing.remaining / standing.limit < binding.remaining / binding.limit) {
      binding = standing;
    }
  }
  return binding;
}

export interface QuotaLimiter {
  /** Whether the route has a quota at all; false means `reserve` would admit without looking (the hot path). */
  applies(route: RouteTarget): boolean;
  /** Whether a reservation for this route needs the request's token estimate. */
  needsTokenEstimate(route: RouteTarget): boolean;
  /**
   * Reserves the request and `estimatedTokens` against every quota of the route (its own, its model's, its
   * provider's) in one atomic step, or says which quota is full and when it frees up.
   */
  reserve(route: RouteTarget, estimatedTokens: number): Promise<QuotaDecision>;
}

/**
 * The models.yaml quotas (`limits:` on a provider, a model or a route): rpm, rpd, tpm, tpd (sliding minute,
 * UTC day) and max_concurrency, kept in the state store so every gateway process sharing it counts together.
 * Tokens are reserved from the estimate (prompt by tokenizer + max_tokens, or the model's max output) and
 * settled to the real usage afterwards.
 */
export function createQuotaLimiter(options: {
  readonly store: StateStore;
  readonly now: () => number;
  readonly enabled: boolean;
}): QuotaLimiter {
  const { store, now } = options;
  const scopes = (route: RouteTarget) =>
    [
      { scope: 'route' as const, name: `route:${route.id}`, limits: route.limits.route },
      { scope: 'model' as const, name: `model:${route.modelId}`, limits: route.limits.model },
      { scope: 'provider' as const, name: `provider:${route.provider}`, limits: route.limits.provider },
    ].filter((entry) => hasQuota(entry.limits));

  return {
    applies: (route) =>
      options.enabled &&
      (hasQuota(route.limits.route) || hasQuota(route.limits.model) || hasQuota(route.limits.provider)),
    needsTokenEstimate: (route) =>
      options.enabled &&
      (needsTokens(route.limits.route) ||
        needsTokens(route.limits.model) ||
        needsTokens(route.limits.provider)),

    async reserve(route, estimatedTokens) {
      const charges: CounterCharge[] = [];
      const charged: Charged[] = [];
      const origin = new Map<string, { scope: 'route' | 'model' | 'provider'; reason: LimitReason }>();
      for (const { scope, name, limits } of scopes(route)) {
        for (const { field, window, reason, tokens } of FIELDS) {
          const limit = limits[field];
          if (limit === undefined) continue;
          // A request larger than a whole window would never fit: it may take the whole window instead.
          const amount = tokens ? Math.min(Math.max(1, Math.ceil(estimatedTokens)), limit) : 1;
          const key = `q:${name}:${field}`;
          charges.push({ key, window, limit, amount });
          charged.push({ key, window, amount, tokens });
          origin.set(key, { scope, reason });
        }
      }
      if (charges.length === 0) return UNLIMITED_DECISION;
      const chargedAt = now();
      const result = await store.reserve(charges, chargedAt);
      if (!result.admitted) {
        const source = origin.get(result.key) ?? { scope: 'route' as const, reason: 'rpm_limit' as const };
        return {
          admitted: false,
          reason: source.reason,
          scope: source.scope,
          limit: result.limit,
          retryAfterMs: result.retryAfterMs,
        };
      }
      let done = false;
      const finish = (tokensBack: (entry: Charged) => number) => {
        if (done) return;
        done = true;
        const adjustments: CounterAdjustment[] = [];
        for (const entry of charged) {
          if (entry.window === 'concurrent') {
            adjustments.push({ key: entry.key, window: entry.window, amount: -1, chargedAt });
          } else if (entry.tokens) {
            const amount = tokensBack(entry);
            if (amount !== 0) adjustments.push({ key: entry.key, window: entry.window, amount, chargedAt });
          }
        }
        if (adjustments.length > 0) void store.adjust(adjustments, now());
      };
      return {
        admitted: true,
        reservation: {
          binding: bindingOf(result.standings),
          settle: (usage) =>
            finish((entry) =>
              usage === null ? 0 : usage.promptTokens + usage.completionTokens - entry.amount,
            ),
          refund: () => finish((entry) => -entry.amount),
        },
      };
    },
  };
}

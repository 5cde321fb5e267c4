import { GatewayError } from '../errors/index.js';
import type { QuotaLimiter, QuotaReservation } from '../limits/quota-limiter.js';
import type { RouteTarget, Usage } from '../spec/index.js';
import type { KeyEntry } from './api-key-table.js';
import type { BudgetHold, BudgetLedger } from './budget-ledger.js';
import { fromMicros, toMicros } from './budget-period.js';
import { hasQuota } from '../spec/index.js';
import { keyQuotaTarget } from './key-quota-target.js';
import { worstCaseMicros } from './worst-case-cost.js';

/** What the admission needs to know of a parsed chat request. */
export interface AdmissionRequest {
  /** `model`, then the `models` fallbacks, as requested (ids, aliases, `auto`). */
  readonly models: readonly string[];
  /** `max_completion_tokens` or `max_tokens`, null when unset. */
  readonly maxTokens: number | null;
  /** The prompt's token estimate; only called when a token quota or a budget needs it. */
  readonly promptTokens: () => Promise<number>;
}

/** A public model as the allowlist and the worst-case cost see it. */
export interface ModelView {
  readonly id: string;
  readonly aliases: readonly string[];
  readonly routes: readonly RouteTarget[];
}

/** The catalog in force (a reload swaps it). */
export interface CatalogView {
  find(name: string): ModelView | null;
  /** The model id that runs the waterfall over every route (`auto`), and those routes. */
  readonly autoModel: string;
  everyRoute(): readonly RouteTarget[];
}

/** An admitted request's holds; `settle` is called once, when its record is produced. */
export interface Admission {
  readonly keyId: string;
  settle(usage: Usage | null, costUsd: number | null): void;
}

function formatUsd(micros: number): string {
  const usd = fromMicros(micros);
  return usd >= 0.01 || usd === 0 ? `$${usd.toFixed(2)}` : `$${usd.toPrecision(2)}`;
}

function checkModels(entry: KeyEntry, request: AdmissionRequest, catalog: CatalogView): void {
  const { record, allowsModel } = entry;
  if (record.allowedModels.length === 0) return;
  for (const [index, name] of request.models.entries()) {
    const model = name === catalog.autoModel ? null : catalog.find(name);
    const allowed =
      allowsModel(name) ||
      (model !== null && (allowsModel(model.id) || model.aliases.some((alias) => allowsModel(alias))));
    if (allowed) continue;
    throw new GatewayError(
      'permission_denied',
      `This key may not use model '${name}'. It is limited to: ${record.allowedModels.join(', ')}.`,
      { param: index === 0 ? 'model' : 'models', metadata: { reason: 'model_not_allowed', model: name } },
    );
  }
}

function candidateRoutes(request: AdmissionRequest, catalog: CatalogView): RouteTarget[] {
  const routes: RouteTarget[] = [];
  for (const name of request.models) {
    if (name === catalog.autoModel) routes.push(...catalog.everyRoute());
    else routes.push(...(catalog.find(name)?.routes ?? []));
  }
  return routes;
}

/** The largest max output of the candidates: the token estimate of a request without `max_tokens`. */
function defaultOutputTokens(routes: readonly RouteTarget[]): number {
  return routes.reduce((largest, route) => Math.max(largest, route.maxOutputTokens), 0);
}

/**
 * A key's policy on one chat request, once the body is parsed: its model allowlist (403 naming the model),
 * its own quotas through the limits layer (429), then its budget (402 with the remaining amount). What was
 * reserved is settled to the real usage and cost when the request's record is produced.
 */
export function createKeyAdmission(options: {
  readonly ledger: BudgetLedger;
  readonly limiter: QuotaLimiter;
  readonly catalog: () => CatalogView;
  readonly now: () => number;
}) {
  const { ledger, limiter } = options;

  async function reserveQuota(
    entry: KeyEntry,
    request: AdmissionRequest,
    routes: readonly RouteTarget[],
  ): Promise<QuotaReservation | null> {
    const { record } = entry;
    if (!hasQuota(record.limits)) return null;
    const target = keyQuotaTarget(record.id, record.limits);
    const tokens = limiter.needsTokenEstimate(target)
      ? (await request.promptTokens()) + (request.maxTokens ?? defaultOutputTokens(routes))
      : 0;
    const decision = await limiter.reserve(target, tokens);
    if (decision.admitted) return decision.reservation;
    const field = decision.reason.replace('_limit', '').replace('concurrency', 'max_concurrency');
    throw new GatewayError(
      'rate_limit_exceeded',
      `This key is over its ${field} limit of ${decision.limit}; retry in ${Math.ceil(decision.retryAfterMs / 1000)} s.`,
      {
        retryAfterMs: decision.retryAfterMs,
        metadata: { reason: decision.reason, scope: 'key', limit: decision.limit },
      },
    );
  }

  async function reserveBudget(
    entry: KeyEntry,
    request: AdmissionRequest,
    routes: readonly RouteTarget[],
  ): Promise<BudgetHold | null> {
    const { record } = entry;
    if (record.budget === null) return null;
    const worst = worstCaseMicros(routes, await request.promptTokens(), request.maxTokens);
    const decision = await ledger.reserve(record.id, record.budget, worst);
    if (decision.admitted) return decision.hold;
    const { limitMicros, reset } = record.budget;
    const resets =
      decision.period.endsAt === null
        ? 'it does not reset'
        : `it resets ${new Date(decision.period.endsAt).toISOString()}`;
    throw new GatewayError(
      'payment_required',
      `This key's budget cannot cover this request: ${formatUsd(decision.remainingMicros)} left of ` +
        `${formatUsd(limitMicros)} (${reset}; ${resets}), and it may cost up to ${formatUsd(worst)}. ` +
        'Lower max_tokens, or ask for a larger budget.',
      {
        metadata: {
          reason: 'budget_exhausted',
          limit: fromMicros(limitMicros),
          limit_remaining: fromMicros(decision.remainingMicros),
          limit_reset: reset,
          resets_at: decision.period.endsAt === null ? null : new Date(decision.period.endsAt).toISOString(),
          worst_case_cost: fromMicros(worst),
        },
      },
    );
  }

  return {
    /** Checks and reserves; throws the GatewayError to answer with when the key may not make this request. */
    async admit(entry: KeyEntry, request: AdmissionRequest): Promise<Admission> {
      const catalog = options.catalog();
      checkModels(entry, request, catalog);
      const routes = candidateRoutes(request, catalog);
      // The prompt is counted once, whether a token quota, the budget or both need it.
      let prompt: Promise<number> | null = null;
      const once: AdmissionRequest = { ...request, promptTokens: () => (prompt ??= request.promptTokens()) };
      const quota = await reserveQuota(entry, once, routes);
      let budget: BudgetHold | null;
      try {
        budget = await reserveBudget(entry, once, routes);
      } catch (error) {
        quota?.refund();
        throw error;
      }
      const keyId = entry.record.id;
      const admittedAt = options.now();
      let settled = false;
      return {
        keyId,
        settle(usage, costUsd) {
          if (settled) return;
          settled = true;
          if (usage === null) quota?.refund();
          else quota?.settle(usage);
          const micros = toMicros(costUsd ?? 0);
          budget?.settle(micros);
          ledger.record(keyId, micros, admittedAt);
        },
      };
    },
  };
}

export type KeyAdmission = ReturnType<typeof createKeyAdmission>;

import { GatewayError } from '../errors/index.js';
import { observedLatencyMs } from '../routing/route-stats.js';
import type { RouteContext } from '../routing/routing-strategy.js';
import { routePriceUsd } from '../routing/strategies/cost-strategy.js';
import type { RouteTarget } from '../spec/index.js';

/** How `provider.sort` (or a `:floor` / `:nitro` model suffix) orders the routes. */
export type ProviderSortBy = 'price' | 'throughput' | 'latency';

export interface ProviderSort {
  readonly by: ProviderSortBy;
  /**
   * `model` (default): sort the routes of each model, models stay in `models[]` order. `none`: OpenRouter sorts
   * the endpoints of every model together; planWithPreferences sees one model at a time, so only the caller
   * can honour it.
   */
  readonly partition: 'model' | 'none';
}

/** `provider.max_price`: USD per million tokens for `prompt`/`completion`, USD per request/image otherwise. */
export interface MaxPrice {
  readonly prompt: number | null;
  readonly completion: number | null;
  readonly request: number | null;
  readonly image: number | null;
}

/**
 * The OpenRouter `provider` object of one request (reference §1.3), validated. Empty lists are read as
 * "no constraint". Provider names match a route's slug case-insensitively, a base slug matching its variants
 * (`google-vertex` matches `google-vertex/europe`), or the route's display name.
 */
export interface ProviderPreferences {
  /** Providers to try first, in this order. */
  readonly order: readonly string[] | null;
  /** Allow-list of providers. */
  readonly only: readonly string[] | null;
  /** Deny-list of providers. */
  readonly ignore: readonly string[] | null;
  /** Default true. False: only the `order` providers, or without `order` only the first planned route. */
  readonly allowFallbacks: boolean;
  /** Replaces the strategy's load balancing; null keeps the configured strategy. */
  readonly sort: ProviderSort | null;
  readonly maxPrice: MaxPrice | null;
  /** Default false. True: only routes whose `supportedParameters` hold every requested parameter. */
  readonly requireParameters: boolean;
  /** Allowed quantizations (`fp8`, `bf16`, ..., `unknown`); null allows any. */
  readonly quantizations: readonly string[] | null;
  /**
   * Accepted for compatibility and not enforced: the gateway has no per-route data policy. `zdr`,
   * `preferred_min_throughput` and `preferred_max_latency` are validated and ignored for the same reason
   * (the last two are soft preferences on OpenRouter too).
   */
  readonly dataCollection: 'allow' | 'deny';
}

/** Preferences with every field at its OpenRouter default: no constraint, fallbacks allowed. */
export const DEFAULT_PROVIDER_PREFERENCES: ProviderPreferences = {
  order: null,
  only: null,
  ignore: null,
  allowFallbacks: true,
  sort: null,
  maxPrice: null,
  requireParameters: false,
  quantizations: null,
  dataCollection: 'allow',
};

/** Constraint names reported in `error.metadata.excluded_by` when no route is left. */
export type ExclusionReason = 'allowed_providers' | 'max_price' | 'require_parameters' | 'quantization';

/**
 * Parameter names a route may list instead (OpenRouter lists one name). A copy of `PARAMETER_ALIASES` in
 * src/adapters/openai-compatible/convert-request.ts (not exported there): keep the two in step, so a route
 * that passes `require_parameters` also forwards the parameter.
 */
const PARAMETER_ALIASES: ReadonlyMap<string, readonly string[]> = new Map([
  ['max_tokens', ['max_completion_tokens']],
  ['max_completion_tokens', ['max_tokens']],
  ['reasoning_effort', ['reasoning']],
  ['include_reasoning', ['reasoning']],
]);

const TOKENS_PER_MILLION = 1_000_000;

/** True when `name` (an `order`/`only`/`ignore` entry) designates the route's provider. */
export function matchesProvider(route: RouteTarget, name: string): boolean {
  const wanted = name.toLowerCase();
  const slug = route.provider.toLowerCase();
  return slug === wanted || slug.startsWith(`${wanted}/`) || route.providerName.toLowerCase() === wanted;
}

/** Per-token (or per-request) decimal string of the config as a number; absent means free. */
function priceOf(value: string | undefined): number {
  const price = value === undefined ? 0 : Number(value);
  return Number.isFinite(price) ? price : 0;
}

/** `price > limit`, tolerant of float noise: 0.000003 per token is 3 per million, not 3.0000000000000004. */
function exceeds(price: number, limit: number | null): boolean {
  return limit !== null && price - limit > 1e-9 * Math.max(1, limit);
}

function isOverMaxPrice(route: RouteTarget, maxPrice: MaxPrice): boolean {
  const { pricing } = route;
  return (
    exceeds(priceOf(pricing.prompt) * TOKENS_PER_MILLION, maxPrice.prompt) ||
    exceeds(priceOf(pricing.completion) * TOKENS_PER_MILLION, maxPrice.completion) ||
    exceeds(priceOf(pricing.request), maxPrice.request) ||
    exceeds(priceOf(pricing.image), maxPrice.image)
  );
}

function supportsParameter(route: RouteTarget, parameter: string): boolean {
  if (route.supportedParameters.has(parameter)) return true;
  const aliases = PARAMETER_ALIASES.get(parameter);
  return aliases !== undefined && aliases.some((alias) => route.supportedParameters.has(alias));
}

function isProviderAllowed(route: RouteTarget, preferences: ProviderPreferences): boolean {
  const { only, ignore } = preferences;
  if (only !== null && !only.some((name) => matchesProvider(route, name))) return false;
  return ignore === null || !ignore.some((name) => matchesProvider(route, name));
}

function constraintError(
  routes: readonly RouteTarget[],
  reasons: readonly ExclusionReason[],
  detail: string,
): GatewayError {
  const modelId = routes[0]?.modelId ?? '';
  // The `auto` waterfall plans the routes of every model at once: name them all, not just the first.
  const modelIds = [...new Set(routes.map((route) => route.modelId))];
  const subject =
    modelIds.length > 1 ? `models ${modelIds.map((id) => `'${id}'`).join(', ')}` : `model '${modelId}'`;
  const providers = [...new Set(routes.map((route) => route.provider))].join(', ');
  return new GatewayError(
    'not_found',
    `No route of ${subject} satisfies the request's provider preferences: ${detail}. ` +
      `The available providers are: ${providers}. Relax or remove the constraint, or pick another model.`,
    { param: 'provider', metadata: { reason: 'constraint_filtered', model: modelId, excluded_by: reasons } },
  );
}

/** Unknown observations sort last whatever the direction; ties keep config order (Array sort is stable). */
function byObservation(
  routes: readonly RouteTarget[],
  observe: (route: RouteTarget) => number | null,
  direction: 1 | -1,
): RouteTarget[] {
  const keyed = routes.map((route) => ({ route, key: observe(route) }));
  keyed.sort((left, right) => {
    if (left.key === null || right.key === null)
      return (left.key === null ? 1 : 0) - (right.key === null ? 1 : 0);
    return (left.key - right.key) * direction;
  });
  return keyed.map((entry) => entry.route);
}

function sortRoutes(
  routes: readonly RouteTarget[],
  by: ProviderSortBy,
  context: RouteContext,
): RouteTarget[] {
  switch (by) {
    case 'price':
      // The same price the `cost` strategy ranks by (prompt + completion + per-request fee).
      return byObservation(routes, routePriceUsd, 1);
    case 'throughput':
      return byObservation(routes, (route) => context.stats(route).ewmaTokensPerSecond, -1);
    case 'latency':
      return byObservation(routes, (route) => observedLatencyMs(context.stats(route)), 1);
  }
}

export interface PlanWithPreferencesInput {
  /** Routes of ONE model that may take traffic now (health already filtered), in config order. */
  readonly candidates: readonly RouteTarget[];
  readonly preferences: ProviderPreferences | null;
  /** Sampling/tool parameters present in the request (ParsedChatRequest.requestedParameters). */
  readonly requestedParameters: ReadonlySet<string>;
  /** The quantization of the model a route serves (ModelEntry.quantization); null counts as `unknown`. */
  readonly quantizationOf: (route: RouteTarget) => string | null;
  /** The configured strategy's plan. */
  readonly strategyPlan: (candidates: readonly RouteTarget[]) => RouteTarget[];
  readonly context: RouteContext;
}

/** The routes passing every hard filter; throws `constraint_filtered` when none does. */
function filterRoutes(
  active: readonly RouteTarget[],
  preferences: ProviderPreferences,
  input: PlanWithPreferencesInput,
): RouteTarget[] {
  const exclusions = new Set<ExclusionReason>();
  const missingParameters = new Set<string>();
  const { maxPrice, quantizations } = preferences;
  const seenQuantizations = new Set<string>();
  const allowed = active.filter((route) => {
    const reasons: ExclusionReason[] = [];
    if (!isProviderAllowed(route, preferences)) reasons.push('allowed_providers');
    if (maxPrice !== null && isOverMaxPrice(route, maxPrice)) reasons.push('max_price');
    if (preferences.requireParameters) {
      const missing = [...input.requestedParameters].filter((name) => !supportsParameter(route, name));
      for (const name of missing) missingParameters.add(name);
      if (missing.length > 0) reasons.push('require_parameters');
    }
    if (quantizations !== null) {
      const quantization = input.quantizationOf(route) ?? 'unknown';
      if (!quantizations.includes(quantization)) {
        reasons.push('quantization');
        seenQuantizations.add(quantization);
      }
    }
    for (const reason of reasons) exclusions.add(reason);
    return reasons.length === 0;
  });
  if (allowed.length > 0) return allowed;
  const hints: Record<ExclusionReason, string> = {
    allowed_providers: 'provider.only / provider.ignore leave none of its providers',
    max_price: 'provider.max_price (USD per million tokens for prompt and completion) is below its prices',
    require_parameters: `provider.require_parameters is true and its routes lack ${[...missingParameters].join(', ')}`,
    quantization: `provider.quantizations does not list its quantization (${[...seenQuantizations].join(', ')})`,
  };
  const reasons = [...exclusions];
  throw constraintError(active, reasons, reasons.map((reason) => hints[reason]).join('; '));
}

/**
 * The attempt list of one model under the request's provider preferences.
 *
 * Hard filters first (`only`/`ignore`, `max_price`, `require_parameters`, `quantizations`); when they leave no
 * route of a non-empty candidate list it throws `not_found` with `metadata.reason: 'constraint_filtered'` and
 * `excluded_by`. Then `order` providers come first, in that order (a provider's routes in config order),
 * followed, when `allow_fallbacks` is true, by the other routes as `sort` or else the strategy plans them
 * (`order` with `allow_fallbacks: false` matching no route throws `constraint_filtered` too).
 * `sort` replaces the strategy's load balancing: price ascending (prompt + completion), throughput descending,
 * latency (TTFT, else total) ascending; unknown observations last, ties in config order. Without `order`,
 * `allow_fallbacks: false` keeps only the first planned route. Zero-weight routes are off in every case, and
 * `order` overrides any other exclusion by the strategy (a soft offload's zero share).
 * Null preferences return `strategyPlan(candidates)` untouched.
 */
export function planWithPreferences(input: PlanWithPreferencesInput): RouteTarget[] {
  const { candidates, preferences, strategyPlan } = input;
  if (preferences === null) return strategyPlan(candidates);
  const active = candidates.filter((route) => route.weight > 0);
  if (active.length === 0) return [];
  const allowed = filterRoutes(active, preferences, input);
  const { order, sort, allowFallbacks } = preferences;
  const planRest = (routes: readonly RouteTarget[]): RouteTarget[] => {
    if (routes.length === 0) return [];
    return sort === null ? strategyPlan(routes) : sortRoutes(routes, sort.by, input.context);
  };
  if (order === null) {
    const planned = planRest(allowed);
    return allowFallbacks ? planned : planned.slice(0, 1);
  }
  const ordered: RouteTarget[] = [];
  for (const name of order) {
    for (const route of allowed) {
      if (!ordered.includes(route) && matchesProvider(route, name)) ordered.push(route);
    }
  }
  if (allowFallbacks) return [...ordered, ...planRest(allowed.filter((route) => !ordered.includes(route)))];
  if (ordered.length > 0) return ordered;
  const detail = `provider.order (${order.join(', ')}) names none of its providers and allow_fallbacks is false`;
  throw constraintError(allowed, ['allowed_providers'], detail);
}

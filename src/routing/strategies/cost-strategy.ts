import type { RouteTarget } from '../../spec/index.js';
import { observedLatencyMs } from '../route-stats.js';
import type { RouteContext, RoutingStrategy } from '../routing-strategy.js';

/**
 * Price of a route in USD: one prompt token + one completion token + the per-request fee. A price that does
 * not parse (or is infinite) counts as +Infinity, so an unpriced route is never preferred over a priced one.
 */
export function routePriceUsd(route: RouteTarget): number {
  const { prompt, completion, request } = route.pricing;
  const price = Number(prompt) + Number(completion) + Number(request ?? 0);
  return Number.isFinite(price) ? price : Number.POSITIVE_INFINITY;
}

function order(candidates: readonly RouteTarget[], context: RouteContext): RouteTarget[] {
  return candidates
    .map((route, index) => {
      return {
        route,
        index,
        priceUsd: routePriceUsd(route),
        latencyMs: observedLatencyMs(context.stats(route)) ?? Number.POSITIVE_INFINITY,
      };
    })
    .filter((entry) => entry.route.weight > 0)
    .sort(
      (left, right) =>
        // Infinity - Infinity is NaN (falsy): equal unknowns fall through to the next key.
        left.priceUsd - right.priceUsd || left.latencyMs - right.latencyMs || left.index - right.index,
    )
    .map((entry) => entry.route);
}

/**
 * `cost`: cheapest route first (route-level pricing, local routes included), the rest as fallbacks by price.
 * Equal prices go to the route with the lower EWMA TTFT (else latency; unmeasured last), then config order.
 */
export function createCostStrategy(): RoutingStrategy {
  return {
    name: 'cost',
    // All traffic goes to the cheapest route while it works; the rest are fallbacks.
    weights: (candidates, context) => {
      const first = order(candidates, context)[0];
      return candidates.map((route) => (route === first ? 1 : 0));
    },
    plan: (candidates, context) => order(candidates, context),
  };
}

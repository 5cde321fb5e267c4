import type { Pricing, RouteTarget } from '../spec/index.js';
import { toMicros } from './budget-period.js';

function price(value: string | undefined): number {
  const parsed = Number(value ?? 0);
  // OpenRouter's "-1" (unknown) and anything unparsable bill nothing, as in the cost accounting.
  return Number.isFinite(parsed) && parsed > 0 ? parsed : 0;
}

/** The most one request can cost on `pricing`: every prompt token uncached, every output token at the dearest rate. */
function routeWorstCaseUsd(pricing: Pricing, promptTokens: number, outputTokens: number): number {
  const output = Math.max(price(pricing.completion), price(pricing.internal_reasoning));
  const prompt = Math.max(price(pricing.prompt), price(pricing.input_cache_write));
  return promptTokens * prompt + outputTokens * output + price(pricing.request);
}

/**
 * The worst-case cost of a request in micro-dollars (rounded up): the prompt estimate at the prompt price plus
 * `max_tokens` (else the route's max output) at the completion price, on the dearest route that could serve it
 * (fallbacks included). 0 when no route is known.
 */
export function worstCaseMicros(
  routes: readonly RouteTarget[],
  promptTokens: number,
  maxTokens: number | null,
): number {
  let worst = 0;
  for (const route of routes) {
    const outputTokens = maxTokens ?? route.maxOutputTokens;
    worst = Math.max(worst, routeWorstCaseUsd(route.pricing, promptTokens, outputTokens));
  }
  return toMicros(worst, 'up');
}

import type { Pricing, Usage } from '../spec/index.js';

function price(value: string | undefined): number {
  if (value === undefined) return 0;
  const parsed = Number(value);
  // OpenRouter uses "-1" for "unknown" on router models: bill nothing rather than a negative amount.
  return Number.isFinite(parsed) && parsed > 0 ? parsed : 0;
}

/**
 * Cost in USD of one generation: uncached prompt tokens at the prompt price, cached ones at the cache-read
 * price (prompt price when none is set), cache writes at the cache-write price, completion (reasoning
 * included, or at `internal_reasoning` when set) at the completion price, plus the per-request fee.
 */
export function computeCost(usage: Usage, pricing: Pricing): number {
  const cached = usage.cachedTokens ?? 0;
  const cacheWrites = usage.cacheWriteTokens ?? 0;
  const uncachedPrompt = Math.max(usage.promptTokens - cached - cacheWrites, 0);
  const promptPrice = price(pricing.prompt);
  const reasoning = pricing.internal_reasoning === undefined ? 0 : (usage.reasoningTokens ?? 0);
  const cost =
    uncachedPrompt * promptPrice +
    cached * (pricing.input_cache_read === undefined ? promptPrice : price(pricing.input_cache_read)) +
    cacheWrites * (pricing.input_cache_write === undefined ? promptPrice : price(pricing.input_cache_write)) +
    (usage.completionTokens - reasoning) * price(pricing.completion) +
    reasoning * price(pricing.internal_reasoning) +
    price(pricing.request);
  // Round away float noise (1e-12 USD is far below any price step).
  return Math.round(cost * 1e12) / 1e12;
}

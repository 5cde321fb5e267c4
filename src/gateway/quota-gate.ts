import { estimatePromptTokens } from '../accounting/estimate-usage.js';
import { UNLIMITED_DECISION, type QuotaDecision, type QuotaLimiter } from '../limits/quota-limiter.js';
import type { ChatRequest, RouteTarget } from '../spec/index.js';

/**
 * The executor's quota check: routes without quotas pass synchronously; token quotas get the request's
 * estimate, prompt tokens (counted once per request, whatever the number of attempts) plus `max_tokens`,
 * else the model's max output.
 */
export function createQuotaGate(
  limiter: QuotaLimiter,
): (route: RouteTarget, request: ChatRequest) => QuotaDecision | Promise<QuotaDecision> {
  const promptTokens = new WeakMap<ChatRequest, Promise<number>>();
  return (route, request) => {
    if (!limiter.applies(route)) return UNLIMITED_DECISION;
    if (!limiter.needsTokenEstimate(route)) return limiter.reserve(route, 0);
    let prompt = promptTokens.get(request);
    if (prompt === undefined) {
      prompt = estimatePromptTokens(request.messages);
      promptTokens.set(request, prompt);
    }
    const output = request.max_completion_tokens ?? request.max_tokens ?? route.maxOutputTokens;
    return prompt.then((tokens) => limiter.reserve(route, tokens + output));
  };
}

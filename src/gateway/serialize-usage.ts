import type { Usage } from '../spec/index.js';

/** Usage in the OpenAI/OpenRouter wire shape, with `cost` in USD. */
export function serializeUsage(usage: Usage, cost: number): Record<string, unknown> {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.totalTokens,
    prompt_tokens_details: {
      cached_tokens: usage.cachedTokens ?? 0,
      ...(usage.cacheWriteTokens === undefined ? {} : { cache_write_tokens: usage.cacheWriteTokens }),
    },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
    cost,
    is_byok: false,
    ...(usage.estimated ? { estimated: true } : {}),
  };
}

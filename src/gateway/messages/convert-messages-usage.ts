import type { Usage } from '../../spec/index.js';

/** Usage in the Messages API's shape. */
export interface MessagesUsage {
  /** Prompt tokens neither read from nor written to the cache (Anthropic counts the three apart). */
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cache_creation_input_tokens: number;
  readonly cache_read_input_tokens: number;
}

/**
 * Canonical usage as Anthropic counts it: `input_tokens` excludes cache reads and writes, which are reported
 * beside it (the canonical `promptTokens` includes them).
 */
export function convertMessagesUsage(usage: Usage): MessagesUsage {
  const cacheRead = usage.cachedTokens ?? 0;
  const cacheWrite = usage.cacheWriteTokens ?? 0;
  return {
    input_tokens: Math.max(0, usage.promptTokens - cacheRead - cacheWrite),
    output_tokens: usage.completionTokens,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
  };
}

import type { Usage } from '../../spec/index.js';
import { countOrNull, isRecord } from './is-record.js';

type MutableUsage = { -readonly [Field in keyof Usage]: Usage[Field] };

/**
 * Canonical usage from an upstream `usage` object; null when there is none or it holds no token counts.
 * `promptTokens` stays the whole prompt; the cached part comes from `prompt_tokens_details.cached_tokens` or
 * DeepSeek's `prompt_cache_hit_tokens`, cache writes from `prompt_tokens_details.cache_write_tokens`
 * (OpenRouter), reasoning from `completion_tokens_details.reasoning_tokens`. A missing total is computed.
 */
export function convertUsage(raw: unknown): Usage | null {
  if (!isRecord(raw)) return null;
  const promptTokens = countOrNull(raw.prompt_tokens);
  const completionTokens = countOrNull(raw.completion_tokens);
  if (promptTokens === null && completionTokens === null) return null;
  const usage: MutableUsage = {
    promptTokens: promptTokens ?? 0,
    completionTokens: completionTokens ?? 0,
    totalTokens: countOrNull(raw.total_tokens) ?? (promptTokens ?? 0) + (completionTokens ?? 0),
    estimated: false,
  };
  const promptDetails = isRecord(raw.prompt_tokens_details) ? raw.prompt_tokens_details : undefined;
  const cachedTokens = countOrNull(promptDetails?.cached_tokens) ?? countOrNull(raw.prompt_cache_hit_tokens);
  if (cachedTokens !== null) usage.cachedTokens = cachedTokens;
  const cacheWriteTokens = countOrNull(promptDetails?.cache_write_tokens);
  if (cacheWriteTokens !== null) usage.cacheWriteTokens = cacheWriteTokens;
  if (isRecord(raw.completion_tokens_details)) {
    const reasoningTokens = countOrNull(raw.completion_tokens_details.reasoning_tokens);
    if (reasoningTokens !== null) usage.reasoningTokens = reasoningTokens;
  }
  return usage;
}

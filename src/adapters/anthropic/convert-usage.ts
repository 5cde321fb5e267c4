import type { Usage } from '../../spec/index.js';
import { countOrNull, isRecord } from '../openai-compatible/is-record.js';

type MutableUsage = { -readonly [Field in keyof Usage]: Usage[Field] };

/**
 * Canonical usage from an Anthropic `usage` object; null when it holds no token counts. Anthropic's
 * `input_tokens` excludes the cached part, so `promptTokens` is `input_tokens + cache_read_input_tokens +
 * cache_creation_input_tokens` (the full prompt, as OpenAI counts it); `cachedTokens` is
 * `cache_read_input_tokens`, `cacheWriteTokens` `cache_creation_input_tokens` (each set when reported),
 * `completionTokens` `output_tokens` (thinking included) and `reasoningTokens`
 * `output_tokens_details.thinking_tokens` when reported.
 */
export function convertUsage(raw: unknown): Usage | null {
  if (!isRecord(raw)) return null;
  const inputTokens = countOrNull(raw.input_tokens);
  const outputTokens = countOrNull(raw.output_tokens);
  if (inputTokens === null && outputTokens === null) return null;
  const cacheReadTokens = countOrNull(raw.cache_read_input_tokens);
  const cacheWriteTokens = countOrNull(raw.cache_creation_input_tokens);
  const promptTokens = (inputTokens ?? 0) + (cacheReadTokens ?? 0) + (cacheWriteTokens ?? 0);
  const usage: MutableUsage = {
    promptTokens,
    completionTokens: outputTokens ?? 0,
    totalTokens: promptTokens + (outputTokens ?? 0),
    estimated: false,
  };
  if (cacheReadTokens !== null) usage.cachedTokens = cacheReadTokens;
  if (cacheWriteTokens !== null) usage.cacheWriteTokens = cacheWriteTokens;
  const thinkingTokens = isRecord(raw.output_tokens_details)
    ? countOrNull(raw.output_tokens_details.thinking_tokens)
    : null;
  if (thinkingTokens !== null) usage.reasoningTokens = thinkingTokens;
  return usage;
}

/**
 * Folds a later stream `usage` object (a `message_delta`'s, cumulative) into the one gathered so far (the
 * `message_start`'s): every count it reports replaces the earlier one; nulls and absent fields keep it.
 */
export function mergeUsage(gathered: Record<string, unknown>, later: unknown): void {
  if (!isRecord(later)) return;
  for (const [field, value] of Object.entries(later)) {
    if (value !== null && value !== undefined) gathered[field] = value;
  }
}

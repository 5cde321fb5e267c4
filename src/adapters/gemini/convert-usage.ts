import type { Usage } from '../../spec/index.js';
import { countOrNull, isRecord } from '../openai-compatible/is-record.js';

type MutableUsage = { -readonly [Field in keyof Usage]: Usage[Field] };

/**
 * Canonical usage from Gemini's `usageMetadata`; null when there is none or it holds no token counts.
 * `promptTokens` = `promptTokenCount` (+ `toolUsePromptTokenCount`, the tool results Gemini fed itself,
 * billed as input and counted in its total); `completionTokens` = `candidatesTokenCount` +
 * `thoughtsTokenCount` (Gemini counts thoughts apart, OpenAI counts them in the completion);
 * `reasoningTokens` = `thoughtsTokenCount`; `cachedTokens` = `cachedContentTokenCount` (part of the prompt);
 * `totalTokens` = `totalTokenCount`, computed when missing.
 */
export function convertUsage(raw: unknown): Usage | null {
  if (!isRecord(raw)) return null;
  const prompt = countOrNull(raw.promptTokenCount);
  const candidates = countOrNull(raw.candidatesTokenCount);
  const thoughts = countOrNull(raw.thoughtsTokenCount);
  if (prompt === null && candidates === null && thoughts === null) return null;
  const promptTokens = (prompt ?? 0) + (countOrNull(raw.toolUsePromptTokenCount) ?? 0);
  const completionTokens = (candidates ?? 0) + (thoughts ?? 0);
  const usage: MutableUsage = {
    promptTokens,
    completionTokens,
    totalTokens: countOrNull(raw.totalTokenCount) ?? promptTokens + completionTokens,
    estimated: false,
  };
  if (thoughts !== null) usage.reasoningTokens = thoughts;
  const cachedTokens = countOrNull(raw.cachedContentTokenCount);
  if (cachedTokens !== null) usage.cachedTokens = cachedTokens;
  return usage;
}

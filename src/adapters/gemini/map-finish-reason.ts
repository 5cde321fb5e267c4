import type { FinishReason } from '../../spec/index.js';

/**
 * Gemini's `Candidate.FinishReason` values and what they mean. The failures of the generation itself
 * (`MALFORMED_FUNCTION_CALL`, `OTHER`, ...) map to `error`, not `stop`: the answer is unusable or cut short for
 * a reason the model did not choose, and a client reading `stop` would take it as complete.
 */
const FINISH_REASONS: ReadonlyMap<string, FinishReason> = new Map<string, FinishReason>([
  ['STOP', 'stop'],
  ['MAX_TOKENS', 'length'],
  ['SAFETY', 'content_filter'],
  ['RECITATION', 'content_filter'],
  ['LANGUAGE', 'content_filter'],
  ['BLOCKLIST', 'content_filter'],
  ['PROHIBITED_CONTENT', 'content_filter'],
  ['SPII', 'content_filter'],
  ['IMAGE_SAFETY', 'content_filter'],
  ['IMAGE_PROHIBITED_CONTENT', 'content_filter'],
  ['IMAGE_RECITATION', 'content_filter'],
  ['MALFORMED_FUNCTION_CALL', 'error'],
  ['UNEXPECTED_TOOL_CALL', 'error'],
  ['TOO_MANY_TOOL_CALLS', 'error'],
  ['MISSING_THOUGHT_SIGNATURE', 'error'],
  ['MALFORMED_RESPONSE', 'error'],
  ['OTHER', 'error'],
  ['IMAGE_OTHER', 'error'],
  ['NO_IMAGE', 'error'],
]);

/**
 * The normalised finish reason of a Gemini candidate: null while it is unfinished (no `finishReason`);
 * `STOP` becomes `tool_calls` when the candidate called functions (`hasToolCalls`), since Gemini has no
 * separate value for that. Unknown values (and `FINISH_REASON_UNSPECIFIED`) become `stop`, like the same
 * case in the OpenAI-compatible adapter. The raw value is kept separately as `nativeFinishReason`.
 */
export function mapFinishReason(nativeFinishReason: unknown, hasToolCalls: boolean): FinishReason | null {
  if (typeof nativeFinishReason !== 'string' || nativeFinishReason === '') return null;
  const finishReason = FINISH_REASONS.get(nativeFinishReason) ?? 'stop';
  return finishReason === 'stop' && hasToolCalls ? 'tool_calls' : finishReason;
}

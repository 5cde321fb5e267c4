import type { FinishReason } from '../../spec/index.js';

/** Anthropic `stop_reason` values and what they mean in OpenAI terms. */
const FINISH_REASONS: ReadonlyMap<string, FinishReason> = new Map<string, FinishReason>([
  ['end_turn', 'stop'],
  ['stop_sequence', 'stop'],
  ['max_tokens', 'length'],
  // The context window, not max_tokens, ended the generation.
  ['model_context_window_exceeded', 'length'],
  ['tool_use', 'tool_calls'],
  ['refusal', 'content_filter'],
  // A long server-tool turn was paused; the answer so far is complete, and the client may send it back to let
  // the model continue. OpenAI has no such state; `stop` is what OpenRouter reports.
  ['pause_turn', 'stop'],
]);

/**
 * The normalised finish reason of an Anthropic `stop_reason`: null while unfinished (null, missing or empty);
 * unknown values become `stop`, since the generation did end. The raw value is kept as `nativeFinishReason`.
 */
export function mapFinishReason(stopReason: unknown): FinishReason | null {
  if (typeof stopReason !== 'string' || stopReason === '') return null;
  return FINISH_REASONS.get(stopReason) ?? 'stop';
}

import type { FinishReason } from '../../spec/index.js';

/** Raw finish reasons seen from OpenAI-compatible servers (lower-cased) and what they mean. */
const FINISH_REASONS: ReadonlyMap<string, FinishReason> = new Map<string, FinishReason>([
  ['stop', 'stop'],
  ['eos', 'stop'],
  ['eos_token', 'stop'],
  ['end_turn', 'stop'],
  ['stop_sequence', 'stop'],
  ['length', 'length'],
  ['max_tokens', 'length'],
  // Mistral: the context window, not max_tokens, ended the generation.
  ['model_length', 'length'],
  ['tool_calls', 'tool_calls'],
  // Legacy `functions` API.
  ['function_call', 'tool_calls'],
  ['tool_use', 'tool_calls'],
  ['content_filter', 'content_filter'],
  ['safety', 'content_filter'],
  ['recitation', 'content_filter'],
  ['error', 'error'],
  // vLLM: the engine aborted the request (preemption, shutdown); the text is incomplete.
  ['abort', 'error'],
]);

/**
 * The normalised finish reason of an upstream `finish_reason`: null while the choice is unfinished (null,
 * missing or empty); unknown strings become `stop`, since the generation did end and the client can only act
 * on the known set. The raw value is kept separately as `nativeFinishReason`.
 */
export function mapFinishReason(nativeFinishReason: unknown): FinishReason | null {
  if (typeof nativeFinishReason !== 'string' || nativeFinishReason === '') return null;
  return (
    FINISH_REASONS.get(nativeFinishReason) ?? FINISH_REASONS.get(nativeFinishReason.toLowerCase()) ?? 'stop'
  );
}

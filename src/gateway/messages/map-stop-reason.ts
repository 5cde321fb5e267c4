import type { FinishReason } from '../../spec/index.js';

/** Anthropic's stop reasons. */
export type StopReason =
  | 'end_turn'
  | 'max_tokens'
  | 'stop_sequence'
  | 'tool_use'
  | 'pause_turn'
  | 'refusal'
  | 'model_context_window_exceeded';

/** Native reasons an Anthropic upstream reports: kept as they are, they say more than the normalised one. */
const ANTHROPIC_STOP_REASONS: ReadonlySet<string> = new Set<StopReason>([
  'end_turn',
  'max_tokens',
  'stop_sequence',
  'tool_use',
  'pause_turn',
  'refusal',
  'model_context_window_exceeded',
]);

export interface StopFacts {
  readonly stopReason: StopReason;
  /** The stop sequence that ended the generation, when known. */
  readonly stopSequence: string | null;
}

/**
 * Anthropic's `stop_reason` (and `stop_sequence`) of a finished choice: `stop` → `end_turn`, or
 * `stop_sequence` when the upstream says a stop sequence matched; `length` → `max_tokens` (Mistral's
 * `model_length` → `model_context_window_exceeded`); `tool_calls` → `tool_use`; `content_filter` → `refusal`.
 * A choice that made tool calls stopped for them whatever its finish reason says (some servers say `stop`),
 * unless it was cut off. Which sequence matched is known only when the request had exactly one.
 */
export function mapStopReason(
  finishReason: FinishReason | null,
  nativeFinishReason: string | null,
  hasToolCalls: boolean,
  stopSequences: readonly string[],
): StopFacts {
  const stopReason = stopReasonOf(finishReason, nativeFinishReason, hasToolCalls);
  const stopSequence = stopReason === 'stop_sequence' && stopSequences.length === 1 ? stopSequences[0] : null;
  return { stopReason, stopSequence: stopSequence ?? null };
}

function stopReasonOf(
  finishReason: FinishReason | null,
  nativeFinishReason: string | null,
  hasToolCalls: boolean,
): StopReason {
  if (nativeFinishReason !== null && ANTHROPIC_STOP_REASONS.has(nativeFinishReason)) {
    return nativeFinishReason as StopReason;
  }
  if (finishReason === 'length') {
    return nativeFinishReason === 'model_length' ? 'model_context_window_exceeded' : 'max_tokens';
  }
  if (hasToolCalls || finishReason === 'tool_calls') return 'tool_use';
  if (finishReason === 'content_filter') return 'refusal';
  // `stop`, `error` (an engine abort: the text ends there) and an upstream that named no reason.
  return 'end_turn';
}

/** The stop sequences of a canonical request (`stop` is a string or a list). */
export function stopSequencesOf(stop: string | readonly string[] | undefined): readonly string[] {
  if (stop === undefined) return [];
  return typeof stop === 'string' ? [stop] : stop;
}

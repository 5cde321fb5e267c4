/** Normalised finish reasons (OpenRouter's set). */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error';

const FINISH_REASONS: ReadonlySet<string> = new Set([
  'stop',
  'length',
  'tool_calls',
  'content_filter',
  'error',
]);

export function isFinishReason(value: unknown): value is FinishReason {
  return typeof value === 'string' && FINISH_REASONS.has(value);
}

import type { FinishReason } from './finish-reason.js';
import type { Usage } from './usage.js';

/** A tool-call fragment of a streamed delta (OpenAI shape: `id`/`name` only on the first fragment). */
export interface ToolCallDelta {
  readonly index: number;
  readonly id?: string;
  readonly type?: 'function';
  readonly function?: { readonly name?: string; readonly arguments?: string };
}

export interface ChatDelta {
  readonly role?: 'assistant';
  readonly content?: string | null;
  readonly reasoning?: string | null;
  readonly tool_calls?: readonly ToolCallDelta[];
  readonly refusal?: string | null;
  readonly [field: string]: unknown;
}

/**
 * One unit of a streamed generation, as adapters yield it. A `delta` carries one choice's increment (and its
 * finish reason on the last one); `usage` is the final token count, at most once, after the deltas.
 */
export type StreamPart =
  | {
      readonly kind: 'delta';
      readonly index: number;
      readonly delta: ChatDelta;
      readonly finishReason: FinishReason | null;
      readonly nativeFinishReason: string | null;
      readonly logprobs?: unknown;
    }
  | { readonly kind: 'usage'; readonly usage: Usage };

/**
 * A part iterator that may already hold several converted parts (one upstream read often carries many
 * tokens): `takeReady` hands over those that `next` would resolve at once, in order, without a promise each.
 * Optional — a consumer that finds no `takeReady` reads part by part.
 */
export interface ReadyParts {
  takeReady(): readonly StreamPart[];
}

/** The ready parts of `iterator` when it can hand them over, else none. */
export function takeReadyParts(iterator: AsyncIterator<StreamPart>): readonly StreamPart[] {
  const source = iterator as AsyncIterator<StreamPart> & Partial<ReadyParts>;
  return source.takeReady === undefined ? NO_PARTS : source.takeReady();
}

/** No parts: one shared empty list instead of an allocation each time. */
export const NO_PARTS: readonly StreamPart[] = [];

/** True when the delta carries something the client would see: the route commits on it. */
export function isSubstantiveDelta(delta: ChatDelta): boolean {
  if (typeof delta.content === 'string' && delta.content.length > 0) return true;
  if (typeof delta.reasoning === 'string' && delta.reasoning.length > 0) return true;
  if (typeof delta.refusal === 'string' && delta.refusal.length > 0) return true;
  return delta.tool_calls !== undefined && delta.tool_calls.length > 0;
}

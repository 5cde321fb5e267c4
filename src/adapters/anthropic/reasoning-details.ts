/**
 * OpenRouter's `reasoning_details` entries for Anthropic thinking: how a client receives a thinking block's
 * signature (or a redacted block's data) and hands it back unmodified in a later assistant turn, which Anthropic
 * needs to continue a tool-use turn with thinking on.
 */

/** The `format` OpenRouter gives Anthropic reasoning details. */
export const REASONING_FORMAT = 'anthropic-claude-v1';

export type ReasoningDetail =
  | {
      readonly type: 'reasoning.text';
      readonly text: string;
      readonly signature: string | null;
      readonly format: typeof REASONING_FORMAT;
      readonly index: number;
    }
  | {
      readonly type: 'reasoning.encrypted';
      readonly data: string;
      readonly format: typeof REASONING_FORMAT;
      readonly index: number;
    };

/** The detail of a `thinking` block; `index` counts the message's reasoning blocks from 0. */
export function createThinkingDetail(text: string, signature: string | null, index: number): ReasoningDetail {
  return { type: 'reasoning.text', text, signature, format: REASONING_FORMAT, index };
}

/** The detail of a `redacted_thinking` block: its opaque `data`. */
export function createRedactedDetail(data: string, index: number): ReasoningDetail {
  return { type: 'reasoning.encrypted', data, format: REASONING_FORMAT, index };
}

import { isRecord } from '../openai-compatible/is-record.js';

/**
 * Where a Gemini thought signature travels in OpenAI terms: `tool_calls[].extra_content.google.thought_signature`,
 * the field Google's own OpenAI-compatible endpoint uses. Clients that send the assistant message back as they
 * received it return the signature untouched, which Gemini 3 requires for function calling.
 */
export interface ThoughtSignatureCarrier {
  readonly extra_content?: { readonly google: { readonly thought_signature: string } };
}

/** The extra field that carries `signature` on a tool call or tool-call delta. */
export function thoughtSignatureField(signature: string): ThoughtSignatureCarrier {
  return { extra_content: { google: { thought_signature: signature } } };
}

/** The thought signature a client sent back on a tool call; null when there is none. */
export function readThoughtSignature(toolCall: object): string | null {
  const extra = 'extra_content' in toolCall ? toolCall.extra_content : undefined;
  const google = isRecord(extra) ? extra.google : undefined;
  const signature = isRecord(google) ? google.thought_signature : undefined;
  return typeof signature === 'string' && signature !== '' ? signature : null;
}

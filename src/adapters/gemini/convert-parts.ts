import { randomBytes } from 'node:crypto';
import type { ToolCall } from '../../spec/index.js';
import { isRecord } from '../openai-compatible/is-record.js';
import { thoughtSignatureField } from './thought-signature.js';

/** What a candidate's parts say, in OpenAI terms. */
export interface ConvertedParts {
  /** The answer's text parts joined; null when there were none. */
  readonly content: string | null;
  /** The thought (`thought: true`) parts joined; null when there were none. */
  readonly reasoning: string | null;
  readonly toolCalls: readonly ToolCall[];
}

/**
 * A candidate's `content.parts`: text parts become `content`, thought parts `reasoning`, `functionCall` parts
 * tool calls with a fresh unique id (`call_` + 24 hex digits; Gemini's own ids are optional and not
 * unique across responses), `arguments` the JSON text of `args`, and the part's `thoughtSignature` carried in
 * `extra_content.google.thought_signature`. Other parts (inline images, code execution) are not represented.
 */
export function convertParts(parts: unknown): ConvertedParts {
  let content: string | null = null;
  let reasoning: string | null = null;
  const toolCalls: ToolCall[] = [];
  if (!Array.isArray(parts)) return { content, reasoning, toolCalls };
  for (const part of parts) {
    if (!isRecord(part)) continue;
    if (typeof part.text === 'string') {
      if (part.thought === true) reasoning = (reasoning ?? '') + part.text;
      else content = (content ?? '') + part.text;
    } else if (isRecord(part.functionCall) && typeof part.functionCall.name === 'string') {
      const call: ToolCall = {
        id: createToolCallId(),
        type: 'function',
        function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) },
      };
      const signature = part.thoughtSignature;
      toolCalls.push(typeof signature === 'string' ? { ...call, ...thoughtSignatureField(signature) } : call);
    }
  }
  return { content, reasoning, toolCalls };
}

/** A tool call id unique across responses, in OpenAI's `call_...` style. */
export function createToolCallId(): string {
  return `call_${randomBytes(12).toString('hex')}`;
}

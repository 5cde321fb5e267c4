import type { ChatDelta, ToolCall } from '../../spec/index.js';
import { isRecord, stringOrNull } from './is-record.js';

/**
 * Turns a streamed `delta` into the canonical ChatDelta, in place (the object is freshly parsed and ours):
 * `reasoning_content` (DeepSeek, older vLLM) becomes `reasoning`; a `role` other than `assistant` (Mistral
 * sends `null`) and `tool_calls` that are not a non-empty array are removed; tool-call fragments get their
 * `index` and string `arguments`; list-of-parts content is flattened to its text. Other fields pass through.
 */
export function normalizeDelta(delta: Record<string, unknown>): ChatDelta {
  if ('reasoning_content' in delta) {
    const reasoning = delta.reasoning_content;
    delete delta.reasoning_content;
    if (typeof reasoning === 'string' && typeof delta.reasoning !== 'string') delta.reasoning = reasoning;
  }
  if ('role' in delta && delta.role !== 'assistant') delete delta.role;
  if ('tool_calls' in delta) {
    const toolCalls = delta.tool_calls;
    if (Array.isArray(toolCalls) && toolCalls.length > 0) toolCalls.forEach(normalizeToolCallFragment);
    else delete delta.tool_calls;
  }
  const content = delta.content;
  if (content !== undefined && content !== null && typeof content !== 'string')
    delta.content = flattenContent(content);
  // The fields ChatDelta types have been checked or fixed above; the rest are open (`unknown`).
  return delta;
}

/** True when a delta carries nothing: every field null, empty string or empty list (a bare `role` counts). */
export function isEmptyDelta(delta: ChatDelta): boolean {
  // The common case, a token of text, without enumerating the object.
  if (typeof delta.content === 'string' && delta.content !== '') return false;
  for (const field in delta) {
    const value = delta[field];
    if (value === null || value === undefined || value === '') continue;
    if (Array.isArray(value) && value.length === 0) continue;
    return false;
  }
  return true;
}

/**
 * Complete tool calls of a non-streamed message: `arguments` always a string (objects are serialised, missing
 * ones become `{}`), a missing id synthesised from the choice and position. Entries without a function name
 * are dropped: no client could dispatch them.
 */
export function normalizeToolCalls(raw: unknown, choiceIndex: number): ToolCall[] {
  if (!Array.isArray(raw)) return [];
  const toolCalls: ToolCall[] = [];
  raw.forEach((entry: unknown, position) => {
    if (!isRecord(entry) || !isRecord(entry.function)) return;
    const name = stringOrNull(entry.function.name);
    if (name === null) return;
    toolCalls.push({
      id: stringOrNull(entry.id) ?? `call_${choiceIndex}_${position}`,
      type: 'function',
      function: { name, arguments: argumentsText(entry.function.arguments) },
    });
  });
  return toolCalls;
}

/** Text of a content value: a string as is; a list of parts joined from its text parts; anything else null. */
export function flattenContent(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  let text = '';
  for (const part of content) {
    if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') text += part.text;
  }
  return text;
}

function normalizeToolCallFragment(fragment: unknown, position: number): void {
  if (!isRecord(fragment)) return;
  // Some servers omit `index` when they send one call per chunk; the position is then the call's index.
  if (typeof fragment.index !== 'number') fragment.index = position;
  const call = fragment.function;
  if (isRecord(call) && call.arguments !== undefined && typeof call.arguments !== 'string') {
    call.arguments = argumentsText(call.arguments);
  }
}

function argumentsText(value: unknown): string {
  if (typeof value === 'string') return value;
  return value === undefined || value === null ? '{}' : JSON.stringify(value);
}

import { asRecord } from './as-record.js';

/** Tokens charged per message for the role and chat-template framing, like OpenAI's cookbook estimate. */
export const tokensPerMessage = 4;

/**
 * Counts prompt tokens with a rule simple enough to recompute by hand in tests:
 * for every message, 4 + the number of whitespace-separated words in its text content (a string, or the
 * `text` of `type: "text"` parts) + the words in each `tool_calls[].function.name` and `.arguments`.
 * Tool definitions, images and other non-text parts are not counted.
 */
export function countPromptTokens(messages: readonly Record<string, unknown>[]): number {
  let total = 0;
  for (const message of messages) {
    total += tokensPerMessage + countWords(extractMessageText(message.content));
    const toolCalls = message.tool_calls;
    if (!Array.isArray(toolCalls)) continue;
    for (const toolCall of toolCalls as unknown[]) {
      const call = asRecord(toolCall)?.function;
      const fields = asRecord(call);
      if (fields === undefined) continue;
      if (typeof fields.name === 'string') total += countWords(fields.name);
      if (typeof fields.arguments === 'string') total += countWords(fields.arguments);
    }
  }
  return total;
}

/** The text of a message `content`: the string itself, or its text parts joined with spaces. */
export function extractMessageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const texts: string[] = [];
  for (const part of content as unknown[]) {
    const record = asRecord(part);
    if (record?.type === 'text' && typeof record.text === 'string') texts.push(record.text);
  }
  return texts.join(' ');
}

/** Number of maximal runs of non-whitespace characters; a loop instead of a regex split avoids arrays. */
export function countWords(text: string): number {
  let words = 0;
  let inWord = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    const isSpace = code === 32 || (code >= 9 && code <= 13) || code === 160;
    if (!isSpace && !inWord) words += 1;
    inWord = !isSpace;
  }
  return words;
}

import { GatewayError } from '../../errors/index.js';
import type { ChatMessage, ToolCall } from '../../spec/index.js';
import { isRecord } from '../openai-compatible/is-record.js';
import { convertContent, readText } from './convert-content.js';
import type { GeminiContent, GeminiPart, GeminiSystemInstruction } from './gemini-content.js';
import { readThoughtSignature } from './thought-signature.js';

/**
 * Google's documented stand-in for a missing thought signature (a conversation that did not come from
 * Gemini, or a client that dropped the field): Gemini 3 rejects a function call turn without one.
 */
export const SKIP_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

/** The conversation in Gemini's shape. */
export interface ConvertedMessages {
  readonly systemInstruction: GeminiSystemInstruction | null;
  readonly contents: readonly GeminiContent[];
}

/** Which kind of turn a message makes; consecutive messages of one kind share a turn. */
type TurnKind = 'user' | 'model' | 'tool';

/**
 * Converts the chat messages. `system` and `developer` messages, wherever they are, become the parts of
 * `systemInstruction`, in order. `user` → a `user` turn; `assistant` → a `model` turn whose `tool_calls`
 * become `functionCall` parts (arguments parsed back to an object; the thought signature from
 * `extra_content.google.thought_signature` restored, the first call of a turn without one given
 * `skip_thought_signature_validator`); `tool` → a `functionResponse` part named after the earlier tool call
 * with the same id (else the message's `name`), its content the JSON object the tool returned or
 * `{output: <text>}`. Consecutive messages of one kind are merged into one turn, so parallel tool results form
 * one `user` turn as Gemini requires. Messages with nothing to send are skipped. Throws GatewayError
 * `invalid_request` (with `param`) for a tool result whose call cannot be found, arguments that are not a JSON
 * object, or a content part Gemini cannot take.
 */
export function convertMessages(messages: readonly ChatMessage[]): ConvertedMessages {
  const systemParts: GeminiPart[] = [];
  const contents: GeminiContent[] = [];
  const toolNames = new Map<string, string>();
  let lastKind: TurnKind | null = null;
  messages.forEach((message, index) => {
    const path = `messages[${index}]`;
    let kind: TurnKind;
    let parts: GeminiPart[];
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = readText(message.content);
        if (text !== '') systemParts.push({ text });
        return;
      }
      case 'user':
        kind = 'user';
        parts = convertContent(message.content, path);
        break;
      case 'assistant':
        kind = 'model';
        parts = [
          ...convertContent(message.content, path),
          ...convertToolCalls(message.tool_calls, path, toolNames),
        ];
        break;
      case 'tool':
        kind = 'tool';
        parts = [convertToolResult(message, path, toolNames)];
        break;
    }
    if (parts.length === 0) return;
    const previous = contents.at(-1);
    if (previous !== undefined && lastKind === kind) previous.parts.push(...parts);
    else contents.push({ role: kind === 'model' ? 'model' : 'user', parts });
    lastKind = kind;
  });
  return { systemInstruction: systemParts.length === 0 ? null : { parts: systemParts }, contents };
}

function convertToolCalls(
  toolCalls: readonly ToolCall[] | undefined,
  path: string,
  toolNames: Map<string, string>,
): GeminiPart[] {
  if (toolCalls === undefined) return [];
  return toolCalls.map((call, index) => {
    const callPath = `${path}.tool_calls[${index}]`;
    const name = isRecord(call.function) ? call.function.name : undefined;
    if (typeof name !== 'string' || name === '') {
      throw new GatewayError('invalid_request', `'${callPath}.function.name' is required.`, {
        param: `${callPath}.function.name`,
      });
    }
    if (typeof call.id === 'string') toolNames.set(call.id, name);
    const args = parseArguments(call.function.arguments, `${callPath}.function.arguments`);
    // Gemini signs only the first call of a parallel set; the others go back unsigned, as they came.
    const signature = readThoughtSignature(call) ?? (index === 0 ? SKIP_THOUGHT_SIGNATURE : null);
    const part: GeminiPart = { functionCall: { name, args } };
    return signature === null ? part : { ...part, thoughtSignature: signature };
  });
}

function parseArguments(text: unknown, param: string): Record<string, unknown> {
  if (text === undefined || text === null || (typeof text === 'string' && text.trim() === '')) return {};
  if (isRecord(text)) return text;
  let parsed: unknown;
  try {
    parsed = typeof text === 'string' ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!isRecord(parsed)) {
    throw new GatewayError('invalid_request', `'${param}' must be a JSON object encoded as a string.`, {
      param,
    });
  }
  return parsed;
}

function convertToolResult(
  message: ChatMessage,
  path: string,
  toolNames: ReadonlyMap<string, string>,
): GeminiPart {
  const id = message.tool_call_id;
  const name = (typeof id === 'string' ? toolNames.get(id) : undefined) ?? message.name;
  if (typeof name !== 'string' || name === '') {
    throw new GatewayError(
      'invalid_request',
      `'${path}.tool_call_id' matches no tool call of an earlier assistant message.`,
      { param: `${path}.tool_call_id` },
    );
  }
  const text = readText(message.content);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  // Gemini takes a JSON object; anything else is wrapped in `output`, the key its documentation suggests.
  return { functionResponse: { name, response: isRecord(parsed) ? parsed : { output: text } } };
}

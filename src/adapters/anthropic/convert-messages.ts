import type { ChatMessage, RouteTarget, ToolCall } from '../../spec/index.js';
import { isRecord } from '../openai-compatible/is-record.js';
import { applyMessageCacheControl, convertContentParts, type UserContentBlock } from './convert-content.js';
import { createUnsupportedRequestError } from './error.js';
import { REASONING_FORMAT } from './reasoning-details.js';
import type {
  AnthropicMessage,
  ContentBlock,
  RedactedThinkingBlock,
  TextBlock,
  ThinkingBlock,
  ToolResultBlock,
  ToolUseBlock,
} from './wire-types.js';

/** The conversation in Anthropic's shape: the system prompt apart, then alternating turns. */
export interface ConvertedMessages {
  readonly system: string | TextBlock[] | undefined;
  readonly messages: AnthropicMessage[];
}

export interface ConvertMessagesOptions {
  /**
   * Thinking is on for this request: earlier assistant turns get their thinking blocks back (from
   * `reasoning_details` with an Anthropic signature), which Anthropic needs to continue a tool-use turn.
   */
  readonly isThinkingEnabled: boolean;
}

/**
 * Chat messages → Anthropic `system` + `messages`:
 * - `system` and `developer` messages, wherever they stand, become the top-level `system` (a string, or text
 *   blocks when there are several parts or any carries `cache_control`);
 * - user content parts become text/image/document blocks (see convertContentPart);
 * - an assistant message becomes its thinking blocks (when thinking is on), its text, and a `tool_use` block per
 *   tool call (`arguments` parsed into `input`);
 * - `tool` messages become `tool_result` blocks of a user turn;
 * - consecutive turns of one role are merged (Anthropic wants them to alternate), `tool_result` blocks first;
 * - a message-level `cache_control` goes on the message's last block; a part's own is kept;
 * - a trailing assistant message (a prefill) loses its trailing whitespace, which Anthropic rejects.
 * A turn that is a single plain text block is sent as a string. Throws a final GatewayError for content
 * Anthropic cannot take.
 */
export function convertMessages(
  messages: readonly ChatMessage[],
  route: RouteTarget,
  options: ConvertMessagesOptions,
): ConvertedMessages {
  const system: TextBlock[] = [];
  const turns: { role: 'user' | 'assistant'; blocks: ContentBlock[] }[] = [];
  const append = (role: 'user' | 'assistant', blocks: ContentBlock[]) => {
    if (blocks.length === 0) return;
    const last = turns.at(-1);
    if (last?.role === role) last.blocks.push(...blocks);
    else turns.push({ role, blocks });
  };
  messages.forEach((message, position) => {
    const param = `messages[${position}]`;
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(...convertSystemContent(message, param, route));
        break;
      case 'user':
        append('user', convertUserContent(message, param, route));
        break;
      case 'assistant':
        append('assistant', convertAssistantMessage(message, param, route, options));
        break;
      case 'tool':
        append('user', [convertToolMessage(message, param, route)]);
        break;
    }
  });
  trimPrefill(turns.at(-1));
  return {
    system: simplifySystem(system),
    messages: turns
      .filter((turn) => turn.blocks.length > 0)
      .map((turn) => ({ role: turn.role, content: simplifyContent(orderToolResultsFirst(turn.blocks)) })),
  };
}

function convertSystemContent(message: ChatMessage, param: string, route: RouteTarget): TextBlock[] {
  const blocks: TextBlock[] = [];
  for (const block of convertUserContent(message, param, route)) {
    if (block.type !== 'text') {
      throw createUnsupportedRequestError('a system message may only hold text', `${param}.content`, route);
    }
    blocks.push(block);
  }
  return blocks;
}

function convertUserContent(message: ChatMessage, param: string, route: RouteTarget): UserContentBlock[] {
  const content = message.content;
  const blocks: UserContentBlock[] =
    typeof content === 'string'
      ? [{ type: 'text', text: content }]
      : Array.isArray(content)
        ? convertContentParts(content, `${param}.content`, route)
        : [];
  applyMessageCacheControl(blocks, message.cache_control);
  return blocks;
}

function convertAssistantMessage(
  message: ChatMessage,
  param: string,
  route: RouteTarget,
  options: ConvertMessagesOptions,
): ContentBlock[] {
  const blocks: ContentBlock[] = options.isThinkingEnabled
    ? convertReasoningDetails(message.reasoning_details)
    : [];
  const content = message.content;
  if (typeof content === 'string') {
    // Anthropic rejects empty text blocks; an assistant turn with only tool calls often has `content: ""`.
    if (content !== '') blocks.push({ type: 'text', text: content });
  } else if (Array.isArray(content)) {
    blocks.push(...convertContentParts(content, `${param}.content`, route));
  }
  message.tool_calls?.forEach((call, position) => {
    blocks.push(convertToolCall(call, `${param}.tool_calls[${position}].function.arguments`, route));
  });
  applyMessageCacheControl(blocks, message.cache_control);
  return blocks;
}

/**
 * Thinking blocks from OpenRouter-style `reasoning_details` a client echoed back: `reasoning.text` entries with a
 * signature and `reasoning.encrypted` ones (redacted thinking). Entries of another vendor's format are skipped:
 * their signatures mean nothing to Anthropic.
 */
function convertReasoningDetails(details: unknown): (ThinkingBlock | RedactedThinkingBlock)[] {
  if (!Array.isArray(details)) return [];
  const blocks: (ThinkingBlock | RedactedThinkingBlock)[] = [];
  for (const detail of details) {
    if (!isRecord(detail) || (detail.format !== undefined && detail.format !== REASONING_FORMAT)) continue;
    if (detail.type === 'reasoning.text' && typeof detail.signature === 'string') {
      const thinking = typeof detail.text === 'string' ? detail.text : '';
      blocks.push({ type: 'thinking', thinking, signature: detail.signature });
    } else if (detail.type === 'reasoning.encrypted' && typeof detail.data === 'string') {
      blocks.push({ type: 'redacted_thinking', data: detail.data });
    }
  }
  return blocks;
}

function convertToolCall(call: ToolCall, param: string, route: RouteTarget): ToolUseBlock {
  return {
    type: 'tool_use',
    id: call.id,
    name: call.function.name,
    input: parseArguments(call, param, route),
  };
}

/** `input` must be an object; empty arguments (a tool without parameters) are `{}`. */
function parseArguments(
  call: ToolCall,
  param: string,
  route: RouteTarget,
): Readonly<Record<string, unknown>> {
  const text = call.function.arguments;
  if (text.trim() === '') return {};
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    input = undefined;
  }
  if (!isRecord(input)) {
    throw createUnsupportedRequestError('tool-call arguments must be a JSON object', param, route);
  }
  return input;
}

function convertToolMessage(message: ChatMessage, param: string, route: RouteTarget): ToolResultBlock {
  const content = message.content;
  const resultContent: ToolResultBlock['content'] = Array.isArray(content)
    ? convertContentParts(content, `${param}.content`, route).map((block) => {
        if (block.type === 'document') {
          throw createUnsupportedRequestError('a tool result may only hold text and images', param, route);
        }
        return block;
      })
    : typeof content === 'string'
      ? content
      : '';
  const block: ToolResultBlock = {
    type: 'tool_result',
    tool_use_id: message.tool_call_id ?? '',
    content: resultContent,
  };
  if (isRecord(message.cache_control)) block.cache_control = message.cache_control;
  return block;
}

/** Anthropic requires a user turn's `tool_result` blocks before its other blocks. */
function orderToolResultsFirst(blocks: ContentBlock[]): ContentBlock[] {
  const firstOther = blocks.findIndex((block) => block.type !== 'tool_result');
  const lastResult = blocks.findLastIndex((block) => block.type === 'tool_result');
  if (firstOther === -1 || lastResult < firstOther) return blocks;
  return [
    ...blocks.filter((block) => block.type === 'tool_result'),
    ...blocks.filter((block) => block.type !== 'tool_result'),
  ];
}

function trimPrefill(turn: { role: 'user' | 'assistant'; blocks: ContentBlock[] } | undefined): void {
  if (turn?.role !== 'assistant') return;
  const last = turn.blocks.at(-1);
  if (last?.type !== 'text') return;
  last.text = last.text.trimEnd();
  if (last.text === '') turn.blocks.pop();
}

function simplifyContent(blocks: ContentBlock[]): string | ContentBlock[] {
  const only = blocks.length === 1 ? blocks[0] : undefined;
  return only?.type === 'text' && only.cache_control === undefined ? only.text : blocks;
}

function simplifySystem(blocks: TextBlock[]): string | TextBlock[] | undefined {
  const nonEmpty = blocks.filter((block) => block.text !== '');
  if (nonEmpty.length === 0) return undefined;
  const only = nonEmpty.length === 1 ? nonEmpty[0] : undefined;
  return only !== undefined && only.cache_control === undefined ? only.text : nonEmpty;
}

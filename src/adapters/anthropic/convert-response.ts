import type { AssistantMessage, ChatResult, ToolCall } from '../../spec/index.js';
import { createInvalidResponseError, type ErrorContext } from '../openai-compatible/error.js';
import { isRecord, stringOrNull } from '../openai-compatible/is-record.js';
import { convertUsage } from './convert-usage.js';
import { convertEmbeddedError, isErrorEnvelope } from './error.js';
import { mapFinishReason } from './map-finish-reason.js';
import { createRedactedDetail, createThinkingDetail, type ReasoningDetail } from './reasoning-details.js';

type MutableMessage = { -readonly [Field in keyof AssistantMessage]: AssistantMessage[Field] };

export interface ConvertResponseOptions {
  /** False when the client asked not to see the reasoning: thinking blocks are then left out. */
  readonly includeReasoning: boolean;
}

/**
 * The ChatResult of an Anthropic Message body (its text): one choice whose message is convertContentBlocks' of
 * `content`, `stop_reason` mapped (raw kept as `nativeFinishReason`), usage from convertUsage. Throws GatewayError
 * `invalid_response` when the body is not a JSON object with a `content` array, and the classified error when it
 * is Anthropic's error envelope.
 */
export function convertResponse(
  text: string,
  context: ErrorContext,
  options: ConvertResponseOptions,
): ChatResult {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw createInvalidResponseError('the body is not JSON', context);
  }
  if (!isRecord(body)) throw createInvalidResponseError('the body is not a JSON object', context);
  if (isErrorEnvelope(body)) throw convertEmbeddedError(body, context);
  if (!Array.isArray(body.content)) throw createInvalidResponseError('the body has no content', context);
  const nativeFinishReason = stringOrNull(body.stop_reason);
  return {
    upstreamId: stringOrNull(body.id),
    upstreamModel: stringOrNull(body.model),
    choices: [
      {
        index: 0,
        message: convertContentBlocks(body.content, options),
        finishReason: mapFinishReason(nativeFinishReason),
        nativeFinishReason: nativeFinishReason === '' ? null : nativeFinishReason,
      },
    ],
    usage: convertUsage(body.usage),
    systemFingerprint: null,
  };
}

/**
 * An assistant message from Anthropic content blocks: `text` blocks joined into `content` (null when there are
 * none); `tool_use` blocks → `tool_calls` (ids kept, `input` serialised as the `arguments` string); `thinking`
 * blocks joined into `reasoning`, and with `redacted_thinking` blocks listed in `reasoning_details` (OpenRouter's
 * shape, signatures kept) so the client can send them back. Other block types (server tools, citations) are
 * skipped.
 */
export function convertContentBlocks(
  blocks: readonly unknown[],
  options: ConvertResponseOptions,
): AssistantMessage {
  let content: string | null = null;
  let reasoning: string | null = null;
  const reasoningDetails: ReasoningDetail[] = [];
  const toolCalls: ToolCall[] = [];
  for (const block of blocks) {
    if (!isRecord(block)) continue;
    switch (block.type) {
      case 'text':
        if (typeof block.text === 'string') content = (content ?? '') + block.text;
        break;
      case 'tool_use':
        if (typeof block.id === 'string' && typeof block.name === 'string') {
          toolCalls.push({
            id: block.id,
            type: 'function',
            function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
          });
        }
        break;
      case 'thinking':
        if (options.includeReasoning && typeof block.thinking === 'string') {
          reasoning = (reasoning ?? '') + block.thinking;
          reasoningDetails.push(
            createThinkingDetail(block.thinking, stringOrNull(block.signature), reasoningDetails.length),
          );
        }
        break;
      case 'redacted_thinking':
        if (options.includeReasoning && typeof block.data === 'string') {
          reasoningDetails.push(createRedactedDetail(block.data, reasoningDetails.length));
        }
        break;
    }
  }
  const message: MutableMessage = { role: 'assistant', content };
  if (reasoning !== null) message.reasoning = reasoning;
  if (reasoningDetails.length > 0) message.reasoning_details = reasoningDetails;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return message;
}

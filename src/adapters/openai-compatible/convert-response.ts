import type { AssistantMessage, ChatChoice, ChatResult } from '../../spec/index.js';
import { convertUsage } from './convert-usage.js';
import { convertEmbeddedError, createInvalidResponseError, type ErrorContext } from './error.js';
import { isRecord, stringOrNull } from './is-record.js';
import { mapFinishReason } from './map-finish-reason.js';
import { flattenContent, normalizeToolCalls } from './normalize-message.js';

type MutableMessage = { -readonly [Field in keyof AssistantMessage]: AssistantMessage[Field] };

/** Message fields some vendors add that clients understand; forwarded when present. */
const PASS_THROUGH_MESSAGE_FIELDS = ['annotations', 'reasoning_details', 'audio', 'images'] as const;

/**
 * The ChatResult of a non-streamed upstream body (its text). Throws GatewayError `invalid_response` when the
 * body is not JSON or holds no choices, and the classified error when it holds an `error` instead.
 */
export function convertResponse(text: string, context: ErrorContext): ChatResult {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw createInvalidResponseError('the body is not JSON', context);
  }
  if (!isRecord(body)) throw createInvalidResponseError('the body is not a JSON object', context);
  if (!Array.isArray(body.choices) || body.choices.length === 0) {
    if (body.error !== undefined && body.error !== null) throw convertEmbeddedError(body, context);
    throw createInvalidResponseError('the body has no choices', context);
  }
  const choices = body.choices.map(convertChoice);
  return {
    upstreamId: stringOrNull(body.id),
    upstreamModel: stringOrNull(body.model),
    choices,
    usage: convertUsage(body.usage) ?? convertUsage(isRecord(body.x_groq) ? body.x_groq.usage : undefined),
    systemFingerprint: stringOrNull(body.system_fingerprint),
  };
}

function convertChoice(raw: unknown, position: number): ChatChoice {
  const choice = isRecord(raw) ? raw : {};
  const index = typeof choice.index === 'number' ? choice.index : position;
  const finishReason = choice.finish_reason;
  const nativeFinishReason = stringOrNull(choice.native_finish_reason) ?? stringOrNull(finishReason);
  const converted: ChatChoice = {
    index,
    message: convertMessage(choice.message, index),
    finishReason: mapFinishReason(finishReason),
    nativeFinishReason: nativeFinishReason === '' ? null : nativeFinishReason,
  };
  return choice.logprobs === undefined || choice.logprobs === null
    ? converted
    : { ...converted, logprobs: choice.logprobs };
}

function convertMessage(raw: unknown, choiceIndex: number): AssistantMessage {
  const message = isRecord(raw) ? raw : {};
  const converted: MutableMessage = { role: 'assistant', content: flattenContent(message.content) };
  const reasoning = stringOrNull(message.reasoning) ?? stringOrNull(message.reasoning_content);
  if (reasoning !== null) converted.reasoning = reasoning;
  const toolCalls = normalizeToolCalls(message.tool_calls, choiceIndex);
  if (toolCalls.length > 0) converted.tool_calls = toolCalls;
  if (typeof message.refusal === 'string') converted.refusal = message.refusal;
  for (const field of PASS_THROUGH_MESSAGE_FIELDS) {
    if (message[field] !== undefined && message[field] !== null) converted[field] = message[field];
  }
  return converted;
}

import type { AssistantMessage, ChatChoice, ChatResult } from '../../spec/index.js';
import { createInvalidResponseError, type ErrorContext } from '../openai-compatible/error.js';
import { isRecord, stringOrNull } from '../openai-compatible/is-record.js';
import { convertParts } from './convert-parts.js';
import { convertUsage } from './convert-usage.js';
import { convertEmbeddedGeminiError } from './error.js';
import { mapFinishReason } from './map-finish-reason.js';

type MutableMessage = { -readonly [Field in keyof AssistantMessage]: AssistantMessage[Field] };

/**
 * The ChatResult of a `generateContent` body (its text): one choice per candidate (convertParts for the
 * message, mapFinishReason for the finish), usage from `usageMetadata`, `responseId` and `modelVersion` as the
 * upstream id and model. A prompt Gemini blocked (`promptFeedback.blockReason`, no candidates) is an answer,
 * not a failure: one empty choice finished with `content_filter`, the block reason as the native reason.
 * Throws GatewayError `invalid_response` when the body is not JSON or holds neither, and the classified error
 * when it holds an `error` instead.
 */
export function convertResponse(text: string, context: ErrorContext): ChatResult {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw createInvalidResponseError('the body is not JSON', context);
  }
  if (!isRecord(body)) throw createInvalidResponseError('the body is not a JSON object', context);
  if (isRecord(body.error)) throw convertEmbeddedGeminiError(body, context);
  const choices = Array.isArray(body.candidates) ? body.candidates.map(convertCandidate) : [];
  if (choices.length === 0) {
    const blockReason = readBlockReason(body);
    if (blockReason === null) throw createInvalidResponseError('the body has no candidates', context);
    choices.push(createBlockedChoice(blockReason));
  }
  return {
    upstreamId: stringOrNull(body.responseId),
    upstreamModel: stringOrNull(body.modelVersion),
    choices,
    usage: convertUsage(body.usageMetadata),
    systemFingerprint: null,
  };
}

/** `promptFeedback.blockReason` when Gemini refused the prompt itself; null otherwise. */
export function readBlockReason(body: Record<string, unknown>): string | null {
  const feedback = body.promptFeedback;
  return isRecord(feedback) ? stringOrNull(feedback.blockReason) : null;
}

/** The answer to a blocked prompt: no content, finished by the content filter. */
export function createBlockedChoice(blockReason: string): ChatChoice {
  return {
    index: 0,
    message: { role: 'assistant', content: null },
    finishReason: 'content_filter',
    nativeFinishReason: blockReason,
  };
}

function convertCandidate(raw: unknown, position: number): ChatChoice {
  const candidate = isRecord(raw) ? raw : {};
  const { content, reasoning, toolCalls } = convertParts(
    isRecord(candidate.content) ? candidate.content.parts : [],
  );
  const message: MutableMessage = { role: 'assistant', content };
  if (reasoning !== null) message.reasoning = reasoning;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    index: typeof candidate.index === 'number' ? candidate.index : position,
    message,
    finishReason: mapFinishReason(candidate.finishReason, toolCalls.length > 0),
    nativeFinishReason: stringOrNull(candidate.finishReason),
  };
}

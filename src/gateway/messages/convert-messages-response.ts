import type { ChatChoice } from '../../spec/index.js';
import type { CompletedChat } from '../chat-service.js';
import { convertMessagesUsage, type MessagesUsage } from './convert-messages-usage.js';
import { mapStopReason, type StopReason } from './map-stop-reason.js';
import { messageIdOf } from './message-id.js';

/** A content block of a Messages API answer. */
export type MessagesContentBlock =
  | { readonly type: 'thinking'; readonly thinking: string; readonly signature: string }
  | { readonly type: 'text'; readonly text: string }
  | {
      readonly type: 'tool_use';
      readonly id: string;
      readonly name: string;
      readonly input: Readonly<Record<string, unknown>>;
    };

/** The non-stream body of `POST /v1/messages`. */
export interface MessagesResponse {
  readonly id: string;
  readonly type: 'message';
  readonly role: 'assistant';
  readonly model: string;
  readonly content: readonly MessagesContentBlock[];
  readonly stop_reason: StopReason;
  readonly stop_sequence: string | null;
  readonly usage: MessagesUsage;
}

/**
 * A tool call's JSON arguments as the `input` object Anthropic clients expect. Arguments that are not a JSON
 * object (empty, cut off by `max_tokens`, malformed) become `{}`: `input` must be an object.
 */
export function parseToolInput(text: string): Readonly<Record<string, unknown>> {
  try {
    const input: unknown = JSON.parse(text);
    return input !== null && typeof input === 'object' && !Array.isArray(input)
      ? (input as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

function contentOf(choice: ChatChoice | undefined): MessagesContentBlock[] {
  if (choice === undefined) return [];
  const { message } = choice;
  const blocks: MessagesContentBlock[] = [];
  if (typeof message.reasoning === 'string' && message.reasoning !== '') {
    // No signature: only Anthropic can sign thinking, and no client can check one made here.
    blocks.push({ type: 'thinking', thinking: message.reasoning, signature: '' });
  }
  const text =
    typeof message.content === 'string' && message.content !== '' ? message.content : message.refusal;
  if (typeof text === 'string' && text !== '') blocks.push({ type: 'text', text });
  for (const call of message.tool_calls ?? []) {
    blocks.push({
      type: 'tool_use',
      id: call.id,
      name: call.function.name,
      input: parseToolInput(call.function.arguments),
    });
  }
  return blocks;
}

/**
 * A served request as the Messages API answer: the first choice's reasoning, text and tool calls as content
 * blocks (in that order), its finish reason as `stop_reason`, usage as Anthropic counts it. The id is the
 * generation id as `msg_...` (`X-Generation-Id` still carries the `gen-...` form); `model` is the public id of
 * the model that served.
 */
export function convertMessagesResponse(
  completed: CompletedChat,
  stopSequences: readonly string[],
): MessagesResponse {
  const choice = completed.result.choices[0];
  const { stopReason, stopSequence } = mapStopReason(
    choice?.finishReason ?? null,
    choice?.nativeFinishReason ?? null,
    (choice?.message.tool_calls?.length ?? 0) > 0,
    stopSequences,
  );
  return {
    id: messageIdOf(completed.identity.id),
    type: 'message',
    role: 'assistant',
    model: completed.identity.model,
    content: contentOf(choice),
    stop_reason: stopReason,
    stop_sequence: stopSequence,
    usage: convertMessagesUsage(completed.usage),
  };
}

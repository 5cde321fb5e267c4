import { randomUUID } from 'node:crypto';
import type { GatewayError } from '../../errors/index.js';
import { serializeAnthropicError } from '../../errors/serialize-anthropic-error.js';
import type { ChatDelta, FinishReason, Usage } from '../../spec/index.js';
import type { ResponseIdentity } from '../serialize-completion.js';
import type { StreamEncoder } from '../stream-events.js';
import { convertMessagesUsage } from './convert-messages-usage.js';
import { mapStopReason } from './map-stop-reason.js';
import { messageIdOf } from './message-id.js';

/** One SSE event of the Messages API: the event name repeats the payload's `type`. */
function event(type: string, payload: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;
}

/** The keep-alive of a started Messages stream (Anthropic's own). */
export const PING_EVENT = event('ping', {});

/** The `error` event: how the Messages API reports a failure once the status went out. */
export function messagesErrorEvent(error: GatewayError): string {
  const { error: detail } = serializeAnthropicError(error);
  return event('error', { error: detail });
}

type BlockKind = 'thinking' | 'text' | 'tool_use';

export interface MessagesStreamOptions {
  /** The prompt's input tokens as known at the start (an estimate; the exact count comes in `message_delta`). */
  readonly inputTokens: number;
  /** The request's stop sequences, to name the one that matched. */
  readonly stopSequences: readonly string[];
}

/**
 * Encodes a stream as Messages API events, in Anthropic's order: `message_start` (empty content, input
 * tokens), then per content block `content_block_start`, its deltas (`thinking_delta`, `text_delta`,
 * `input_json_delta`), `content_block_stop`; at the end `message_delta` (stop reason, usage) and
 * `message_stop`. A block closes when content of another kind (or another tool call) begins. Only choice 0
 * is shown: the Messages API has one answer. After a failure the `error` event is the last event.
 */
export class MessagesStreamEncoder implements StreamEncoder {
  readonly opening: string;
  private openBlock: BlockKind | null = null;
  /** Index of the next content block. */
  private blockCount = 0;
  /** Content block index of each tool call (by its index in the OpenAI deltas). */
  private readonly toolBlocks = new Map<number, number>();
  private finishReason: FinishReason | null = null;
  private nativeFinishReason: string | null = null;
  private failed = false;

  constructor(
    identity: ResponseIdentity,
    private readonly options: MessagesStreamOptions,
  ) {
    this.opening = event('message_start', {
      message: {
        id: messageIdOf(identity.id),
        type: 'message',
        role: 'assistant',
        model: identity.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: options.inputTokens,
          output_tokens: 0,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
      },
    });
  }

  delta(
    index: number,
    delta: ChatDelta,
    finishReason: FinishReason | null,
    nativeFinishReason: string | null,
  ) {
    if (index !== 0) return '';
    let events = '';
    if (typeof delta.reasoning === 'string' && delta.reasoning !== '') {
      events += this.enter('thinking', { type: 'thinking', thinking: '', signature: '' });
      events += this.blockDelta({ type: 'thinking_delta', thinking: delta.reasoning });
    }
    const text = typeof delta.content === 'string' && delta.content !== '' ? delta.content : delta.refusal;
    if (typeof text === 'string' && text !== '') {
      events += this.enter('text', { type: 'text', text: '' });
      events += this.blockDelta({ type: 'text_delta', text });
    }
    for (const fragment of delta.tool_calls ?? []) {
      let blockIndex = this.toolBlocks.get(fragment.index);
      if (blockIndex === undefined) {
        events += this.close();
        blockIndex = this.blockCount;
        this.toolBlocks.set(fragment.index, blockIndex);
        events += this.start('tool_use', {
          type: 'tool_use',
          // Servers that give no id leave the client nothing to answer with: it gets one of ours.
          id: fragment.id ?? `toolu_${randomUUID().replaceAll('-', '')}`,
          name: fragment.function?.name ?? '',
          input: {},
        });
      }
      const partialJson = fragment.function?.arguments;
      if (partialJson !== undefined && partialJson !== '') {
        // Addressed by index: fragments of an earlier call still land in its own block.
        events += event('content_block_delta', {
          index: blockIndex,
          delta: { type: 'input_json_delta', partial_json: partialJson },
        });
      }
    }
    if (finishReason !== null) this.finishReason = finishReason;
    if (nativeFinishReason !== null) this.nativeFinishReason = nativeFinishReason;
    return events;
  }

  error(failure: GatewayError): string {
    this.failed = true;
    return messagesErrorEvent(failure);
  }

  end(usage: Usage): string {
    if (this.failed) return '';
    const { stopReason, stopSequence } = mapStopReason(
      this.finishReason,
      this.nativeFinishReason,
      this.toolBlocks.size > 0,
      this.options.stopSequences,
    );
    return (
      this.close() +
      event('message_delta', {
        delta: { stop_reason: stopReason, stop_sequence: stopSequence },
        usage: convertMessagesUsage(usage),
      }) +
      event('message_stop', {})
    );
  }

  /** Makes a block of `kind` the open one: the open block of another kind is closed first. */
  private enter(kind: BlockKind, contentBlock: Record<string, unknown>): string {
    if (this.openBlock === kind && kind !== 'tool_use') return '';
    return this.close() + this.start(kind, contentBlock);
  }

  private start(kind: BlockKind, contentBlock: Record<string, unknown>): string {
    this.openBlock = kind;
    this.blockCount += 1;
    return event('content_block_start', { index: this.blockCount - 1, content_block: contentBlock });
  }

  private blockDelta(delta: Record<string, unknown>): string {
    return event('content_block_delta', { index: this.blockCount - 1, delta });
  }

  private close(): string {
    if (this.openBlock === null) return '';
    this.openBlock = null;
    return event('content_block_stop', { index: this.blockCount - 1 });
  }
}

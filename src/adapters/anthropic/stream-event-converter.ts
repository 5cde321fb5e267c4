import type { ChatDelta, StreamPart } from '../../spec/index.js';
import { NO_PARTS } from '../../spec/index.js';
import {
  createInterruptedError,
  createInvalidResponseError,
  type ErrorContext,
} from '../openai-compatible/error.js';
import { isRecord, stringOrNull } from '../openai-compatible/is-record.js';
import type { SseEvent } from '../sse-parser.js';
import { convertUsage, mergeUsage } from './convert-usage.js';
import { convertEmbeddedError } from './error.js';
import { mapFinishReason } from './map-finish-reason.js';
import { createRedactedDetail, createThinkingDetail } from './reasoning-details.js';

/** What the converter remembers of one open content block, by the block's `index`. */
type BlockState =
  | { readonly kind: 'tool'; readonly toolIndex: number; hasArguments: boolean }
  | { readonly kind: 'thinking'; text: string; signature: string | null }
  | { readonly kind: 'other' };

/**
 * Turns the events of one Anthropic Messages stream into canonical parts, event by event:
 * - `text_delta` → `content`; `thinking_delta` → `reasoning`; at a thinking block's `content_block_stop`, one
 *   `reasoning_details` entry with the block's whole text and its signature (`signature_delta`), and one per
 *   `redacted_thinking` block (both left out when the client excluded reasoning);
 * - a `tool_use` block start → the first tool-call fragment (`index`, `id`, `type`, `function.name`, empty
 *   `arguments`), each non-empty `input_json_delta` → an `arguments` fragment; a tool call whose input never
 *   streamed gets `{}`. The tool-call index counts `tool_use` blocks, not content blocks;
 * - `message_start` and `message_delta` usage are merged (later counts win); `message_delta` gives the stop reason;
 * - `message_stop` → a last, empty delta with the finish reason, then one `usage` part;
 * - `ping` and unknown events are skipped; an `error` event throws its classified GatewayError.
 */
export class StreamEventConverter {
  /** `message_stop` arrived: the stream is complete. */
  isStopped = false;
  private eventCount = 0;
  private stopReason: string | null = null;
  private readonly usage: Record<string, unknown> = {};
  private readonly blocks = new Map<number, BlockState>();
  private toolCount = 0;
  private reasoningDetailCount = 0;

  constructor(
    private readonly context: ErrorContext,
    private readonly includeReasoning: boolean,
  ) {}

  /** The parts of one event. Throws GatewayError: the event's error, or `invalid_response` for non-JSON data. */
  convert(event: SseEvent): readonly StreamPart[] {
    this.eventCount += 1;
    let payload: unknown;
    try {
      payload = JSON.parse(event.data);
    } catch {
      throw createInvalidResponseError('a stream event is not JSON', this.context);
    }
    if (!isRecord(payload))
      throw createInvalidResponseError('a stream event is not a JSON object', this.context);
    const index = typeof payload.index === 'number' ? payload.index : -1;
    switch (payload.type ?? event.event) {
      case 'content_block_delta':
        return isRecord(payload.delta) ? this.convertBlockDelta(index, payload.delta) : NO_PARTS;
      case 'content_block_start':
        return isRecord(payload.content_block) ? this.startBlock(index, payload.content_block) : NO_PARTS;
      case 'content_block_stop':
        return this.stopBlock(index);
      case 'message_start':
        if (isRecord(payload.message)) mergeUsage(this.usage, payload.message.usage);
        return NO_PARTS;
      case 'message_delta':
        if (isRecord(payload.delta))
          this.stopReason = stringOrNull(payload.delta.stop_reason) ?? this.stopReason;
        mergeUsage(this.usage, payload.usage);
        return NO_PARTS;
      case 'message_stop':
        this.isStopped = true;
        return this.finish();
      case 'error':
        throw convertEmbeddedError(payload, this.context);
      default:
        // `ping`, and event types Anthropic may add (its versioning policy allows new ones).
        return NO_PARTS;
    }
  }

  /**
   * The parts owed when the body ended without `message_stop`: the finish and usage when the stop reason had
   * arrived. Throws `invalid_response` for a stream without events, `interrupted` (retryable) otherwise.
   */
  end(): readonly StreamPart[] {
    if (this.eventCount === 0) throw createInvalidResponseError('the stream carried no events', this.context);
    if (this.stopReason === null) throw createInterruptedError(this.context);
    return this.finish();
  }

  private startBlock(index: number, block: Record<string, unknown>): readonly StreamPart[] {
    switch (block.type) {
      case 'text':
        this.blocks.set(index, { kind: 'other' });
        return typeof block.text === 'string' && block.text !== ''
          ? [delta({ content: block.text })]
          : NO_PARTS;
      case 'thinking': {
        const text = typeof block.thinking === 'string' ? block.thinking : '';
        this.blocks.set(index, { kind: 'thinking', text, signature: stringOrNull(block.signature) });
        return this.includeReasoning && text !== '' ? [delta({ reasoning: text })] : NO_PARTS;
      }
      case 'redacted_thinking':
        this.blocks.set(index, { kind: 'other' });
        if (!this.includeReasoning || typeof block.data !== 'string') return NO_PARTS;
        return [
          delta({ reasoning_details: [createRedactedDetail(block.data, this.reasoningDetailCount++)] }),
        ];
      case 'tool_use':
        return this.startToolUse(index, block);
      default:
        this.blocks.set(index, { kind: 'other' });
        return NO_PARTS;
    }
  }

  private startToolUse(index: number, block: Record<string, unknown>): readonly StreamPart[] {
    const toolIndex = this.toolCount++;
    // Streams start `input` empty and send it as JSON fragments; a proxy may send it whole here instead.
    const input =
      isRecord(block.input) && Object.keys(block.input).length > 0 ? JSON.stringify(block.input) : '';
    this.blocks.set(index, { kind: 'tool', toolIndex, hasArguments: input !== '' });
    const fragment = {
      index: toolIndex,
      id: stringOrNull(block.id) ?? `call_0_${toolIndex}`,
      type: 'function' as const,
      function: { name: stringOrNull(block.name) ?? '', arguments: input },
    };
    return [delta({ tool_calls: [fragment] })];
  }

  private convertBlockDelta(index: number, change: Record<string, unknown>): readonly StreamPart[] {
    const block = this.blocks.get(index);
    switch (change.type) {
      case 'text_delta':
        return typeof change.text === 'string' && change.text !== ''
          ? [delta({ content: change.text })]
          : NO_PARTS;
      case 'input_json_delta': {
        const fragment = change.partial_json;
        if (block?.kind !== 'tool' || typeof fragment !== 'string' || fragment === '') return NO_PARTS;
        block.hasArguments = true;
        return [delta({ tool_calls: [{ index: block.toolIndex, function: { arguments: fragment } }] })];
      }
      case 'thinking_delta': {
        const text = change.thinking;
        if (typeof text !== 'string' || text === '') return NO_PARTS;
        if (block?.kind === 'thinking') block.text += text;
        return this.includeReasoning ? [delta({ reasoning: text })] : NO_PARTS;
      }
      case 'signature_delta':
        if (block?.kind === 'thinking' && typeof change.signature === 'string') {
          block.signature = (block.signature ?? '') + change.signature;
        }
        return NO_PARTS;
      default:
        return NO_PARTS;
    }
  }

  private stopBlock(index: number): readonly StreamPart[] {
    const block = this.blocks.get(index);
    this.blocks.delete(index);
    if (block?.kind === 'tool' && !block.hasArguments) {
      // A tool without parameters streams no input; `{}` keeps the arguments parseable JSON for the client.
      return [delta({ tool_calls: [{ index: block.toolIndex, function: { arguments: '{}' } }] })];
    }
    if (block?.kind === 'thinking' && this.includeReasoning) {
      const detail = createThinkingDetail(block.text, block.signature, this.reasoningDetailCount++);
      return [delta({ reasoning_details: [detail] })];
    }
    return NO_PARTS;
  }

  /** The last delta, carrying the finish reason, then the usage part when the stream reported usage. */
  private finish(): readonly StreamPart[] {
    const parts: StreamPart[] = [
      {
        kind: 'delta',
        index: 0,
        delta: {},
        finishReason: mapFinishReason(this.stopReason) ?? 'stop',
        nativeFinishReason: this.stopReason,
      },
    ];
    const usage = convertUsage(this.usage);
    if (usage !== null) parts.push({ kind: 'usage', usage });
    return parts;
  }
}

function delta(change: ChatDelta): StreamPart {
  return { kind: 'delta', index: 0, delta: change, finishReason: null, nativeFinishReason: null };
}

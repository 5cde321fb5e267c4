import type { CancelSignal, ChatDelta, StreamPart, ToolCallDelta, Usage } from '../../spec/index.js';
import type { ChunkReader } from '../dispatch-request.js';
import {
  convertTransportError,
  createInterruptedError,
  createInvalidResponseError,
  type ErrorContext,
} from '../openai-compatible/error.js';
import { isRecord, stringOrNull } from '../openai-compatible/is-record.js';
import { SseParser, type SseEvent } from '../sse-parser.js';
import { convertParts } from './convert-parts.js';
import { readBlockReason } from './convert-response.js';
import { convertUsage } from './convert-usage.js';
import { convertEmbeddedGeminiError } from './error.js';
import { mapFinishReason } from './map-finish-reason.js';

/** What opening a stream produced: its SSE body, or the chunks of a JSON array (a server that ignored `alt=sse`). */
export type OpenedStream =
  | { readonly kind: 'stream'; readonly body: ChunkReader }
  | { readonly kind: 'chunks'; readonly chunks: readonly unknown[] };

type DeltaPart = Extract<StreamPart, { kind: 'delta' }>;
type MutableDelta = { -readonly [Field in keyof ChatDelta]: ChatDelta[Field] };

/** Per candidate: how many tool calls it has made (their stream indexes), so `STOP` can become `tool_calls`. */
interface CandidateState {
  toolCallCount: number;
}

/**
 * Canonical parts from a `streamGenerateContent?alt=sse` body (opened by `open`), as they arrive. Every event
 * is a whole GenerateContentResponse: per candidate, one `delta` part with its text (`content`), thought text
 * (`reasoning`) and function calls (complete tool-call deltas: id, name and arguments at once, as Gemini sends
 * each call whole), finished on the event that carries `finishReason`. Gemini repeats `usageMetadata` on every
 * event; one `usage` part with the last values comes after the deltas. A blocked prompt
 * (`promptFeedback.blockReason`) yields one empty delta finished with `content_filter`.
 *
 * Throws GatewayError: the error an `{"error":{...}}` event carries (classified by its code); `invalid_response`
 * for a stream without events or with an event that is not a JSON object; `interrupted` (retryable) when the
 * body ends before any finish reason, or breaks; `timeout` when the upstream went silent for `idleMs`. When
 * `signal` aborts, its reason is rethrown as is. The body is destroyed when iteration stops early or fails.
 */
export async function* convertStream(
  open: () => Promise<OpenedStream>,
  context: ErrorContext,
  signal: CancelSignal,
): AsyncGenerator<StreamPart, void, undefined> {
  const converter = new ChunkConverter(context);
  const opened = await open();
  if (opened.kind === 'chunks') {
    for (const chunk of opened.chunks) yield* converter.convert(chunk);
    yield* converter.end();
    return;
  }
  const body = opened.body;
  const parser = new SseParser({ tooLarge: (detail) => createInvalidResponseError(detail, context) });
  let isReleased = false;
  try {
    for (;;) {
      let batch: Buffer[] | null;
      try {
        batch = await body.next();
      } catch (error) {
        isReleased = true;
        throw signal.aborted ? signal.reason : convertTransportError(error, 'body', context);
      }
      if (batch === null) isReleased = true;
      for (const event of batch === null ? parser.end() : parser.pushBatch(batch)) {
        yield* converter.convert(parseEvent(event, context));
      }
      if (batch === null) break;
    }
    yield* converter.end();
  } finally {
    if (!isReleased) body.destroy();
  }
}

/** Converts the chunks of one stream, keeping what spans them: tool-call counts, finish, last usage. */
class ChunkConverter {
  private chunkCount = 0;
  private isFinished = false;
  private usage: Usage | null = null;
  private readonly candidates = new Map<number, CandidateState>();

  constructor(private readonly context: ErrorContext) {}

  /** The delta parts of one chunk (a parsed GenerateContentResponse). */
  *convert(chunk: unknown): Generator<DeltaPart, void, undefined> {
    if (!isRecord(chunk))
      throw createInvalidResponseError('a stream event is not a JSON object', this.context);
    if (isRecord(chunk.error)) throw convertEmbeddedGeminiError(chunk, this.context);
    this.chunkCount += 1;
    this.usage = convertUsage(chunk.usageMetadata) ?? this.usage;
    const candidates = Array.isArray(chunk.candidates) ? chunk.candidates : [];
    if (candidates.length === 0) {
      const blockReason = readBlockReason(chunk);
      if (blockReason !== null) {
        this.isFinished = true;
        yield {
          kind: 'delta',
          index: 0,
          delta: {},
          finishReason: 'content_filter',
          nativeFinishReason: blockReason,
        };
      }
      return;
    }
    for (let position = 0; position < candidates.length; position += 1) {
      const part = this.convertCandidate(candidates[position], position);
      if (part !== null) yield part;
    }
  }

  /** The checks and the usage part at the end of the stream. */
  *end(): Generator<StreamPart, void, undefined> {
    if (this.chunkCount === 0) throw createInvalidResponseError('the stream carried no events', this.context);
    // Gemini ends every complete stream with a finish reason; without one the answer was cut off.
    if (!this.isFinished) throw createInterruptedError(this.context);
    if (this.usage !== null) yield { kind: 'usage', usage: this.usage };
  }

  private convertCandidate(raw: unknown, position: number): DeltaPart | null {
    if (!isRecord(raw)) return null;
    const index = typeof raw.index === 'number' ? raw.index : position;
    let state = this.candidates.get(index);
    if (state === undefined) {
      state = { toolCallCount: 0 };
      this.candidates.set(index, state);
    }
    const { content, reasoning, toolCalls } = convertParts(isRecord(raw.content) ? raw.content.parts : []);
    const delta: MutableDelta = {};
    if (reasoning !== null && reasoning !== '') delta.reasoning = reasoning;
    if (content !== null && content !== '') delta.content = content;
    if (toolCalls.length > 0) {
      const first = state.toolCallCount;
      delta.tool_calls = toolCalls.map((call, offset): ToolCallDelta => ({ index: first + offset, ...call }));
      state.toolCallCount += toolCalls.length;
    }
    const finishReason = mapFinishReason(raw.finishReason, state.toolCallCount > 0);
    if (finishReason !== null) this.isFinished = true;
    if (finishReason === null && Object.keys(delta).length === 0) return null;
    const nativeFinishReason = finishReason === null ? null : stringOrNull(raw.finishReason);
    return { kind: 'delta', index, delta, finishReason, nativeFinishReason };
  }
}

function parseEvent(event: SseEvent, context: ErrorContext): unknown {
  try {
    return JSON.parse(event.data);
  } catch {
    throw createInvalidResponseError('a stream event is not JSON', context);
  }
}

import type { ChatResult, StreamPart, Usage } from '../../spec/index.js';
import type { ChunkReader } from '../dispatch-request.js';
import { SseParser, type SseEvent } from '../sse-parser.js';
import { convertUsage } from './convert-usage.js';
import {
  convertEmbeddedError,
  convertTransportError,
  createInterruptedError,
  createInvalidResponseError,
  type ErrorContext,
} from './error.js';
import { isRecord, stringOrNull } from './is-record.js';
import { mapFinishReason } from './map-finish-reason.js';
import { isEmptyDelta, normalizeDelta } from './normalize-message.js';

/** An upstream response body read in batches (a dispatched response's body). */
export type ResponseBody = ChunkReader;

/** What opening a stream produced: its SSE body, or one completion from a server that ignored `stream`. */
export type OpenedStream =
  | { readonly kind: 'stream'; readonly body: ResponseBody }
  | { readonly kind: 'result'; readonly result: ChatResult };

type DeltaPart = Extract<StreamPart, { kind: 'delta' }>;

const DONE_MARKER = '[DONE]';

/**
 * Canonical parts from an upstream SSE body (opened by `open`), as they arrive: one `delta` part per choice of each chunk
 * (choices with an empty delta and no finish reason are skipped), then one `usage` part with the last usage
 * the stream reported (on a `choices: []` chunk, on the last content chunk, or in Groq's `x_groq`).
 *
 * Throws GatewayError: the error an `error` event carries; `invalid_response` for a stream without data events
 * or with a chunk that is not JSON; `interrupted` (retryable) when the body ends without `[DONE]` and without
 * any finish reason, or breaks; `timeout` when the upstream went silent for `idleMs`. When `signal` aborts,
 * its reason is rethrown as is. The body is destroyed when iteration stops early or fails; after `[DONE]` it
 * is drained in the background so the keep-alive connection returns to its pool.
 */
export async function* convertStream(
  open: () => Promise<OpenedStream>,
  context: ErrorContext,
  signal: AbortSignal,
): AsyncGenerator<StreamPart, void, undefined> {
  // Opening inside the generator keeps one generator between the upstream and the consumer, not two.
  const opened = await open();
  if (opened.kind === 'result') {
    yield* convertResultToParts(opened.result);
    return;
  }
  const body = opened.body;
  const parser = new SseParser();
  const reader = body;
  let dataEventCount = 0;
  let hasFinished = false;
  let usage: Usage | null = null;
  let sawDone = false;
  /** The body ended, failed or is being drained: nothing left to destroy. */
  let isReleased = false;
  try {
    reading: for (;;) {
      let batch: Buffer[] | null;
      try {
        batch = await reader.next();
      } catch (error) {
        isReleased = true;
        throw signal.aborted ? signal.reason : convertTransportError(error, 'body', context);
      }
      if (batch === null) isReleased = true;
      for (const event of batch === null ? parser.end() : parseBatch(parser, batch)) {
        if (event.data === DONE_MARKER) {
          sawDone = true;
          isReleased = true;
          // What follows `[DONE]` (normally just the end of the chunked body) is read without making the
          // consumer wait, so undici can reuse the connection; a body that never ends hits its body timeout.
          reader.discardRest();
          break reading;
        }
        dataEventCount += 1;
        const chunk = parseChunk(event.data, context);
        const chunkUsage = chunk.usage ?? (isRecord(chunk.x_groq) ? chunk.x_groq.usage : undefined);
        if (chunkUsage !== undefined && chunkUsage !== null) usage = convertUsage(chunkUsage) ?? usage;
        if (!Array.isArray(chunk.choices)) continue;
        for (let position = 0; position < chunk.choices.length; position += 1) {
          const part = convertChoice(chunk.choices[position], position);
          if (part === null) continue;
          if (part.finishReason !== null) hasFinished = true;
          yield part;
        }
      }
      if (batch === null) break;
    }
    if (dataEventCount === 0) throw createInvalidResponseError('the stream carried no data events', context);
    // Some servers omit `[DONE]`; a finish reason shows the generation completed anyway.
    if (!sawDone && !hasFinished) throw createInterruptedError(context);
    if (usage !== null) yield { kind: 'usage', usage };
  } finally {
    if (!isReleased) body.destroy();
  }
}

/** The parts a streamed request yields when the upstream answered with one JSON completion instead of SSE. */
export function* convertResultToParts(result: ChatResult): Generator<StreamPart, void, undefined> {
  for (const choice of result.choices) {
    const { tool_calls: toolCalls, ...message } = choice.message;
    yield {
      kind: 'delta',
      index: choice.index,
      delta: {
        ...message,
        ...(toolCalls === undefined
          ? {}
          : { tool_calls: toolCalls.map((call, index) => ({ index, ...call })) }),
      },
      finishReason: choice.finishReason,
      nativeFinishReason: choice.nativeFinishReason,
    };
  }
  if (result.usage !== null) yield { kind: 'usage', usage: result.usage };
}

function parseChunk(data: string, context: ErrorContext): Record<string, unknown> {
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    throw createInvalidResponseError('a stream event is not JSON', context);
  }
  if (!isRecord(chunk)) throw createInvalidResponseError('a stream event is not a JSON object', context);
  // vLLM sends `{"error":{...}}`, older vLLM a bare `{"object":"error",...}`, OpenRouter `error` beside choices.
  if ((chunk.error !== undefined && chunk.error !== null) || chunk.object === 'error') {
    throw convertEmbeddedError(chunk, context);
  }
  return chunk;
}

function convertChoice(raw: unknown, position: number): DeltaPart | null {
  if (!isRecord(raw)) return null;
  const delta = normalizeDelta(isRecord(raw.delta) ? raw.delta : {});
  const finishReason = mapFinishReason(raw.finish_reason);
  if (finishReason === null && isEmptyDelta(delta)) return null;
  const part: DeltaPart = {
    kind: 'delta',
    index: typeof raw.index === 'number' ? raw.index : position,
    delta,
    finishReason,
    nativeFinishReason:
      finishReason === null
        ? null
        : (stringOrNull(raw.native_finish_reason) ?? stringOrNull(raw.finish_reason)),
  };
  return raw.logprobs === undefined || raw.logprobs === null ? part : { ...part, logprobs: raw.logprobs };
}

function parseBatch(parser: SseParser, batch: readonly Buffer[]): SseEvent[] {
  if (batch.length === 1) return parser.push(batch[0] as Buffer);
  const events: SseEvent[] = [];
  for (const chunk of batch) events.push(...parser.push(chunk));
  return events;
}

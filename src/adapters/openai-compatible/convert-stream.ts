import type { CancelSignal, ChatResult, ReadyParts, StreamPart, Usage } from '../../spec/index.js';
import { NO_PARTS } from '../../spec/index.js';
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
import { readFastDelta, readFastUsage } from './fast-chunk.js';
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
export function convertStream(
  open: () => Promise<OpenedStream>,
  context: ErrorContext,
  signal: CancelSignal,
): AsyncIterableIterator<StreamPart> {
  return new StreamConverter(open, context, signal);
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * The iterator behind convertStream. Hand-written rather than an async generator: one upstream read usually
 * completes many events, and their parts are converted together and then served from an array, one already
 * resolved promise each; a generator costs several promise hops per `yield`. Order and errors are as a
 * generator would give them: the parts of the events before a bad one come first, then its error, then the end.
 */
class StreamConverter implements AsyncIterableIterator<StreamPart>, ReadyParts {
  /** Parts converted from the last read, served from `position` on. */
  private parts: StreamPart[] = [];
  private position = 0;
  /** Thrown once `parts` are served: the stream failed while they were being converted. */
  private failure: unknown = null;
  private hasFailure = false;
  /** Nothing more to read: the body ended, `[DONE]` came, or the stream failed. */
  private isExhausted = false;
  /** Iteration is over: every later `next` is done. */
  private isFinished = false;
  /** The read in flight; `return` waits for it, as an async generator's would. */
  private pending: Promise<IteratorResult<StreamPart>> | null = null;
  private isReading = false;
  private body: ResponseBody | null = null;
  /** The body ended, failed or is being drained: nothing left to destroy. */
  private isReleased = false;
  private readonly parser = new SseParser({
    tooLarge: (detail) => createInvalidResponseError(detail, this.context),
  });
  private dataEventCount = 0;
  private hasFinished = false;
  private usage: Usage | null = null;
  private sawDone = false;

  constructor(
    private readonly open: () => Promise<OpenedStream>,
    private readonly context: ErrorContext,
    private readonly signal: CancelSignal,
  ) {}

  [Symbol.asyncIterator](): AsyncIterableIterator<StreamPart> {
    return this;
  }

  next(): Promise<IteratorResult<StreamPart>> {
    // The hot path: a part of the last read, without an async function call.
    if (this.position < this.parts.length) {
      return Promise.resolve({ done: false, value: this.parts[this.position++] as StreamPart });
    }
    if (this.pending !== null) {
      // A caller not waiting for the previous `next`: queued behind it, as a generator would queue it.
      const again = () => this.next();
      return this.pending.then(again, again);
    }
    this.isReading = true;
    const pending = this.advance();
    // An advance that finished without waiting has already cleared `isReading`: nothing to queue behind.
    if (this.isReading) this.pending = pending;
    return pending;
  }

  /** The parts of the last read that `next` would resolve at once, handed over together. */
  takeReady(): readonly StreamPart[] {
    if (this.position >= this.parts.length) return NO_PARTS;
    const ready = this.position === 0 ? this.parts : this.parts.slice(this.position);
    this.parts = [];
    this.position = 0;
    return ready;
  }

  return(): Promise<IteratorResult<StreamPart>> {
    const finish = (): IteratorReturnResult<undefined> => {
      this.finish();
      return DONE;
    };
    return this.pending === null ? Promise.resolve(finish()) : this.pending.then(finish, finish);
  }

  /** Reads until there is a part to serve, an error to throw or nothing left. */
  private async advance(): Promise<IteratorResult<StreamPart>> {
    try {
      while (this.position >= this.parts.length) {
        if (this.hasFailure) {
          this.hasFailure = false;
          throw this.failure;
        }
        if (this.isFinished) return DONE;
        if (this.isExhausted) {
          this.isFinished = true;
          return DONE;
        }
        await this.read();
      }
      return { done: false, value: this.parts[this.position++] as StreamPart };
    } catch (error) {
      this.finish();
      throw error;
    } finally {
      this.isReading = false;
      this.pending = null;
    }
  }

  /** One read: opens the stream first, then converts the events of one batch of the body. */
  private async read(): Promise<void> {
    this.parts = [];
    this.position = 0;
    if (this.body === null) {
      const opened = await this.open();
      if (opened.kind === 'result') {
        this.parts = [...convertResultToParts(opened.result)];
        this.isExhausted = true;
        return;
      }
      this.body = opened.body;
    }
    let batch: Buffer[] | null;
    try {
      batch = await this.body.next();
    } catch (error) {
      this.isReleased = true;
      throw this.signal.aborted ? this.signal.reason : convertTransportError(error, 'body', this.context);
    }
    if (batch === null) this.isReleased = true;
    try {
      this.convertEvents(batch === null ? this.parser.end() : this.parser.pushBatch(batch));
      if (batch === null) this.isExhausted = true;
      if (this.isExhausted) this.convertEnd();
    } catch (error) {
      // Served after the parts converted before it, as a generator would throw it after its earlier yields.
      this.isExhausted = true;
      this.failure = error;
      this.hasFailure = true;
    }
  }

  private convertEvents(events: readonly SseEvent[]): void {
    for (const event of events) {
      const data = event.data;
      if (data === DONE_MARKER) {
        this.sawDone = true;
        this.isExhausted = true;
        this.isReleased = true;
        // What follows `[DONE]` (normally just the end of the chunked body) is read without making the
        // consumer wait, so undici can reuse the connection; a body that never ends hits its body timeout.
        this.body?.discardRest();
        return;
      }
      this.dataEventCount += 1;
      // Nearly every event of a stream is one plain choice or vLLM's closing usage: read without JSON.parse,
      // into what the full path would make of it.
      const fastPart = readFastDelta(data);
      if (fastPart !== undefined) {
        if (fastPart !== null) {
          if (fastPart.finishReason !== null) this.hasFinished = true;
          this.parts.push(fastPart);
        }
        continue;
      }
      const fastUsage = readFastUsage(data);
      if (fastUsage !== undefined) {
        this.usage = fastUsage;
        continue;
      }
      const converted = convertChunk(data, this.context);
      if (converted.usage !== null) this.usage = converted.usage;
      for (const part of converted.parts) {
        if (part.finishReason !== null) this.hasFinished = true;
        this.parts.push(part);
      }
    }
  }

  /** The checks and the usage part at the end of the stream. */
  private convertEnd(): void {
    if (this.dataEventCount === 0)
      throw createInvalidResponseError('the stream carried no data events', this.context);
    // Some servers omit `[DONE]`; a finish reason shows the generation completed anyway.
    if (!this.sawDone && !this.hasFinished) throw createInterruptedError(this.context);
    if (this.usage !== null) this.parts.push({ kind: 'usage', usage: this.usage });
  }

  /** Ends iteration; an upstream body still being read is destroyed. */
  private finish(): void {
    this.isFinished = true;
    this.parts = [];
    this.position = 0;
    this.hasFailure = false;
    if (this.body !== null && !this.isReleased) {
      this.isReleased = true;
      this.body.destroy();
    }
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

/** What one stream event carries: its delta parts, and its usage when it reports any. */
export interface ConvertedChunk {
  readonly parts: DeltaPart[];
  readonly usage: Usage | null;
}

/**
 * The full conversion of one stream event's data (JSON.parse, then each choice): the path for every event
 * readFastDelta and readFastUsage decline. Exported for the test that holds the two paths to the same result.
 * Throws GatewayError: `invalid_response` when the data is not a JSON object, or the error the event carries.
 */
export function convertChunk(data: string, context: ErrorContext): ConvertedChunk {
  const chunk = parseChunk(data, context);
  const chunkUsage = chunk.usage ?? (isRecord(chunk.x_groq) ? chunk.x_groq.usage : undefined);
  const usage = chunkUsage === undefined || chunkUsage === null ? null : convertUsage(chunkUsage);
  const parts: DeltaPart[] = [];
  if (Array.isArray(chunk.choices)) {
    for (let position = 0; position < chunk.choices.length; position += 1) {
      const part = convertChoice(chunk.choices[position], position);
      if (part !== null) parts.push(part);
    }
  }
  return { parts, usage };
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

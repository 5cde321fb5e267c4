import { computeCost } from '../accounting/compute-cost.js';
import { estimateUsage } from '../accounting/estimate-usage.js';
import { GatewayError, toGatewayError } from '../errors/index.js';
import type { CommittedStream } from '../routing/executor.js';
import type { CancelSignal, ChatDelta, ChatMessage, FinishReason, StreamPart, Usage } from '../spec/index.js';
import { takeReadyParts } from '../spec/index.js';
import { servedRecord } from './build-record.js';
import type { RequestFacts, RequestRecord } from './request-record.js';
import type { ResponseIdentity } from './serialize-completion.js';

/**
 * Turns the canonical parts of one committed stream into the SSE text of one wire format (OpenAI chunks,
 * Anthropic events). One encoder per stream; it may keep state between calls (open content blocks, ...).
 */
export interface StreamEncoder {
  /** Written once before the first delta; '' when the format has no preamble. */
  readonly opening: string;
  /** The events of one delta of choice `index` ('' when it carries nothing this format shows). */
  delta(
    index: number,
    delta: ChatDelta,
    finishReason: FinishReason | null,
    nativeFinishReason: string | null,
    logprobs: unknown,
  ): string;
  /** The failure event of a stream that broke after the commit; `end` is still called afterwards. */
  error(failure: GatewayError): string;
  /** The last events once the stream is over (usage, terminator), with the final usage and its cost in USD. */
  end(usage: Usage, costUsd: number): string;
}

/** How a chat-shaped endpoint writes its streams: the encoder plus what is written around it. */
export interface StreamFormat {
  /** Written while the upstream is silent once the stream started (an SSE comment or a ping event). */
  readonly keepAliveEvent: string;
  createEncoder(identity: ResponseIdentity): StreamEncoder;
  /**
   * The whole rest of the body when every route failed after the 200 status went out (a keep-alive before the
   * commit) but before the stream started; `identity` names the request, its model is the requested one.
   */
  failureBody(error: GatewayError, identity: ResponseIdentity): string;
}

export interface StreamEventsInput {
  readonly identity: ResponseIdentity;
  readonly requestedModel: string;
  readonly messages: readonly ChatMessage[];
  readonly committed: CommittedStream;
  readonly signal: CancelSignal;
  readonly startedAt: number;
  readonly now: () => number;
  readonly onRecord: (record: RequestRecord) => void;
  readonly facts: RequestFacts;
}

function collectText(delta: ChatDelta, into: string[]): void {
  if (typeof delta.content === 'string') into.push(delta.content);
  if (typeof delta.reasoning === 'string') into.push(delta.reasoning);
  if (delta.tool_calls === undefined) return;
  for (const call of delta.tool_calls) {
    if (call.function?.name !== undefined) into.push(call.function.name);
    if (call.function?.arguments !== undefined) into.push(call.function.arguments);
  }
}

/** Takes one SSE event; returns a promise only when the caller must wait before the next (backpressure). */
export type WriteEvent = (event: string) => Promise<void> | undefined;

/**
 * Writes the SSE events of a committed stream as the upstream sends them, in the encoder's format: its
 * opening, the deltas (the first gets `role: "assistant"`), the encoder's error event for a failure after the
 * commit, then its end (usage, terminator). Pushed through `write` rather than pulled as an async iterable:
 * one promise hop less per token. The request is recorded exactly once — also when the client goes away (the
 * signal aborts, or `write` throws) — and billed for what was generated.
 */
export async function writeStreamEvents(
  input: StreamEventsInput,
  encoder: StreamEncoder,
  write: WriteEvent,
): Promise<void> {
  const { committed, signal } = input;
  const { route, attempts } = committed;
  let roleSent = false;
  let ttftMs: number | null = null;
  let usage: Usage | null = null;
  let failure: GatewayError | null = null;
  let recorded = false;
  const generated: string[] = [];
  const finishReasons: FinishReason[] = [];
  let nativeFinishReason: string | null = null;
  const record = async (cancelled: boolean) => {
    recorded = true;
    const endedAt = input.now();
    committed.finish(
      { usage, generationMs: ttftMs === null ? null : endedAt - input.startedAt - ttftMs, finishReasons },
      failure,
    );
    const responseText = generated.join('');
    const final = usage ?? (await estimateUsage(input.messages, responseText));
    const costUsd = computeCost(final, route.pricing);
    input.onRecord(
      servedRecord({
        id: input.identity.id,
        requestedModel: input.requestedModel,
        route,
        attempts,
        stream: true,
        usage: final,
        costUsd,
        ttftMs,
        latencyMs: endedAt - input.startedAt,
        failure,
        cancelled,
        facts: input.facts,
        responseText,
        finishReasons,
        nativeFinishReason,
      }),
    );
    return { usage: final, costUsd };
  };
  try {
    if (encoder.opening !== '') await write(encoder.opening);
    // One part's events; a promise only when the socket is full (backpressure).
    const relay = (part: StreamPart): Promise<void> | undefined => {
      if (part.kind === 'usage') {
        usage = part.usage;
        return undefined;
      }
      let delta = part.delta;
      if (!roleSent) {
        roleSent = true;
        if (delta.role === undefined) delta = { role: 'assistant', ...delta };
      }
      collectText(delta, generated);
      ttftMs ??= input.now() - input.startedAt;
      if (part.finishReason !== null) {
        finishReasons.push(part.finishReason);
        if (part.index === 0) nativeFinishReason = part.nativeFinishReason;
      }
      return write(
        encoder.delta(part.index, delta, part.finishReason, part.nativeFinishReason, part.logprobs),
      );
    };
    try {
      const iterator = committed.parts[Symbol.asyncIterator]();
      // As `for await` would: when writing fails (the client left), the iterator is closed, which stops the
      // upstream body; when the iterator itself fails or ends, it is not.
      let isOver = false;
      try {
        for (;;) {
          let next: IteratorResult<StreamPart>;
          try {
            next = await iterator.next();
          } catch (error) {
            isOver = true;
            throw error;
          }
          if (next.done === true) {
            isOver = true;
            break;
          }
          const waiting = relay(next.value);
          if (waiting !== undefined) await waiting;
          // The rest of the same upstream read, without a promise per part.
          for (const part of takeReadyParts(iterator)) {
            const waitingReady = relay(part);
            if (waitingReady !== undefined) await waitingReady;
          }
        }
      } finally {
        if (!isOver) await iterator.return?.();
      }
    } catch (thrown) {
      if (signal.aborted) return;
      const error = toGatewayError(thrown);
      failure = new GatewayError(error.code, `The upstream stream broke after it started: ${error.message}`, {
        metadata: { error_type: error.code, provider_code: error.upstreamReason },
      });
      finishReasons.push('error');
      await write(encoder.error(failure));
    }
    const final = await record(false);
    await write(encoder.end(final.usage, final.costUsd));
  } finally {
    if (!recorded) await record(true);
  }
}

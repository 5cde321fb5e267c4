import { computeCost } from '../accounting/compute-cost.js';
import { estimateUsage } from '../accounting/estimate-usage.js';
import { GatewayError, toGatewayError } from '../errors/index.js';
import type { CommittedStream } from '../routing/executor.js';
import type { ChatMessage, ChatDelta, Usage } from '../spec/index.js';
import { servedRecord } from './build-record.js';
import type { RequestFacts, RequestRecord } from './request-record.js';
import { createChunkWriter, DONE_EVENT } from './serialize-chunk.js';
import type { ResponseIdentity } from './serialize-completion.js';

export interface StreamEventsInput {
  readonly identity: ResponseIdentity;
  readonly requestedModel: string;
  readonly messages: readonly ChatMessage[];
  readonly committed: CommittedStream;
  readonly signal: AbortSignal;
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
 * Writes the SSE events of a committed stream as the upstream sends them: the first delta gets
 * `role: "assistant"`, a failure after the commit becomes an error chunk, then one usage chunk and
 * `[DONE]`. Pushed through `write` rather than pulled as an async iterable: one promise hop less per token.
 * The request is recorded exactly once — also when the client goes away (the signal aborts, or `write`
 * throws) — and billed for what was generated.
 */
export async function writeStreamEvents(input: StreamEventsInput, write: WriteEvent): Promise<void> {
  const { committed, signal } = input;
  const { route, attempts } = committed;
  const writer = createChunkWriter(input.identity);
  let roleSent = false;
  let ttftMs: number | null = null;
  let usage: Usage | null = null;
  let failure: GatewayError | null = null;
  let recorded = false;
  const generated: string[] = [];
  const record = async (cancelled: boolean) => {
    recorded = true;
    const endedAt = input.now();
    committed.finish(
      { usage, generationMs: ttftMs === null ? null : endedAt - input.startedAt - ttftMs },
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
      }),
    );
    return { usage: final, costUsd };
  };
  try {
    try {
      for await (const part of committed.parts) {
        if (part.kind === 'usage') {
          usage = part.usage;
          continue;
        }
        let delta = part.delta;
        if (!roleSent) {
          roleSent = true;
          if (delta.role === undefined) delta = { role: 'assistant', ...delta };
        }
        collectText(delta, generated);
        ttftMs ??= input.now() - input.startedAt;
        const waiting = write(
          writer.delta(part.index, delta, part.finishReason, part.nativeFinishReason, part.logprobs),
        );
        if (waiting !== undefined) await waiting;
      }
    } catch (thrown) {
      if (signal.aborted) return;
      const error = toGatewayError(thrown);
      failure = new GatewayError(error.code, `The upstream stream broke after it started: ${error.message}`, {
        metadata: { error_type: error.code, provider_code: error.upstreamReason },
      });
      await write(writer.error(failure));
    }
    const final = await record(false);
    await write(writer.usage(final.usage, final.costUsd));
    await write(DONE_EVENT);
  } finally {
    if (!recorded) await record(true);
  }
}

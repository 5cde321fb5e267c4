import type { ServerResponse } from 'node:http';
import { buildCompletionBody } from './build-completion-body.js';
import { createChunkFormatter, doneEvent } from './create-chunk-formatter.js';
import { createId } from './create-id.js';
import type { QueueTicket } from './create-request-queue.js';
import { createStreamSteps } from './create-stream-steps.js';
import type { SimulatedCompletion } from './generate-completion.js';
import type { SimulatedChatRequest } from './parse-chat-request.js';
import { sendJson } from './send-json.js';
import type { SimulatorContext } from './simulator-context.js';

/** A validated chat request, its planned answer and how the response should misbehave, if at all. */
export interface GenerationJob {
  request: SimulatedChatRequest;
  completion: SimulatedCompletion;
  /** `context.clock()` when the request arrived; TTFT and e2e latency are measured from it. */
  arrivalMs: number;
  /** Injected fault: end the connection after this many SSE events (non-stream: instead of answering). */
  dropAfterChunks: number | undefined;
}

/**
 * Queues the request, then answers it on vLLM's timeline: first token `ttftMs` after it starts running,
 * one token per `1 / tokensPerSecond` s after that (all at once when 0). Streams send headers at once,
 * as vLLM does, so queueing shows up as a late first event rather than late headers. A client that
 * disconnects is dropped from the queue or stops generating; nothing is written after close.
 */
export function runGeneration(context: SimulatorContext, response: ServerResponse, job: GenerationJob): void {
  const { request, completion } = job;
  const model = request.model;
  const id = createId('chatcmpl-');
  const createdSeconds = Math.floor(Date.now() / 1000);
  const ttftMs = request.ttftMs ?? context.options.ttftMs;
  const tokensPerSecond = request.tokensPerSecond ?? context.options.tokensPerSecond;
  const intervalMs = tokensPerSecond > 0 ? 1000 / tokensPerSecond : 0;
  const formatter = createChunkFormatter(id, createdSeconds, model);
  const steps = createStreamSteps(formatter, completion);
  let state: 'waiting' | 'running' | 'done' = 'waiting';
  let timer: NodeJS.Timeout | undefined;
  let startedAtMs = 0; // wall clock (performance.now) for pacing, independent of the injectable clock
  let stepsDone = 0;
  let eventsWritten = 0;
  let hasWrittenBody = false;

  const settle = (reason: 'stop' | 'length' | 'abort', generatedTokens: number): void => {
    state = 'done';
    if (timer !== undefined) clearTimeout(timer);
    context.pendingCancels.delete(cancel);
    ticket.release();
    context.metrics.addGenerationTokens(generatedTokens);
    context.metrics.recordFinished(reason, (context.clock() - job.arrivalMs) / 1000);
  };
  const complete = (): void => {
    context.counters.completedRequests += 1;
    settle(completion.finishReason === 'length' ? 'length' : 'stop', completion.completionTokens);
  };
  const cancel = (): void => {
    if (state === 'done') return;
    context.counters.cancelledRequests += 1;
    settle('abort', Math.min(stepsDone, completion.completionTokens));
  };
  const drop = (): void => {
    settle('abort', Math.min(stepsDone, completion.completionTokens));
    // end() flushes what node has corked, then the socket closes without the chunked terminator.
    response.socket?.destroySoon();
  };

  /** Writes SSE events (ending the response with the last batch); false when the injected drop hit. */
  const writeEvents = (events: string[], isFinal: boolean): boolean => {
    hasWrittenBody = true;
    if (job.dropAfterChunks === undefined) {
      const text = events.length === 1 ? (events[0] ?? '') : events.join('');
      // One end(text) instead of write + end saves a syscall per stream when tokens come all at once.
      if (isFinal) response.end(text);
      else response.write(text);
      return true;
    }
    for (const event of events) {
      if (eventsWritten >= job.dropAfterChunks) {
        drop();
        return false;
      }
      response.write(event);
      eventsWritten += 1;
    }
    if (isFinal) response.end();
    return true;
  };

  const emitStreamSteps = (): void => {
    timer = undefined;
    const events: string[] = [];
    if (stepsDone === 0) {
      events.push(formatter.role());
      context.metrics.observeTimeToFirstTokenSeconds((context.clock() - job.arrivalMs) / 1000);
    }
    const lastStep = intervalMs === 0 ? steps.count : stepsDone + 1;
    for (; stepsDone < lastStep; stepsDone += 1) {
      const event = steps.render(stepsDone);
      if (event !== '') events.push(event);
    }
    const isFinished = stepsDone === steps.count;
    if (isFinished) {
      if (request.includeUsage)
        events.push(formatter.usage(request.promptTokens, completion.completionTokens));
      events.push(doneEvent);
    }
    if (!writeEvents(events, isFinished)) return;
    if (isFinished) {
      // Completed only after this response ended, so a request admitted next cannot overtake it.
      complete();
      return;
    }
    const dueMs = startedAtMs + ttftMs + stepsDone * intervalMs;
    timer = setTimeout(emitStreamSteps, Math.max(0, dueMs - performance.now()));
  };

  const answerNonStream = (): void => {
    timer = undefined;
    const decodeMs = Math.max(0, steps.count - 1) * intervalMs;
    context.metrics.observeTimeToFirstTokenSeconds(
      Math.max(0, context.clock() - job.arrivalMs - decodeMs) / 1000,
    );
    stepsDone = completion.completionTokens;
    if (job.dropAfterChunks !== undefined) {
      drop();
      return;
    }
    const body = buildCompletionBody(id, createdSeconds, model, completion, request.promptTokens);
    sendJson(response, 200, body);
    complete();
  };

  const start = (): void => {
    state = 'running';
    startedAtMs = performance.now();
    context.metrics.addPromptTokens(request.promptTokens);
    if (request.stream) {
      if (ttftMs === 0) emitStreamSteps();
      else timer = setTimeout(emitStreamSteps, ttftMs);
      return;
    }
    // A non-stream answer is ready when its last token is: ttft + (tokens - 1) intervals.
    const totalMs = ttftMs + Math.max(0, steps.count - 1) * intervalMs;
    if (totalMs === 0) answerNonStream();
    else timer = setTimeout(answerNonStream, totalMs);
  };

  if (request.stream) {
    context.counters.streamRequests += 1;
    response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  }
  const ticket: QueueTicket = context.queue.createTicket(start);
  response.on('close', cancel);
  context.pendingCancels.add(cancel);
  ticket.enqueue();
  // vLLM sends stream headers as soon as it accepts a request; when the first event is not going out
  // right now (queued or ttft > 0), flush them alone, else they travel with the body in one write.
  if (request.stream && !hasWrittenBody) response.flushHeaders();
}

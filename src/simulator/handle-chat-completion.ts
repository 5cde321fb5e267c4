import type { IncomingMessage, ServerResponse } from 'node:http';
import { asRecord } from './as-record.js';
import type { FaultSpec } from './fault-injector.js';
import { generateCompletion } from './generate-completion.js';
import { isChatRefused } from './health-state.js';
import { parseChatRequest } from './parse-chat-request.js';
import { readRequestBody } from './read-request-body.js';
import { runGeneration } from './run-generation.js';
import { sendJson, sendOpenAiError, sendVllmError } from './send-json.js';
import type { SimulatorContext } from './simulator-context.js';

// Looks like the start of a completion, then breaks off: what a crashed or confused proxy returns.
const invalidJsonBody =
  '{"id":"chatcmpl-broken","object":"chat.completion","choices":[{"index":0,"message":{"role":';

/**
 * `POST /v1/chat/completions`: read → record for `/control/stats` → unhealthy with `also_chat` (the
 * health status, before any fault is consumed) → injected fault → validate like vLLM
 * (400, 404) → `errorRate` draw (500) → plan the answer → queue and generate.
 */
export async function handleChatCompletion(
  context: SimulatorContext,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  context.counters.chatRequests += 1;
  const read = await readRequestBody(request);
  if (!read.ok) {
    if (read.reason === 'too_large') answerVllmError(context, response, 413, 'Request body too large.');
    return;
  }
  const arrivalMs = context.clock();
  let body: unknown;
  let isJson = true;
  try {
    body = JSON.parse(read.text);
  } catch {
    body = read.text;
    isJson = false;
  }
  context.lastRequestBody = body;
  context.lastRequestHeaders = request.headers;

  if (isChatRefused(context.health)) {
    const message = `Simulated unhealthy worker (health status ${context.health.status}).`;
    return answerVllmError(context, response, context.health.status, message);
  }

  const fault = context.faults.take();
  if (fault !== undefined) {
    context.counters.faultsInjected += 1;
    if (fault.delay_ms !== undefined && fault.delay_ms > 0) {
      const isStillOpen = await waitUnlessClosed(context, response, fault.delay_ms);
      if (!isStillOpen) return;
    }
    if (answerFault(context, response, fault, body)) return;
  }

  if (!isJson) return answerVllmError(context, response, 400, 'Request body is not valid JSON.');
  const parsed = parseChatRequest(body);
  if (!parsed.ok) return answerVllmError(context, response, 400, parsed.message, parsed.param);
  const chatRequest = parsed.request;
  if (!context.modelNames.has(chatRequest.model)) {
    const message = `The model \`${chatRequest.model}\` does not exist.`;
    return answerVllmError(context, response, 404, message);
  }
  if (context.options.errorRate > 0 && context.errorRandom() < context.options.errorRate) {
    return answerVllmError(context, response, 500, 'Simulated engine failure (errorRate).');
  }
  const completion = generateCompletion(chatRequest, context.options);
  runGeneration(context, response, {
    request: chatRequest,
    completion,
    arrivalMs,
    dropAfterChunks: fault?.drop_after_chunks,
  });
}

function answerVllmError(
  context: SimulatorContext,
  response: ServerResponse,
  status: number,
  message: string,
  param: string | null = null,
): void {
  context.counters.errorResponses += 1;
  sendVllmError(response, status, message, param);
}

/** Applies the answer-replacing part of a fault; returns false when the request should proceed normally. */
function answerFault(
  context: SimulatorContext,
  response: ServerResponse,
  fault: FaultSpec,
  body: unknown,
): boolean {
  if (fault.hang === true) return true; // keep the socket open; close() or the client ends it
  if (fault.status !== undefined) {
    const headers: Record<string, string> = {};
    if (fault.retry_after_s !== undefined) headers['Retry-After'] = String(fault.retry_after_s);
    const message = fault.message ?? `Simulated upstream failure (injected status ${fault.status}).`;
    context.counters.errorResponses += 1;
    sendOpenAiError(response, fault.status, message, headers);
    return true;
  }
  if (fault.invalid_json === true) {
    const isStream = asRecord(body)?.stream === true;
    if (isStream) {
      response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      response.end('data: ' + invalidJsonBody + '\n\n');
    } else {
      sendJson(response, 200, invalidJsonBody);
    }
    return true;
  }
  return false;
}

/** Waits `delayMs` unless the client leaves first (then the timer is cleared); resolves to "still open". */
function waitUnlessClosed(
  context: SimulatorContext,
  response: ServerResponse,
  delayMs: number,
): Promise<boolean> {
  return new Promise((resolve) => {
    const finish = (isOpen: boolean): void => {
      clearTimeout(timer);
      response.off('close', onClose);
      context.pendingCancels.delete(onClose);
      resolve(isOpen);
    };
    const onClose = (): void => finish(false);
    const timer = setTimeout(() => finish(true), delayMs);
    response.on('close', onClose);
    context.pendingCancels.add(onClose);
  });
}

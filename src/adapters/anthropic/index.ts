import type { ChatRequest, ChatResult, RouteTarget, StreamPart } from '../../spec/index.js';
import type { Adapter, AdapterCallOptions, AdapterDependencies } from '../adapter.js';
import type { DispatchedResponse } from '../dispatch-request.js';
import { createInvalidResponseError } from '../openai-compatible/error.js';
import { isRecord, stringOrNull } from '../openai-compatible/is-record.js';
import { readBodyText } from '../read-body.js';
import { convertRequest } from './convert-request.js';
import { convertResponse } from './convert-response.js';
import { convertStream, type OpenedStream } from './convert-stream.js';
import { isReasoningExcluded } from './convert-thinking.js';
import { exhaustedQuotaResetMs } from './rate-limit-headers.js';
import { createAnthropicEndpoint, sendRequest } from './send-request.js';

const MESSAGES_PATH = '/messages';
/** Anthropic pages its model list (20 by default); 1000 is its maximum page. */
const MODELS_PAGE_PATH = '/models?limit=1000';
/** A bound on pagination, should an upstream keep saying `has_more`. */
const MAX_MODEL_PAGES = 10;

/**
 * The adapter for Anthropic's native Messages API (`kind: anthropic`, alias `claude`).
 *
 * `complete` and `stream` POST `{baseUrl}/messages` (convertRequest builds the body) through
 * `dependencies.dispatcherFor(origin)` with `x-api-key`, `anthropic-version: 2023-06-01`, the route's headers
 * and the call's `traceHeaders`; `listModels` GETs `{baseUrl}/models`, following its pages. A successful answer
 * whose `anthropic-ratelimit-*-remaining` is 0 is reported to `onQuotaExhausted`. Every failure is a GatewayError
 * with `upstreamReason`, `isRetryable`, `upstreamStatus` and `retryAfterMs` decided here (error.ts), except an
 * abort, which rethrows the signal's reason.
 */
export function createAnthropicAdapter(route: RouteTarget, dependencies: AdapterDependencies): Adapter {
  const endpoint = createAnthropicEndpoint(route, dependencies);

  function reportExhaustedQuota(response: DispatchedResponse, options: AdapterCallOptions): void {
    if (options.onQuotaExhausted === undefined) return;
    const resetMs = exhaustedQuotaResetMs(response.headers, Date.now());
    if (resetMs !== null) options.onQuotaExhausted(resetMs);
  }

  async function complete(request: ChatRequest, options: AdapterCallOptions): Promise<ChatResult> {
    const body = convertRequest(request, route, { stream: false });
    const response = await sendRequest(endpoint, {
      method: 'POST',
      path: MESSAGES_PATH,
      body,
      traceHeaders: options.traceHeaders,
      signal: options.signal,
      headersTimeoutMs: 0,
    });
    reportExhaustedQuota(response, options);
    const text = await readBodyText(response.body, endpoint, options.signal);
    return convertResponse(text, endpoint, { includeReasoning: !isReasoningExcluded(request) });
  }

  function stream(request: ChatRequest, options: AdapterCallOptions): AsyncIterable<StreamPart> {
    const body = convertRequest(request, route, { stream: true });
    const includeReasoning = !isReasoningExcluded(request);
    const open = async (): Promise<OpenedStream> => {
      const response = await sendRequest(endpoint, {
        method: 'POST',
        path: MESSAGES_PATH,
        body,
        traceHeaders: options.traceHeaders,
        signal: options.signal,
        headersTimeoutMs: endpoint.timeouts.ttftMs,
      });
      reportExhaustedQuota(response, options);
      const contentType = response.headers['content-type'];
      if (typeof contentType === 'string' && contentType.startsWith('application/json')) {
        // A proxy that ignored `stream: true` and sent one message.
        const text = await readBodyText(response.body, endpoint, options.signal);
        return { kind: 'result', result: convertResponse(text, endpoint, { includeReasoning }) };
      }
      return { kind: 'stream', body: response.body };
    };
    return convertStream(open, endpoint, options.signal, { includeReasoning });
  }

  async function listModels(options: AdapterCallOptions): Promise<string[]> {
    const ids: string[] = [];
    let path = MODELS_PAGE_PATH;
    for (let page = 0; page < MAX_MODEL_PAGES; page += 1) {
      const response = await sendRequest(endpoint, {
        method: 'GET',
        path,
        body: null,
        traceHeaders: options.traceHeaders,
        signal: options.signal,
        headersTimeoutMs: endpoint.timeouts.ttftMs,
      });
      const body = parseModelPage(await readBodyText(response.body, endpoint, options.signal));
      for (const model of body.data) if (isRecord(model) && typeof model.id === 'string') ids.push(model.id);
      const lastId = stringOrNull(body.last_id);
      if (body.has_more !== true || lastId === null) break;
      path = `${MODELS_PAGE_PATH}&after_id=${encodeURIComponent(lastId)}`;
    }
    return ids;
  }

  function parseModelPage(text: string): { readonly data: unknown[]; readonly [field: string]: unknown } {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw createInvalidResponseError('the model list is not JSON', endpoint);
    }
    if (!isRecord(body) || !Array.isArray(body.data)) {
      throw createInvalidResponseError('the model list has no `data` array', endpoint);
    }
    return { ...body, data: body.data };
  }

  return { id: route.id, route, complete, stream, listModels };
}

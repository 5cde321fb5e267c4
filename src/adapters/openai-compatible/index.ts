import type { ChatRequest, ChatResult, RouteTarget, StreamPart } from '../../spec/index.js';
import type { Adapter, AdapterCallOptions, AdapterDependencies } from '../adapter.js';
import { convertRequest } from './convert-request.js';
import { convertResponse } from './convert-response.js';
import { convertStream, type OpenedStream } from './convert-stream.js';
import { createInvalidResponseError } from './error.js';
import { isRecord } from './is-record.js';
import { quirksFor } from './quirks.js';
import { readBodyText } from '../read-body.js';
import { createUpstreamEndpoint, sendRequest } from './send-request.js';
import { quotaExhaustedForMs } from '../quota-exhausted.js';
import type { ResponseHeaders } from '../retry-after.js';

export { quirksFor, type OpenAICompatibleQuirks } from './quirks.js';

const CHAT_COMPLETIONS_PATH = '/chat/completions';

function reportExhaustedQuota(headers: ResponseHeaders, options: AdapterCallOptions): void {
  if (options.onQuotaExhausted === undefined) return;
  const resetMs = quotaExhaustedForMs(headers);
  if (resetMs !== null) options.onQuotaExhausted(resetMs);
}
const MODELS_PATH = '/models';

/**
 * The adapter for every OpenAI-compatible upstream (vLLM, SGLang, DeepSeek, Groq, OpenRouter, ...): one
 * implementation, with the route kind's quirks (`quirks.ts`) deciding what the request may carry.
 *
 * `complete` and `stream` POST `{baseUrl}/chat/completions` through `dependencies.dispatcherFor(origin)`;
 * `listModels` GETs `{baseUrl}/models`. Every failure is a GatewayError with `upstreamReason`, `isRetryable`,
 * `upstreamStatus` and `retryAfterMs` decided here, except an abort, which rethrows the signal's reason.
 */
export function createOpenAICompatibleAdapter(
  route: RouteTarget,
  dependencies: AdapterDependencies,
): Adapter {
  const quirks = quirksFor(route.kind);
  const endpoint = createUpstreamEndpoint(route, dependencies);

  /** POSTs a chat completion; `headersTimeoutMs` 0 for non-stream calls (their headers follow the generation). */
  async function postChat(body: string, headersTimeoutMs: number, options: AdapterCallOptions) {
    const response = await sendRequest(
      endpoint,
      'POST',
      CHAT_COMPLETIONS_PATH,
      body,
      options.signal,
      headersTimeoutMs,
      options.traceHeaders,
    );
    reportExhaustedQuota(response.headers, options);
    return response;
  }

  async function complete(request: ChatRequest, options: AdapterCallOptions): Promise<ChatResult> {
    const body = convertRequest(request, route, quirks, { stream: false });
    const response = await postChat(body, 0, options);
    return convertResponse(await readBodyText(response.body, endpoint, options.signal), endpoint);
  }

  function stream(request: ChatRequest, options: AdapterCallOptions): AsyncIterable<StreamPart> {
    const body = convertRequest(request, route, quirks, { stream: true });
    const open = async (): Promise<OpenedStream> => {
      const response = await postChat(body, endpoint.timeouts.ttftMs, options);
      const contentType = response.headers['content-type'];
      if (typeof contentType === 'string' && contentType.startsWith('application/json')) {
        // The server ignored `stream: true` (some OpenAI-compatible servers do) and sent one completion.
        const text = await readBodyText(response.body, endpoint, options.signal);
        return { kind: 'result', result: convertResponse(text, endpoint) };
      }
      return { kind: 'stream', body: response.body };
    };
    return convertStream(open, endpoint, options.signal);
  }

  async function listModels(options: AdapterCallOptions): Promise<string[]> {
    const response = await sendRequest(endpoint, 'GET', MODELS_PATH, null, options.signal);
    const text = await readBodyText(response.body, endpoint, options.signal);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw createInvalidResponseError('the model list is not JSON', endpoint);
    }
    const models: unknown = isRecord(body) ? body.data : body;
    if (!Array.isArray(models))
      throw createInvalidResponseError('the model list has no `data` array', endpoint);
    return models.flatMap((model: unknown) =>
      isRecord(model) && typeof model.id === 'string' ? [model.id] : [],
    );
  }

  return { id: route.id, route, complete, stream, listModels };
}

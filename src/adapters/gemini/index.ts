import type { ChatRequest, ChatResult, RouteTarget, StreamPart } from '../../spec/index.js';
import type { Adapter, AdapterCallOptions, AdapterDependencies } from '../adapter.js';
import { createInvalidResponseError } from '../openai-compatible/error.js';
import { isRecord } from '../openai-compatible/is-record.js';
import { quotaExhaustedForMs } from '../quota-exhausted.js';
import type { ResponseHeaders } from '../retry-after.js';
import { convertRequest } from './convert-request.js';
import { convertResponse } from './convert-response.js';
import { convertStream, type OpenedStream } from './convert-stream.js';
import { readBodyText } from '../read-body.js';
import { createGeminiEndpoint, sendGeminiRequest, type GeminiEndpoint } from './send-request.js';

/** Largest page `models.list` serves; a handful of pages covers Google's whole catalogue. */
const MODELS_PAGE_SIZE = '1000';
const MAX_MODEL_PAGES = 20;
const MODEL_NAME_PREFIX = 'models/';

/**
 * The native Gemini adapter (`kind: gemini`, Google AI Studio's v1beta REST API, default base URL
 * `https://generativelanguage.googleapis.com/v1beta`).
 *
 * `complete` POSTs `{baseUrl}/models/{providerModelId}:generateContent`, `stream` POSTs
 * `{baseUrl}/models/{providerModelId}:streamGenerateContent?alt=sse`, `listModels` GETs `{baseUrl}/models`
 * (every page), all through `dependencies.dispatcherFor(origin)`. The key goes in `x-goog-api-key`, never in
 * the URL; `options.traceHeaders` go with every call. A `providerModelId` that already names its collection
 * (`models/...`, `tunedModels/...`) is used as it is. Every failure is a GatewayError with `upstreamReason`,
 * `isRetryable`, `upstreamStatus` and `retryAfterMs` decided here (error.ts), except an abort, which rethrows
 * the signal's reason. Request conversion errors (a tool result without its call, ...) are `invalid_request`.
 */
export function createGeminiAdapter(route: RouteTarget, dependencies: AdapterDependencies): Adapter {
  const endpoint = createGeminiEndpoint(route, dependencies);
  const modelPath = `/${toModelResource(route.providerModelId)}`;

  async function complete(request: ChatRequest, options: AdapterCallOptions): Promise<ChatResult> {
    const body = convertRequest(request, route);
    const response = await sendGeminiRequest(endpoint, {
      method: 'POST',
      path: `${modelPath}:generateContent`,
      body,
      signal: options.signal,
      extraHeaders: options.traceHeaders,
      // The answer's headers come only after the whole generation: the executor's deadline bounds it.
      headersTimeoutMs: 0,
    });
    reportExhaustedQuota(response.headers, options);
    return convertResponse(await readBodyText(response.body, endpoint, options.signal), endpoint);
  }

  function stream(request: ChatRequest, options: AdapterCallOptions): AsyncIterable<StreamPart> {
    const open = async (): Promise<OpenedStream> => {
      const response = await sendGeminiRequest(endpoint, {
        method: 'POST',
        path: `${modelPath}:streamGenerateContent`,
        query: { alt: 'sse' },
        body: convertRequest(request, route),
        signal: options.signal,
        extraHeaders: options.traceHeaders,
        headersTimeoutMs: endpoint.timeouts.ttftMs,
      });
      reportExhaustedQuota(response.headers, options);
      const contentType = response.headers['content-type'];
      if (typeof contentType === 'string' && contentType.startsWith('application/json')) {
        // Without `alt=sse` (a proxy that dropped the query), Gemini streams one JSON array of responses.
        return {
          kind: 'chunks',
          chunks: parseJsonChunks(await readBodyText(response.body, endpoint, options.signal), endpoint),
        };
      }
      return { kind: 'stream', body: response.body };
    };
    return convertStream(open, endpoint, options.signal);
  }

  async function listModels(options: AdapterCallOptions): Promise<string[]> {
    const names: string[] = [];
    let pageToken: string | null = null;
    for (let page = 0; page < MAX_MODEL_PAGES; page += 1) {
      const query: Record<string, string> = { pageSize: MODELS_PAGE_SIZE };
      if (pageToken !== null) query.pageToken = pageToken;
      const body = await getJson(endpoint, '/models', query, options);
      if (!isRecord(body) || (body.models !== undefined && !Array.isArray(body.models))) {
        throw createInvalidResponseError('the model list has no `models` array', endpoint);
      }
      for (const model of Array.isArray(body.models) ? body.models : []) {
        if (isRecord(model) && typeof model.name === 'string') names.push(stripModelPrefix(model.name));
      }
      pageToken =
        typeof body.nextPageToken === 'string' && body.nextPageToken !== '' ? body.nextPageToken : null;
      if (pageToken === null) break;
    }
    return names;
  }

  return { id: route.id, route, complete, stream, listModels };
}

/** `gemini-2.5-flash` → `models/gemini-2.5-flash`; `models/x` and `tunedModels/x` stay as they are. */
function toModelResource(providerModelId: string): string {
  const segments = providerModelId.includes('/') ? providerModelId.split('/') : ['models', providerModelId];
  return segments.map((segment) => encodeURIComponent(segment)).join('/');
}

function stripModelPrefix(name: string): string {
  return name.startsWith(MODEL_NAME_PREFIX) ? name.slice(MODEL_NAME_PREFIX.length) : name;
}

async function getJson(
  endpoint: GeminiEndpoint,
  path: string,
  query: Readonly<Record<string, string>>,
  options: AdapterCallOptions,
): Promise<unknown> {
  const response = await sendGeminiRequest(endpoint, {
    method: 'GET',
    path,
    query,
    body: null,
    signal: options.signal,
    extraHeaders: options.traceHeaders,
    headersTimeoutMs: endpoint.timeouts.ttftMs,
  });
  const text = await readBodyText(response.body, endpoint, options.signal);
  try {
    return JSON.parse(text);
  } catch {
    throw createInvalidResponseError('the model list is not JSON', endpoint);
  }
}

function parseJsonChunks(text: string, endpoint: GeminiEndpoint): unknown[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw createInvalidResponseError('the body is not JSON', endpoint);
  }
  return Array.isArray(body) ? body : [body];
}

function reportExhaustedQuota(headers: ResponseHeaders, options: AdapterCallOptions): void {
  if (options.onQuotaExhausted === undefined) return;
  const resetMs = quotaExhaustedForMs(headers);
  if (resetMs !== null) options.onQuotaExhausted(resetMs);
}

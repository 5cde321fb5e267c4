import { dispatchUpstream } from '../dispatch-upstream.js';
import { authHeadersOf } from '../auth-headers.js';
import type { CancelSignal, RouteTarget } from '../../spec/index.js';
import type { AdapterDependencies } from '../adapter.js';
import type { DispatchedResponse } from '../dispatch-request.js';
import type { ErrorContext } from '../openai-compatible/error.js';
import { convertGeminiErrorResponse, parseGeminiErrorBody } from './error.js';

/** Everything a call to one Gemini route needs, computed once per adapter. */
export interface GeminiEndpoint extends ErrorContext {
  readonly dependencies: AdapterDependencies;
  /** `https://generativelanguage.googleapis.com`, the key of the connection pool. */
  readonly origin: string;
  /** Path prefix from the base URL, without trailing slash (`/v1beta`). */
  readonly basePath: string;
  /** Query parameters of the base URL, kept on every call. */
  readonly query: URLSearchParams;
  /** The route's headers with the key in `x-goog-api-key` (never in the URL, where it would reach logs). */
  readonly headers: Readonly<Record<string, string>>;
}

/** One call: what to send and how long to wait for the response headers. */
export interface GeminiCall {
  readonly method: 'GET' | 'POST';
  /** Below the base path, e.g. `/models/gemini-2.5-flash:generateContent`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body: string | null;
  readonly signal: CancelSignal;
  /** Per-call headers (the attempt's trace context). */
  readonly extraHeaders?: Readonly<Record<string, string>>;
  /** The TTFT budget for streams; 0 (no limit) for non-stream calls, which answer only once generation ends. */
  readonly headersTimeoutMs: number;
}

/** Parses the route's base URL and prepares its headers (the key only when there is one). */
export function createGeminiEndpoint(route: RouteTarget, dependencies: AdapterDependencies): GeminiEndpoint {
  const url = new URL(route.baseUrl);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...authHeadersOf(route) };
  return {
    route,
    timeouts: dependencies.timeouts,
    dependencies,
    origin: url.origin,
    basePath: url.pathname.replace(/\/+$/, ''),
    query: url.searchParams,
    headers: { ...headers, ...route.headers },
  };
}

/**
 * Sends one request through the origin's pool and resolves at the response headers of a 2xx answer, its body
 * unread. Anything else throws: a non-2xx as the classified GatewayError (convertGeminiErrorResponse, its body
 * read up to 64 KB), a transport failure as a connection or timeout error, an abort as the signal's reason,
 * unchanged. `bodyTimeout` is the idle budget between body chunks.
 */
export async function sendGeminiRequest(
  endpoint: GeminiEndpoint,
  call: GeminiCall,
): Promise<DispatchedResponse> {
  const { signal } = call;
  const query = new URLSearchParams(endpoint.query);
  for (const [name, value] of Object.entries(call.query ?? {})) query.set(name, value);
  const search = query.size === 0 ? '' : `?${query.toString()}`;
  const extraHeaders = call.extraHeaders;
  const headers =
    extraHeaders === undefined || Object.keys(extraHeaders).length === 0
      ? endpoint.headers
      : { ...extraHeaders, ...endpoint.headers };
  return dispatchUpstream(
    endpoint,
    {
      origin: endpoint.origin,
      path: `${endpoint.basePath}${call.path}${search}`,
      method: call.method,
      headers,
      body: call.body,
      headersTimeoutMs: call.headersTimeoutMs,
    },
    signal,
    (status, responseHeaders, text) =>
      convertGeminiErrorResponse(status, responseHeaders, parseGeminiErrorBody(text), endpoint, Date.now()),
  );
}

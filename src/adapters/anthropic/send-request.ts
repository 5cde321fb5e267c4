import { dispatchUpstream } from '../dispatch-upstream.js';
import type { CancelSignal, RouteTarget } from '../../spec/index.js';
import type { AdapterDependencies } from '../adapter.js';
import { authHeadersOf } from '../auth-headers.js';
import type { DispatchedResponse } from '../dispatch-request.js';
import { parseErrorBody } from '../openai-compatible/parse-error-body.js';
import type { UpstreamEndpoint } from '../openai-compatible/send-request.js';
import { convertErrorResponse } from './error.js';

/**
 * Parses the route's base URL (`https://api.anthropic.com/v1`) and prepares the headers every call sends:
 * `x-api-key` (only when the route has a key), `anthropic-version: 2023-06-01`, then the route's own headers
 * (which may add `anthropic-beta` or override the version).
 */
export function createAnthropicEndpoint(
  route: RouteTarget,
  dependencies: AdapterDependencies,
): UpstreamEndpoint {
  const url = new URL(route.baseUrl);
  const headers: Record<string, string> = authHeadersOf(route);
  return {
    route,
    timeouts: dependencies.timeouts,
    dependencies,
    origin: url.origin,
    basePath: url.pathname.replace(/\/+$/, ''),
    query: url.search,
    headers: { ...headers, ...route.headers },
  };
}

export interface AnthropicCall {
  readonly method: 'GET' | 'POST';
  /** Under the base path, e.g. `/messages`; may carry its own query (`/models?limit=1000`). */
  readonly path: string;
  /** JSON text; sent with `content-type: application/json`. */
  readonly body: string | null;
  /** The call's trace context (`traceparent`, `tracestate`), sent besides the endpoint's headers. */
  readonly traceHeaders: Readonly<Record<string, string>> | undefined;
  readonly signal: CancelSignal;
  /** The TTFT budget for streams; non-stream calls pass 0 (their headers come after the whole generation). */
  readonly headersTimeoutMs: number;
}

/**
 * Sends one call through the origin's pool and resolves at the response headers of a 2xx answer, its body
 * unread. Anything else throws: a non-2xx as the classified GatewayError (its body read up to 64 KB for the
 * message), a transport failure as a connection or timeout error, an abort as the signal's reason, unchanged.
 */
export async function sendRequest(
  endpoint: UpstreamEndpoint,
  call: AnthropicCall,
): Promise<DispatchedResponse> {
  const { signal } = call;
  const headers: Record<string, string> = { ...endpoint.headers, ...call.traceHeaders };
  if (call.body !== null) headers['content-type'] = 'application/json';
  const separator = call.path.includes('?') ? '&' : '?';
  const query = endpoint.query === '' ? '' : `${separator}${endpoint.query.slice(1)}`;
  return dispatchUpstream(
    endpoint,
    {
      origin: endpoint.origin,
      path: `${endpoint.basePath}${call.path}${query}`,
      method: call.method,
      headers,
      body: call.body,
      headersTimeoutMs: call.headersTimeoutMs,
    },
    signal,
    (status, responseHeaders, text) =>
      convertErrorResponse(status, responseHeaders, parseErrorBody(text), endpoint, Date.now()),
  );
}

import { dispatchUpstream } from '../dispatch-upstream.js';
import type { CancelSignal, RouteTarget } from '../../spec/index.js';
import type { AdapterDependencies } from '../adapter.js';
import type { DispatchedResponse } from '../dispatch-request.js';
import { convertErrorResponse, type ErrorContext } from './error.js';
import { parseErrorBody } from './parse-error-body.js';

/** Everything a call to one route needs, computed once per adapter. */
export interface UpstreamEndpoint extends ErrorContext {
  readonly dependencies: AdapterDependencies;
  /** `http://127.0.0.1:8000`, the key of the connection pool. */
  readonly origin: string;
  /** Path prefix from the base URL, without trailing slash (`/v1`). */
  readonly basePath: string;
  /** Query string of the base URL, appended to every path (`?api-version=...`), or empty. */
  readonly query: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Parses the route's base URL and prepares its headers (the API key only when there is one). */
export function createUpstreamEndpoint(
  route: RouteTarget,
  dependencies: AdapterDependencies,
): UpstreamEndpoint {
  const url = new URL(route.baseUrl);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (route.apiKey !== '') headers.authorization = `Bearer ${route.apiKey}`;
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

/**
 * Sends one request through the origin's pool and resolves at the response headers of a 2xx answer, its body
 * unread: it is read from undici's handler callbacks, in batches (no Readable stream per response on the hot
 * path). Anything else throws: a non-2xx as the classified GatewayError (its body read up to 64 KB for the
 * message, then released), a transport failure as a connection or timeout error, an abort as the signal's
 * reason, unchanged. `headersTimeoutMs` is the TTFT budget for streams; a non-stream upstream sends its headers
 * only after the whole generation, so non-stream calls pass 0 and rely on the executor's overall deadline.
 * `bodyTimeout` is the idle budget between body chunks. `extraHeaders` (the attempt's trace context) are sent
 * besides the endpoint's own.
 */
export async function sendRequest(
  endpoint: UpstreamEndpoint,
  method: 'GET' | 'POST',
  path: string,
  body: string | null,
  signal: CancelSignal,
  headersTimeoutMs: number = endpoint.timeouts.ttftMs,
  extraHeaders?: Readonly<Record<string, string>>,
): Promise<DispatchedResponse> {
  return dispatchUpstream(
    endpoint,
    {
      origin: endpoint.origin,
      path: `${endpoint.basePath}${path}${endpoint.query}`,
      method,
      headers: extraHeaders === undefined ? endpoint.headers : { ...endpoint.headers, ...extraHeaders },
      body,
      headersTimeoutMs,
    },
    signal,
    (status, headers, text) =>
      convertErrorResponse(status, headers, parseErrorBody(text), endpoint, Date.now()),
  );
}

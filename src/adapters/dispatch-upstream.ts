import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayError } from '../errors/index.js';
import type { AdapterDependencies } from './adapter.js';
import { dispatchRequest, type DispatchedResponse } from './dispatch-request.js';
import { convertTransportError, type ErrorContext } from './openai-compatible/error.js';
import { readErrorBody } from './read-body.js';
import type { CancelSignal } from '../spec/index.js';

/** One HTTP call to an upstream, whatever its wire protocol. */
export interface UpstreamCall {
  readonly origin: string;
  /** Path and query, e.g. `/v1/chat/completions` or `/v1beta/models/x:streamGenerateContent?alt=sse`. */
  readonly path: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
  /** The TTFT budget for streams; non-stream calls pass 0 (their headers come after the whole generation). */
  readonly headersTimeoutMs: number;
}

/** Turns a non-2xx answer (status, headers, up to 64 KB of its body) into the protocol's classified error. */
export type ConvertErrorResponse = (
  status: number,
  headers: IncomingHttpHeaders,
  text: string,
) => GatewayError;

/**
 * Sends one call through the origin's pool and resolves at the response headers of a 2xx answer, its body
 * unread (read from undici's handler callbacks, in batches). Anything else throws: a non-2xx as
 * `convertError`'s GatewayError (its body read up to 64 KB, then released), a transport failure as a connection
 * or timeout error, an abort as the signal's reason, unchanged. `bodyTimeout` is the idle budget between chunks.
 */
export async function dispatchUpstream(
  context: ErrorContext & { readonly dependencies: AdapterDependencies },
  call: UpstreamCall,
  signal: CancelSignal,
  convertError: ConvertErrorResponse,
): Promise<DispatchedResponse> {
  let response: DispatchedResponse;
  try {
    response = await dispatchRequest(
      context.dependencies.dispatcherFor(call.origin),
      {
        origin: call.origin,
        path: call.path,
        method: call.method,
        headers: call.headers,
        body: call.body,
        headersTimeout: call.headersTimeoutMs,
        bodyTimeout: context.timeouts.idleMs,
      },
      signal,
    );
  } catch (error) {
    throw signal.aborted ? signal.reason : convertTransportError(error, 'connect', context);
  }
  if (response.statusCode >= 200 && response.statusCode < 300) return response;
  const text = await readErrorBody(response.body);
  if (signal.aborted) throw signal.reason;
  throw convertError(response.statusCode, response.headers, text);
}

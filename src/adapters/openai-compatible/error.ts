import { GatewayError } from '../../errors/index.js';
import type { RouteTarget } from '../../spec/index.js';
import type { AdapterTimeouts } from '../adapter.js';
import { parseRetryAfterMs, type ResponseHeaders } from '../retry-after.js';
import { readErrorDetails, type UpstreamErrorDetails } from './parse-error-body.js';

/** What error construction needs to know about the call. */
export interface ErrorContext {
  readonly route: RouteTarget;
  readonly timeouts: AdapterTimeouts;
}

/** Upstream messages quoted to clients are cut here: enough to act on, never a whole body. */
const MESSAGE_LIMIT_CHARACTERS = 300;
const MODEL_NOT_FOUND_PATTERN =
  /\bmodel\b[\s\S]{0,200}?\b(?:not exists?|not found)\b|\bnot a valid model\b|\b(?:unknown|invalid|no such) model\b/i;
/** Codes safe to echo in a message: identifiers, not prose that could hold account details. */
const ERROR_CODE_PATTERN = /^[\w.-]{1,64}$/;
const MODEL_NOT_FOUND_CODES: ReadonlySet<string> = new Set(['model_not_found', 'model_not_available']);
/** Transport failures before any response: the upstream is unreachable, a retry may reach it. */
const CONNECTION_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);
const REQUEST_REJECTED_CODES = {
  400: 'invalid_request',
  413: 'payload_too_large',
  422: 'unprocessable',
} as const;

/**
 * The GatewayError for a non-2xx upstream response (DESIGN.md §5): 429 → `rate_limited` with the wait from the
 * headers; 408/5xx → retryable `server_error` (504 as code `timeout`); 401/402/403 → `auth_error`; 404 or a
 * model-not-found body → `model_not_found`; 400/413/422 → `request_rejected` quoting the upstream message
 * (truncated) and its `param`. Other statuses are unexpected: not retryable, fall back. Only the
 * request-rejected message quotes the upstream, since the client must fix its request; elsewhere the text
 * could carry account details.
 */
export function convertErrorResponse(
  status: number,
  headers: ResponseHeaders,
  details: UpstreamErrorDetails,
  context: ErrorContext,
  nowMs: number,
): GatewayError {
  const { route } = context;
  const options = { upstreamStatus: status, metadata: metadataOf(route) };
  const name = route.providerName;
  if (status === 404 || ((status === 400 || status === 422) && isModelNotFound(details))) {
    return new GatewayError(
      'provider_unavailable',
      `Upstream ${name} does not serve model '${route.providerModelId}' (HTTP ${status}).`,
      {
        ...options,
        upstreamReason: 'model_not_found',
      },
    );
  }
  if (status === 400 || status === 413 || status === 422) {
    const upstreamMessage = details.message === null ? `HTTP ${status}` : truncate(details.message);
    return new GatewayError(
      REQUEST_REJECTED_CODES[status],
      `${name} rejected the request: ${upstreamMessage}`,
      {
        ...options,
        param: details.param,
        upstreamReason: 'request_rejected',
      },
    );
  }
  if (status === 429) {
    return new GatewayError(
      'rate_limit_exceeded',
      `Upstream ${name} is rate limiting the gateway (HTTP 429).`,
      {
        ...options,
        upstreamReason: 'rate_limited',
        retryAfterMs: parseRetryAfterMs(headers, nowMs),
      },
    );
  }
  if (status === 401 || status === 402 || status === 403) {
    // 402: the gateway's account at the provider is out of credit; like bad credentials, an operator must act.
    const problem =
      status === 402
        ? "reports no credit left on the gateway's account"
        : "rejected the gateway's credentials";
    return new GatewayError('provider_unavailable', `Upstream ${name} ${problem} (HTTP ${status}).`, {
      ...options,
      upstreamReason: 'auth_error',
    });
  }
  if (status === 408 || status >= 500) {
    return new GatewayError(
      status === 504 ? 'timeout' : 'provider_unavailable',
      `Upstream ${name} failed with HTTP ${status}.`,
      {
        ...options,
        upstreamReason: 'server_error',
        isRetryable: true,
        retryAfterMs: parseRetryAfterMs(headers, nowMs),
      },
    );
  }
  return new GatewayError(
    'provider_unavailable',
    `Upstream ${name} answered with unexpected HTTP ${status}.`,
    {
      ...options,
      upstreamReason: 'server_error',
    },
  );
}

/**
 * The GatewayError for a failure below HTTP: timeouts (`UND_ERR_HEADERS_TIMEOUT`, `UND_ERR_BODY_TIMEOUT`) →
 * code `timeout`; before the response (`phase: 'connect'`) anything else is a `connection_error`, retryable when
 * it is a known network failure; once the body flows (`phase: 'body'`) it is an `interrupted` response.
 * Aborts are not handled here: the caller rethrows the signal's reason.
 */
export function convertTransportError(
  error: unknown,
  phase: 'connect' | 'body',
  context: ErrorContext,
): GatewayError {
  const { route, timeouts } = context;
  const code = errorCodeOf(error);
  const base = { metadata: metadataOf(route), cause: error };
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    const message =
      code === 'UND_ERR_HEADERS_TIMEOUT'
        ? `Upstream ${route.providerName} sent no response within ${timeouts.ttftMs} ms.`
        : `Upstream ${route.providerName} sent nothing for ${timeouts.idleMs} ms.`;
    return new GatewayError('timeout', message, { ...base, upstreamReason: 'timeout', isRetryable: true });
  }
  if (phase === 'body') return createInterruptedError(context, error);
  const isKnown = code !== null && CONNECTION_ERROR_CODES.has(code);
  return new GatewayError(
    'provider_unavailable',
    `Could not reach upstream ${route.providerName} (${code ?? 'network error'}).`,
    {
      ...base,
      upstreamReason: 'connection_error',
      isRetryable: isKnown,
    },
  );
}

/** The response broke after it had started (dropped connection, no end marker): retryable. */
export function createInterruptedError(context: ErrorContext, cause?: unknown): GatewayError {
  const { route } = context;
  return new GatewayError(
    'provider_unavailable',
    `Upstream ${route.providerName} ended the response before it finished.`,
    {
      metadata: metadataOf(route),
      upstreamStatus: 200,
      upstreamReason: 'interrupted',
      isRetryable: true,
      cause,
    },
  );
}

/** A 2xx whose body is not a chat completion (`detail` says what was wrong, for the log and the client). */
export function createInvalidResponseError(detail: string, context: ErrorContext): GatewayError {
  const { route } = context;
  return new GatewayError(
    'provider_unavailable',
    `Upstream ${route.providerName} sent an invalid response: ${detail}.`,
    {
      metadata: metadataOf(route),
      upstreamStatus: 200,
      upstreamReason: 'invalid_response',
    },
  );
}

/**
 * An error reported inside a 2xx body: a stream's `data: {"error":{...}}` event, or a JSON body that holds an
 * error instead of choices. A numeric HTTP-like code is classified like that status; otherwise the response
 * counts as interrupted (retryable).
 */
export function convertEmbeddedError(payload: unknown, context: ErrorContext): GatewayError {
  const details = readErrorDetails(payload);
  if (details.status !== null && details.status >= 400) {
    return convertErrorResponse(details.status, {}, details, context, Date.now());
  }
  const { route } = context;
  const code = details.code !== null && ERROR_CODE_PATTERN.test(details.code) ? ` (${details.code})` : '';
  return new GatewayError(
    'provider_unavailable',
    `Upstream ${route.providerName} reported an error mid-response${code}.`,
    {
      metadata: metadataOf(route),
      upstreamStatus: 200,
      upstreamReason: 'interrupted',
      isRetryable: true,
    },
  );
}

function isModelNotFound(details: UpstreamErrorDetails): boolean {
  if (details.code !== null && MODEL_NOT_FOUND_CODES.has(details.code)) return true;
  return details.message !== null && MODEL_NOT_FOUND_PATTERN.test(details.message);
}

function metadataOf(route: RouteTarget): Readonly<Record<string, unknown>> {
  return { provider: route.provider, route: route.id };
}

function truncate(text: string): string {
  const singleLine = text.trim();
  return singleLine.length <= MESSAGE_LIMIT_CHARACTERS
    ? singleLine
    : `${singleLine.slice(0, MESSAGE_LIMIT_CHARACTERS)}…`;
}

/** `code` of a Node/undici error, also when wrapped (happy-eyeballs AggregateError, `cause`). */
function errorCodeOf(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  if ('code' in error && typeof error.code === 'string') return error.code;
  if (error instanceof AggregateError) return errorCodeOf(error.errors[0]);
  return 'cause' in error ? errorCodeOf(error.cause) : null;
}

import { GatewayError } from '../../errors/index.js';
import { convertErrorResponse, type ErrorContext } from '../openai-compatible/error.js';
import { isRecord, stringOrNull } from '../openai-compatible/is-record.js';
import { parseDurationMs, parseRetryAfterMs, type ResponseHeaders } from '../retry-after.js';

/** What a Google API error body (`{"error":{code,message,status,details}}`) says; null fields were absent. */
export interface GeminiErrorDetails {
  /** Human-readable message (untruncated). */
  readonly message: string | null;
  /** The HTTP status the body names (`code`). */
  readonly code: number | null;
  /** The google.rpc status name: `RESOURCE_EXHAUSTED`, `INVALID_ARGUMENT`, `NOT_FOUND`, ... */
  readonly status: string | null;
  /** `reason` of a `google.rpc.ErrorInfo` detail, such as `API_KEY_INVALID`. */
  readonly reason: string | null;
  /** `retryDelay` of a `google.rpc.RetryInfo` detail (`"7s"`, `"0.5s"`), in ms. */
  readonly retryDelayMs: number | null;
}

const NO_DETAILS: GeminiErrorDetails = {
  message: null,
  code: null,
  status: null,
  reason: null,
  retryDelayMs: null,
};
/** ErrorInfo reasons that blame the gateway's key, although Google answers them with 400 INVALID_ARGUMENT. */
const CREDENTIAL_REASONS: ReadonlySet<string> = new Set(['API_KEY_INVALID', 'API_KEY_EXPIRED']);
/** Status names safe to quote: identifiers, not prose that could hold account details. */
const STATUS_NAME_PATTERN = /^[A-Z_]{1,64}$/;

/**
 * Reads a Google API error body: the object form, or the one-element array some streaming endpoints answer
 * with. Plain text and HTML give no details; the HTTP status still classifies the failure.
 */
export function parseGeminiErrorBody(text: string): GeminiErrorDetails {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return NO_DETAILS;
  }
  return readGeminiError(Array.isArray(body) ? body[0] : body);
}

/** The details of a parsed body or stream event that holds `error`; NO_DETAILS when it does not. */
export function readGeminiError(value: unknown): GeminiErrorDetails {
  const error = isRecord(value) ? value.error : undefined;
  if (!isRecord(error)) return NO_DETAILS;
  let reason: string | null = null;
  let retryDelayMs: number | null = null;
  for (const detail of Array.isArray(error.details) ? error.details : []) {
    if (!isRecord(detail)) continue;
    reason ??= stringOrNull(detail.reason);
    if (typeof detail.retryDelay === 'string') retryDelayMs ??= parseDurationMs(detail.retryDelay);
  }
  return {
    message: stringOrNull(error.message),
    code: typeof error.code === 'number' && Number.isInteger(error.code) ? error.code : null,
    status: stringOrNull(error.status),
    reason,
    retryDelayMs,
  };
}

/**
 * The GatewayError for a non-2xx Gemini response (DESIGN.md §5). Gemini-specific cases first: 429
 * `RESOURCE_EXHAUSTED` → `rate_limited`, waiting the body's `RetryInfo.retryDelay` (else the headers'
 * `Retry-After`); a 400 that blames the key (`API_KEY_INVALID`) or the account (`FAILED_PRECONDITION`: billing
 * or region) → `auth_error`, an operator must act and another route may serve. Everything else is classified as
 * in the OpenAI-compatible adapter: 400 `INVALID_ARGUMENT` → `request_rejected` quoting Google's message
 * (final), 401/403 → `auth_error`, 404 `NOT_FOUND` → `model_not_found`, 408/5xx (`UNAVAILABLE`, `INTERNAL`,
 * `DEADLINE_EXCEEDED`) → retryable `server_error`.
 */
export function convertGeminiErrorResponse(
  httpStatus: number,
  headers: ResponseHeaders,
  details: GeminiErrorDetails,
  context: ErrorContext,
  nowMs: number,
): GatewayError {
  const { route } = context;
  const options = { upstreamStatus: httpStatus, metadata: { provider: route.provider, route: route.id } };
  if (httpStatus === 429) {
    return new GatewayError(
      'rate_limit_exceeded',
      `Upstream ${route.providerName} is rate limiting the gateway (HTTP 429).`,
      {
        ...options,
        upstreamReason: 'rate_limited',
        retryAfterMs: details.retryDelayMs ?? parseRetryAfterMs(headers, nowMs),
      },
    );
  }
  if (httpStatus === 400 && details.reason !== null && CREDENTIAL_REASONS.has(details.reason)) {
    return new GatewayError(
      'provider_unavailable',
      `Upstream ${route.providerName} rejected the gateway's credentials (HTTP 400 ${details.reason}).`,
      { ...options, upstreamReason: 'auth_error' },
    );
  }
  if (httpStatus === 400 && details.status === 'FAILED_PRECONDITION') {
    return new GatewayError(
      'provider_unavailable',
      `Upstream ${route.providerName} refused the gateway's account (HTTP 400 FAILED_PRECONDITION: billing or region).`,
      { ...options, upstreamReason: 'auth_error' },
    );
  }
  return convertErrorResponse(
    httpStatus,
    headers,
    { message: details.message, param: null, code: details.status, status: null },
    context,
    nowMs,
  );
}

/**
 * An error event inside a 2xx stream (`data: {"error":{...}}`): classified like the HTTP status its `code`
 * names (a 500 stays retryable, a 429 keeps its retry delay); without a code the response counts as
 * interrupted (retryable).
 */
export function convertEmbeddedGeminiError(payload: unknown, context: ErrorContext): GatewayError {
  const details = readGeminiError(payload);
  if (details.code !== null && details.code >= 400 && details.code <= 599) {
    return convertGeminiErrorResponse(details.code, {}, details, context, Date.now());
  }
  const { route } = context;
  const status =
    details.status !== null && STATUS_NAME_PATTERN.test(details.status) ? ` (${details.status})` : '';
  return new GatewayError(
    'provider_unavailable',
    `Upstream ${route.providerName} reported an error mid-response${status}.`,
    {
      metadata: { provider: route.provider, route: route.id },
      upstreamStatus: 200,
      upstreamReason: 'interrupted',
      isRetryable: true,
    },
  );
}

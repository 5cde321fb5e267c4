import { GatewayError } from '../../errors/index.js';
import type { RouteTarget } from '../../spec/index.js';
import { convertErrorResponse as convertOpenAIErrorResponse } from '../openai-compatible/error.js';
import type { ErrorContext } from '../openai-compatible/error.js';
import { isRecord } from '../openai-compatible/is-record.js';
import { readErrorDetails, type UpstreamErrorDetails } from '../openai-compatible/parse-error-body.js';
import { parseRetryAfterMs, type ResponseHeaders } from '../retry-after.js';
import { anthropicLimitResetMs } from './rate-limit-headers.js';

/**
 * The HTTP status each Anthropic error `type` comes with (docs: "HTTP errors"). A stream's `error` event carries
 * only the type; classifying it like its status keeps one table for both paths.
 */
const STATUS_OF_ERROR_TYPE: ReadonlyMap<string, number> = new Map([
  ['invalid_request_error', 400],
  ['authentication_error', 401],
  ['billing_error', 402],
  ['permission_error', 403],
  ['not_found_error', 404],
  ['request_too_large', 413],
  ['rate_limit_error', 429],
  ['api_error', 500],
  ['timeout_error', 504],
  ['overloaded_error', 529],
]);

/** Anthropic answers 400 `invalid_request_error` when the account is out of credit: an operator must act. */
const NO_CREDIT_PATTERN = /credit balance is too low/i;

/**
 * The GatewayError for a non-2xx Anthropic response (DESIGN.md §5), `details` read from the
 * `{"type":"error","error":{"type","message"}}` envelope: 400 `invalid_request_error` and 413
 * `request_too_large` → final `request_rejected` quoting the message; 401/403 → `auth_error`, as is a 400 saying
 * the credit balance is too low; 404 `not_found_error` → `model_not_found`; 429 → `rate_limited` with the wait
 * from `retry-after`, else from the exhausted `anthropic-ratelimit-*-reset`; 500 `api_error` and 529
 * `overloaded_error` → retryable `server_error`.
 */
export function convertErrorResponse(
  status: number,
  headers: ResponseHeaders,
  details: UpstreamErrorDetails,
  context: ErrorContext,
  nowMs: number,
): GatewayError {
  const { route } = context;
  if (status === 429) {
    return new GatewayError(
      'rate_limit_exceeded',
      `Upstream ${route.providerName} is rate limiting the gateway (HTTP 429).`,
      {
        upstreamStatus: status,
        metadata: metadataOf(route),
        upstreamReason: 'rate_limited',
        retryAfterMs: parseRetryAfterMs(headers, nowMs) ?? anthropicLimitResetMs(headers, nowMs),
      },
    );
  }
  if (status === 400 && details.message !== null && NO_CREDIT_PATTERN.test(details.message)) {
    return new GatewayError(
      'provider_unavailable',
      `Upstream ${route.providerName} reports no credit left on the gateway's account (HTTP 400).`,
      { upstreamStatus: status, metadata: metadataOf(route), upstreamReason: 'auth_error' },
    );
  }
  return convertOpenAIErrorResponse(status, headers, details, context, nowMs);
}

/**
 * The error an envelope inside a 2xx reports (a stream's `error` event, or a JSON body holding
 * `{"type":"error","error":{"type":"overloaded_error",...}}`), classified like the HTTP status of its type:
 * `overloaded_error` and `api_error` are retryable; an unknown type counts as an interrupted response (retryable).
 */
export function convertEmbeddedError(payload: unknown, context: ErrorContext): GatewayError {
  const details = readErrorDetails(payload);
  const status = details.code === null ? undefined : STATUS_OF_ERROR_TYPE.get(details.code);
  if (status !== undefined) return convertErrorResponse(status, {}, details, context, Date.now());
  const { route } = context;
  return new GatewayError(
    'provider_unavailable',
    `Upstream ${route.providerName} reported an error mid-response.`,
    { metadata: metadataOf(route), upstreamStatus: 200, upstreamReason: 'interrupted', isRetryable: true },
  );
}

/** True for Anthropic's error envelope, `{"type":"error","error":{...}}`. */
export function isErrorEnvelope(value: unknown): boolean {
  return isRecord(value) && value.type === 'error' && isRecord(value.error);
}

/**
 * A chat request this adapter cannot express in Anthropic's format (audio input, a file id, tool-call arguments
 * that are not a JSON object): the request's fault, so final, with `param` naming the field.
 */
export function createUnsupportedRequestError(
  detail: string,
  param: string,
  route: RouteTarget,
): GatewayError {
  return new GatewayError('invalid_request', `${route.providerName} cannot take this request: ${detail}.`, {
    param,
    metadata: metadataOf(route),
    upstreamReason: 'request_rejected',
  });
}

function metadataOf(route: RouteTarget): Readonly<Record<string, unknown>> {
  return { provider: route.provider, route: route.id };
}

import type { ErrorCode } from './error-code.js';
import type { GatewayError } from './gateway-error.js';

/** Anthropic's error kinds (`error.type` of its error envelope). */
export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'timeout_error'
  | 'api_error'
  | 'overloaded_error';

/**
 * The one mapping from the gateway's error codes to Anthropic's error types. The HTTP status stays the
 * gateway's (decided once in `ERROR_STATUS`); the type is the Anthropic kind that status means to its clients,
 * so their SDKs raise the matching exception class (`NotFoundError`, `RateLimitError`, ...).
 */
const ANTHROPIC_ERROR_TYPES: Readonly<Record<ErrorCode, AnthropicErrorType>> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  payment_required: 'billing_error',
  permission_denied: 'permission_error',
  not_found: 'not_found_error',
  method_not_allowed: 'invalid_request_error',
  request_timeout: 'timeout_error',
  payload_too_large: 'request_too_large',
  unprocessable: 'invalid_request_error',
  cancelled: 'api_error',
  rate_limit_exceeded: 'rate_limit_error',
  gateway_overloaded: 'rate_limit_error',
  server: 'api_error',
  provider_unavailable: 'api_error',
  no_route_available: 'overloaded_error',
  timeout: 'timeout_error',
};

/** The Anthropic error type of a gateway error. */
export function anthropicErrorType(error: GatewayError): AnthropicErrorType {
  return ANTHROPIC_ERROR_TYPES[error.code];
}

export interface AnthropicErrorBody {
  readonly type: 'error';
  readonly error: { readonly type: AnthropicErrorType; readonly message: string };
  /** The generation id of the request (Anthropic puts its own request id here). */
  readonly request_id?: string;
}

/**
 * An error in Anthropic's envelope, `{type:"error", error:{type, message}}`, for the `/v1/messages` routes.
 * The field at fault (`param`) is named in the message, which already says it, and not repeated: Anthropic's
 * envelope has no field for it.
 */
export function serializeAnthropicError(error: GatewayError, requestId?: string): AnthropicErrorBody {
  const body = { type: 'error' as const, error: { type: anthropicErrorType(error), message: error.message } };
  return requestId === undefined ? body : { ...body, request_id: requestId };
}

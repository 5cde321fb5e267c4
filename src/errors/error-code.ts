/** The closed set of error kinds the gateway reports; each maps to exactly one HTTP status. */
export const ERROR_STATUS = {
  invalid_request: 400,
  authentication: 401,
  payment_required: 402,
  permission_denied: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  payload_too_large: 413,
  unprocessable: 422,
  /** The client went away before the answer (nginx's 499); nothing is sent, nothing is logged as an error. */
  cancelled: 499,
  rate_limit_exceeded: 429,
  gateway_overloaded: 429,
  server: 500,
  provider_unavailable: 502,
  no_route_available: 503,
  timeout: 504,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export function statusOf(code: ErrorCode): number {
  return ERROR_STATUS[code];
}

import { statusOf, type ErrorCode } from './error-code.js';

/**
 * Why an upstream attempt failed, decided once by the adapter. The executor maps it to retry, fall back or
 * return (DESIGN.md §5); it never looks at status codes itself.
 */
export type UpstreamFailureReason =
  /** 429: cool the route down for `retryAfterMs`, fall back. */
  | 'rate_limited'
  /** 408, 5xx: retryable. */
  | 'server_error'
  /** No response headers / first chunk / next chunk in time: retryable. */
  | 'timeout'
  /** Connection refused, reset, DNS: retryable. */
  | 'connection_error'
  /** 401, 403: our upstream credentials are wrong; fall back, alert. */
  | 'auth_error'
  /** 404 or a model-not-found body: fall back. */
  | 'model_not_found'
  /** 400, 413, 422: the request itself is at fault; return it to the client. */
  | 'request_rejected'
  /** 2xx with an unparseable or empty body: fall back. */
  | 'invalid_response'
  /** The stream broke after it had started (dropped connection, error event). */
  | 'interrupted';

export interface GatewayErrorOptions {
  /** The request field at fault, e.g. `messages[0].role`. */
  readonly param?: string | null;
  /** Extra facts for the client (attempts, reason, ...). Must never hold secrets or raw upstream bodies. */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** True when the same request may succeed on a retry against the same route. */
  readonly isRetryable?: boolean;
  /** HTTP status the upstream answered with, when the error came from one. */
  readonly upstreamStatus?: number | null;
  /** How long the upstream asked us to wait, from `Retry-After` or `x-ratelimit-reset*`. */
  readonly retryAfterMs?: number | null;
  /** Set by adapters on errors that came from an upstream attempt. */
  readonly upstreamReason?: UpstreamFailureReason | null;
  readonly cause?: unknown;
}

/**
 * The one error class of the gateway. Adapters decide `isRetryable`, `upstreamStatus` and `retryAfterMs`
 * once; the executor and the HTTP layer read them and never re-parse upstream responses.
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly param: string | null;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly isRetryable: boolean;
  readonly upstreamStatus: number | null;
  readonly retryAfterMs: number | null;
  readonly upstreamReason: UpstreamFailureReason | null;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = statusOf(code);
    this.param = options.param ?? null;
    this.metadata = options.metadata ?? {};
    this.isRetryable = options.isRetryable ?? false;
    this.upstreamStatus = options.upstreamStatus ?? null;
    this.retryAfterMs = options.retryAfterMs ?? null;
    this.upstreamReason = options.upstreamReason ?? null;
  }

  /** A copy with more metadata (e.g. the attempts list added by the executor). */
  withMetadata(extra: Readonly<Record<string, unknown>>): GatewayError {
    return new GatewayError(this.code, this.message, {
      param: this.param,
      metadata: { ...this.metadata, ...extra },
      isRetryable: this.isRetryable,
      upstreamStatus: this.upstreamStatus,
      retryAfterMs: this.retryAfterMs,
      upstreamReason: this.upstreamReason,
      cause: this.cause,
    });
  }
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError;
}

/**
 * Anything thrown becomes a GatewayError. Unknown errors become a 500 with a generic message: their text
 * may hold internals (paths, keys), so it goes to the log, never to the client.
 */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError('server', 'Internal gateway error; the request id in the logs has the details.', {
    cause: error,
  });
}

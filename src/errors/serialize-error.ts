import type { GatewayError } from './gateway-error.js';

export interface ErrorBody {
  readonly error: {
    readonly code: number;
    readonly type: string;
    readonly message: string;
    readonly param: string | null;
    readonly metadata: Readonly<Record<string, unknown>>;
  };
}

/** The one wire shape of every error (DESIGN.md §4). */
export function serializeError(error: GatewayError): ErrorBody {
  return {
    error: {
      code: error.status,
      type: error.code,
      message: error.message,
      param: error.param,
      metadata: error.metadata,
    },
  };
}

/** Headers an error response carries besides its body (`Retry-After` on every 429 and 503 with a wait). */
export function errorHeaders(error: GatewayError): Record<string, string> {
  if (error.retryAfterMs !== null && (error.status === 429 || error.status === 503)) {
    return { 'retry-after': String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))) };
  }
  if (error.status === 429) return { 'retry-after': '1' };
  return {};
}

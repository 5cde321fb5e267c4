import type { GatewayError } from '../errors/index.js';

/** What the executor does after a failed attempt (DESIGN.md §5). */
export type FailureAction = 'retry' | 'fallback' | 'final';

/**
 * The one outcome table, used for stream and non-stream alike. Errors that did not come from an upstream
 * (no `upstreamReason`) are final: retrying elsewhere cannot fix them.
 */
export function classifyOutcome(error: GatewayError): FailureAction {
  switch (error.upstreamReason) {
    case null:
    case 'request_rejected':
      return 'final';
    case 'rate_limited':
    case 'auth_error':
    case 'model_not_found':
    case 'invalid_response':
      return 'fallback';
    case 'server_error':
    case 'timeout':
    case 'connection_error':
    case 'interrupted':
      return error.isRetryable ? 'retry' : 'fallback';
  }
}

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

interface AttemptLike {
  readonly route?: unknown;
  readonly provider?: unknown;
  readonly outcome?: unknown;
}

/**
 * The `X-Gateway-*` headers of a failed request: how many upstream attempts were made and the route of the
 * last one, so a failure is as traceable as a success without parsing the body.
 */
function attemptHeaders(metadata: Readonly<Record<string, unknown>>): Record<string, string> {
  const attempts = metadata.attempts;
  if (!Array.isArray(attempts)) return {};
  const tried = (attempts as AttemptLike[]).filter((attempt) => attempt.outcome !== 'skipped');
  const headers: Record<string, string> = { 'x-gateway-attempts': String(tried.length) };
  const last = tried.at(-1);
  if (typeof last?.route === 'string') headers['x-gateway-route'] = last.route;
  if (typeof last?.provider === 'string') headers['x-gateway-provider'] = last.provider;
  return headers;
}

/**
 * Headers an error response carries besides its body: `Retry-After` on every 429 and on a 503 with a known
 * wait, and the attempt headers.
 */
export function errorHeaders(error: GatewayError): Record<string, string> {
  const headers = attemptHeaders(error.metadata);
  if (error.retryAfterMs !== null && (error.status === 429 || error.status === 503)) {
    headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
  } else if (error.status === 429) headers['retry-after'] = '1';
  return headers;
}

import type { FastifyInstance } from 'fastify';

/** Headers a browser client may read: the gateway's routing and rate-limit facts. */
const EXPOSED_HEADERS = [
  'x-generation-id',
  'x-gateway-provider',
  'x-gateway-route',
  'x-gateway-model',
  'x-gateway-attempts',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'retry-after',
].join(', ');
const ALLOWED_METHODS = 'GET, POST, PATCH, DELETE, OPTIONS';
/** A request header list as browsers send it: names only, nothing else echoed back. */
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

export interface CorsOptions {
  /** Origins allowed on `/v1` and `/api/v1` (`*` = any); empty = no CORS headers. */
  readonly clientOrigins: readonly string[];
  /** Origins allowed everywhere else (admin routes, `/health`, ...); default none. */
  readonly adminOrigins: readonly string[];
}

function allowedOrigin(origins: readonly string[], origin: string): string | null {
  if (origins.includes('*')) return '*';
  return origins.includes(origin) ? origin : null;
}

/**
 * CORS as configured: browsers may call `/v1` and `/api/v1` (the key still decides what they get), admin
 * routes only from listed origins. Preflights are answered here (204). Headers are set on the raw response
 * so streamed answers (written past Fastify) carry them too. Requests without `Origin` cost one property read.
 */
export function registerCors(app: FastifyInstance, options: CorsOptions): void {
  if (options.clientOrigins.length === 0 && options.adminOrigins.length === 0) return;
  app.addHook('onRequest', (request, reply, done) => {
    const origin = request.headers.origin;
    if (origin === undefined) {
      done();
      return;
    }
    const path = request.url;
    const isClient = path.startsWith('/v1/') || path.startsWith('/api/v1/');
    const allowed = allowedOrigin(isClient ? options.clientOrigins : options.adminOrigins, origin);
    const raw = reply.raw;
    raw.setHeader('vary', 'Origin');
    if (allowed !== null) {
      raw.setHeader('access-control-allow-origin', allowed);
      raw.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
    }
    const isPreflight =
      request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
    if (!isPreflight) {
      done();
      return;
    }
    if (allowed !== null) {
      raw.setHeader('access-control-allow-methods', ALLOWED_METHODS);
      const requested = request.headers['access-control-request-headers'];
      if (typeof requested === 'string' && HEADER_LIST.test(requested.trim())) {
        raw.setHeader('access-control-allow-headers', requested.trim());
      }
      raw.setHeader('access-control-max-age', '600');
    }
    // Without an allowed origin the answer carries no CORS headers: the browser refuses the real request.
    void reply.status(204).send();
  });
}

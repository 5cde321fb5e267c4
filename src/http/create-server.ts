import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import { GatewayError, errorHeaders, serializeError } from '../errors/index.js';
import { serializeAnthropicError } from '../errors/serialize-anthropic-error.js';
import { createGenerationId } from '../gateway/generation-id.js';
import { mapFrameworkError } from './map-framework-error.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The error envelope of the route: `anthropic` for the Messages API; the gateway's own by default. */
    readonly errorFormat?: 'anthropic';
  }
}

/** Messages API paths, answered in Anthropic's envelope even when no route matched (`/v1/messages/batches`). */
const ANTHROPIC_PATH = /^\/(?:api\/)?v1\/messages(?:[/?]|$)/;

/** The error body in the shape the request's API speaks: Anthropic's on the Messages API, ours elsewhere. */
function errorBody(request: FastifyRequest, error: GatewayError): unknown {
  const isAnthropic =
    request.routeOptions.config.errorFormat === 'anthropic' || ANTHROPIC_PATH.test(request.url);
  return isAnthropic ? serializeAnthropicError(error, request.id) : serializeError(error);
}

export interface CreateServerOptions {
  readonly logger: Logger;
  readonly bodyLimitBytes: number;
  /** True once shutdown began: new requests get a 503 in the gateway's error shape. */
  readonly isClosing: () => boolean;
  /** `TRUST_PROXY`: whose `X-Forwarded-For` decides `request.ip` (false: the socket peer). */
  readonly trustProxy?: boolean | number | readonly string[];
  /** `MAX_REQUEST_HEADER_BYTES`: larger request headers are refused by Node with 431 (default 16 KiB). */
  readonly maxHeaderBytes?: number;
}

/** Fastify's form of `TRUST_PROXY`: a hop count becomes "trust the first n hops" (what Fastify does with a number). */
function trustProxyOption(setting: CreateServerOptions['trustProxy']) {
  if (typeof setting === 'number') return (_address: string, hop: number) => hop < setting;
  if (Array.isArray(setting)) return [...(setting as readonly string[])];
  return setting === true;
}

/**
 * The Fastify instance with the gateway's cross-cutting rules: request ids are generation ids, every error
 * leaves through one handler in one shape, unknown paths get a 404 in that shape.
 */
export function createServer(options: CreateServerOptions): FastifyInstance {
  const loggerInstance: FastifyBaseLogger = options.logger;
  const app = Fastify({
    loggerInstance,
    // No child logger per request (pino serialises its bindings on every child): the few lines logged per
    // request name their request id themselves.
    childLoggerFactory: (logger) => logger,
    // One line per finished request comes from the chat pipeline; Fastify's own pair per request is noise.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    bodyLimit: options.bodyLimitBytes,
    genReqId: () => createGenerationId(Date.now()),
    // Replaced by the onRequest hook below, which answers in the gateway's own error shape.
    return503OnClosing: false,
    keepAliveTimeout: 72_000,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true },
    trustProxy: trustProxyOption(options.trustProxy),
    http: { maxHeaderSize: options.maxHeaderBytes ?? 16_384 },
  });

  // Bodies are JSON whatever the Content-Type says: `curl -d` sends form encoding, some SDKs text/plain.
  // The default parser keeps its protection against prototype poisoning.
  app.removeContentTypeParser(['text/plain']);
  app.addContentTypeParser('*', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  // A callback hook, not an async one: it runs on every request and has nothing to await.
  app.addHook('onRequest', (_request, reply, done) => {
    if (!options.isClosing()) {
      done();
      return;
    }
    reply.header('connection', 'close');
    done(
      new GatewayError('no_route_available', 'The gateway is shutting down; retry the request.', {
        retryAfterMs: 1000,
        metadata: { reason: 'shutting_down' },
      }),
    );
  });

  app.setErrorHandler((thrown, request, reply) => {
    const error = mapFrameworkError(thrown, options.bodyLimitBytes);
    // A cancelled request (the client went away) is not an error of ours; the reply below goes nowhere.
    if (
      error.code !== 'cancelled' &&
      error.status >= 500 &&
      error.upstreamReason === null &&
      error.code === 'server'
    ) {
      options.logger.error({ err: thrown, request_id: request.id }, 'unhandled error');
    }
    void reply
      .status(error.status)
      .headers(errorHeaders(error))
      .header('x-generation-id', request.id)
      .send(errorBody(request, error));
  });

  app.setNotFoundHandler((request, reply) => {
    const error = new GatewayError(
      'not_found',
      `No endpoint ${request.method} ${request.url.split('?')[0] ?? ''}. GET / lists the endpoints.`,
    );
    void reply.status(error.status).send(errorBody(request, error));
  });

  return app;
}

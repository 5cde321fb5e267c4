import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { GatewayError, errorHeaders, serializeError } from '../errors/index.js';
import { createGenerationId } from '../gateway/generation-id.js';
import { mapFrameworkError } from './map-framework-error.js';

export interface CreateServerOptions {
  readonly logger: Logger;
  readonly bodyLimitBytes: number;
  /** True once shutdown began: new requests get a 503 in the gateway's error shape. */
  readonly isClosing: () => boolean;
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
      .send(serializeError(error));
  });

  app.setNotFoundHandler((request, reply) => {
    const error = new GatewayError(
      'not_found',
      `No endpoint ${request.method} ${request.url.split('?')[0] ?? ''}. GET / lists the endpoints.`,
    );
    void reply.status(error.status).send(serializeError(error));
  });

  return app;
}

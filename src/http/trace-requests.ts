import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GatewayRequestTrace, RequestTracer, TracedOutcome } from '../observability/request-tracer.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's trace when tracing is on and the route is traced, else null. */
    trace: GatewayRequestTrace | null;
  }
}

/** How long a request whose client went away may still deliver its record (a cancelled stream's billing). */
const ABORTED_RECORD_GRACE_MS = 5000;

export interface RequestTracing {
  /** Closes the request's span with its record; called once per finished chat request. */
  onRecord(record: TracedOutcome & { readonly id: string }): void;
}

/**
 * Gives every request on `tracedRoutes` (route patterns such as `/v1/chat/completions`) a trace in
 * `request.trace`, closed by the request's record, or by the response when no record comes (a request
 * rejected before routing). Without a tracer nothing is registered but the null decoration.
 */
export function registerRequestTracing(
  app: FastifyInstance,
  tracer: RequestTracer | null,
  tracedRoutes: ReadonlySet<string>,
): RequestTracing {
  app.decorateRequest('trace', null);
  if (tracer === null) return { onRecord: () => undefined };
  const open = new Map<string, GatewayRequestTrace>();

  const close = (request: FastifyRequest, statusCode: number) => {
    const trace = request.trace;
    if (trace === null) return;
    open.delete(request.id);
    trace.finishResponse(statusCode);
  };

  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url;
    if (route !== undefined && tracedRoutes.has(route)) {
      const trace = tracer.start({ id: request.id, method: request.method, route, headers: request.headers });
      request.trace = trace;
      open.set(request.id, trace);
    }
    done();
  });
  // The record of a cancelled request comes once its upstream call has stopped: wait for it a little.
  const closeLater = (request: FastifyRequest) => {
    if (request.trace !== null) setTimeout(() => close(request, 499), ABORTED_RECORD_GRACE_MS).unref();
  };
  app.addHook('onResponse', (request, reply, done) => {
    if (reply.raw.writableFinished) close(request, reply.statusCode);
    else closeLater(request);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    closeLater(request);
    done();
  });

  return {
    onRecord(record) {
      const trace = open.get(record.id);
      if (trace === undefined) return;
      open.delete(record.id);
      trace.finish(record);
    },
  };
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GatewayMetrics } from '../../observability/gateway-metrics.js';

export interface MetricsRouteOptions {
  readonly metrics: GatewayMetrics;
  /** Applied when `METRICS_REQUIRE_AUTH=true` (the admin key); metrics hold no secrets, but do show traffic. */
  readonly guard: ((request: FastifyRequest) => void) | null;
}

/** `GET /metrics`: Prometheus text exposition of every gateway metric (docs/metrics.md). */
export function registerMetrics(app: FastifyInstance, options: MetricsRouteOptions): void {
  app.get('/metrics', async (request, reply) => {
    options.guard?.(request);
    const text = await options.metrics.render();
    return reply.header('content-type', options.metrics.contentType).send(text);
  });
}

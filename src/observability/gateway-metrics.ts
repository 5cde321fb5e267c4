import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { createClusterRender } from './cluster-metrics.js';

/** What one finished request tells the metrics (the gateway's request record, seen from here). */
export interface RequestObservation {
  readonly requestedModel: string;
  readonly model: string | null;
  readonly provider: string | null;
  readonly route: string | null;
  readonly isLocal: boolean | null;
  readonly stream: boolean;
  readonly status: number;
  readonly errorType: string | null;
  readonly interrupted: boolean;
  readonly cancelled: boolean;
  readonly ttftMs: number | null;
  readonly latencyMs: number;
  readonly usage: { readonly promptTokens: number; readonly completionTokens: number } | null;
  readonly costUsd: number | null;
  readonly attempts: readonly {
    readonly route: string;
    readonly provider: string;
    readonly outcome: string;
    readonly reason: string | null;
  }[];
}

/** Live figures read at scrape time (no bookkeeping on the request path). */
export interface MetricsSources {
  readonly routes: () => readonly {
    readonly route: string;
    readonly circuit: string;
    readonly inFlight: number;
  }[];
  readonly queue: () => { readonly running: number; readonly waiting: number };
  readonly store: () => { readonly kind: string; readonly healthy: boolean };
  readonly requestLog: () => {
    readonly queued: number;
    readonly written: number;
    readonly spilled: number;
    readonly replayed: number;
  } | null;
}

export interface GatewayMetrics {
  readonly contentType: string;
  observe(request: RequestObservation): void;
  /** A request refused by the admission queue (it never reached routing). */
  queueRejected(reason: string): void;
  /** A request admitted after waiting `waitedMs` for a slot (0: a slot was free). */
  queueAdmitted(waitedMs: number): void;
  render(): Promise<string>;
}

const CIRCUIT_VALUE: Record<string, number> = { closed: 0, half_open: 1, open: 2 };
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

function statusClass(status: number): string {
  return status >= 200 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
}

/**
 * Every Prometheus metric of the gateway, named once here (docs/metrics.md lists them). Request figures come
 * from the finished request's record; route, queue, store and request-log figures are read when scraped.
 */
export function createGatewayMetrics(sources: MetricsSources): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gateway_' });
  const requests = new Counter({
    name: 'gateway_requests_total',
    help: 'Finished chat requests by served model, provider, route, status class and stream flag.',
    labelNames: ['model', 'provider', 'route', 'status_class', 'stream'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'gateway_request_duration_seconds',
    help: 'Time from arrival to the last byte, by served model, provider and stream flag.',
    labelNames: ['model', 'provider', 'stream'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const ttft = new Histogram({
    name: 'gateway_time_to_first_token_seconds',
    help: 'Time from arrival to the first token of a stream, by served model and provider.',
    labelNames: ['model', 'provider'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'gateway_tokens_total',
    help: 'Tokens by served model, provider and direction (prompt, completion).',
    labelNames: ['model', 'provider', 'direction'],
    registers: [registry],
  });
  const cost = new Counter({
    name: 'gateway_cost_usd_total',
    help: 'Cost in USD of served requests by model and provider.',
    labelNames: ['model', 'provider'],
    registers: [registry],
  });
  const upstreamErrors = new Counter({
    name: 'gateway_upstream_errors_total',
    help: 'Failed upstream attempts by route, provider and reason (rate_limited, server_error, timeout, ...).',
    labelNames: ['route', 'provider', 'reason'],
    registers: [registry],
  });
  const skipped = new Counter({
    name: 'gateway_routes_skipped_total',
    help: 'Routes left out of an attempt by reason: cooldowns, open circuits, failed health checks, quota limits (rpm_limit, tpm_limit, ...).',
    labelNames: ['route', 'reason'],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'gateway_retries_total',
    help: 'Attempts that repeated a route after it failed.',
    labelNames: ['route'],
    registers: [registry],
  });
  const fallbacks = new Counter({
    name: 'gateway_fallbacks_total',
    help: 'Requests served by another route than the first one tried, by first and serving route.',
    labelNames: ['from', 'to'],
    registers: [registry],
  });
  const decisions = new Counter({
    name: 'gateway_route_decisions_total',
    help: 'Served requests by model and where they were served (local worker or remote API).',
    labelNames: ['model', 'target'],
    registers: [registry],
  });
  const outcomes = new Counter({
    name: 'gateway_request_outcomes_total',
    help: 'Requests that did not end normally: interrupted streams, cancelled by the client, errors by type.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const queueRejections = new Counter({
    name: 'gateway_queue_rejections_total',
    help: 'Requests refused by the admission queue by reason (queue_full, request_queue_timeout).',
    labelNames: ['reason'],
    registers: [registry],
  });
  const queueWait = new Histogram({
    name: 'gateway_queue_wait_seconds',
    help: 'Time admitted requests waited for an admission slot (0 when one was free).',
    buckets: [0, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  new Gauge({
    name: 'gateway_circuit_state',
    // Across `--workers` processes: the worst state any worker sees.
    aggregator: 'max',
    help: 'Circuit breaker state per route: 0 closed, 1 half-open, 2 open.',
    labelNames: ['route'],
    registers: [registry],
    collect() {
      this.reset();
      for (const route of sources.routes())
        this.set({ route: route.route }, CIRCUIT_VALUE[route.circuit] ?? 0);
    },
  });
  new Gauge({
    name: 'gateway_route_in_flight',
    help: 'Upstream attempts running now per route (a stream counts until its end).',
    labelNames: ['route'],
    registers: [registry],
    collect() {
      this.reset();
      for (const route of sources.routes()) this.set({ route: route.route }, route.inFlight);
    },
  });
  new Gauge({
    name: 'gateway_queue_requests',
    help: 'Requests holding an admission slot (running) or waiting for one (waiting).',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const queue = sources.queue();
      this.set({ state: 'running' }, queue.running);
      this.set({ state: 'waiting' }, queue.waiting);
    },
  });
  new Gauge({
    name: 'gateway_state_store_healthy',
    aggregator: 'min',
    help: '1 while the state store (limits, cooldowns) works, 0 while a shared store is unreachable and local limits apply.',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      this.reset();
      const store = sources.store();
      this.set({ kind: store.kind }, store.healthy ? 1 : 0);
    },
  });
  new Gauge({
    name: 'gateway_request_log_rows',
    help: 'Request-log rows by state: queued (waiting for a write), written, spilled (to the local file), replayed.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.reset();
      const stats = sources.requestLog();
      if (stats === null) return;
      for (const state of ['queued', 'written', 'spilled', 'replayed'] as const)
        this.set({ state }, stats[state]);
    },
  });

  return {
    contentType: registry.contentType,
    observe(request) {
      const model = request.model ?? request.requestedModel;
      const provider = request.provider ?? '';
      const stream = String(request.stream);
      requests.inc({
        model,
        provider,
        route: request.route ?? '',
        status_class: statusClass(request.status),
        stream,
      });
      duration.observe({ model, provider, stream }, request.latencyMs / 1000);
      if (request.stream && request.ttftMs !== null) ttft.observe({ model, provider }, request.ttftMs / 1000);
      if (request.usage !== null) {
        tokens.inc({ model, provider, direction: 'prompt' }, request.usage.promptTokens);
        tokens.inc({ model, provider, direction: 'completion' }, request.usage.completionTokens);
      }
      if (request.costUsd !== null && request.costUsd > 0) cost.inc({ model, provider }, request.costUsd);
      if (request.isLocal !== null) decisions.inc({ model, target: request.isLocal ? 'local' : 'remote' });
      if (request.interrupted) outcomes.inc({ outcome: 'interrupted' });
      if (request.cancelled) outcomes.inc({ outcome: 'cancelled' });
      else if (request.errorType !== null && !request.interrupted)
        outcomes.inc({ outcome: request.errorType });
      let previous: string | null = null;
      let first: string | null = null;
      for (const attempt of request.attempts) {
        if (attempt.outcome === 'skipped') {
          skipped.inc({ route: attempt.route, reason: attempt.reason ?? 'unknown' });
          continue;
        }
        first ??= attempt.route;
        if (attempt.route === previous) retries.inc({ route: attempt.route });
        previous = attempt.route;
        if (attempt.outcome === 'failed') {
          upstreamErrors.inc({
            route: attempt.route,
            provider: attempt.provider,
            reason: attempt.reason ?? 'error',
          });
        }
      }
      if (first !== null && request.route !== null && first !== request.route) {
        fallbacks.inc({ from: first, to: request.route });
      }
    },
    queueRejected(reason) {
      queueRejections.inc({ reason });
    },
    queueAdmitted(waitedMs) {
      queueWait.observe(waitedMs / 1000);
    },
    render: createClusterRender(registry) ?? (() => registry.metrics()),
  };
}

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { createClusterRender } from './cluster-metrics.js';
import { createLabelledCounter, createLabelledHistogram } from './labelled-metrics.js';

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

// Constant strings rather than a template per request: the label value is then a Map hit without allocation.
const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'];

function statusClass(status: number): string {
  return (
    (status >= 200 && status < 600 ? STATUS_CLASSES[Math.floor(status / 100) - 2] : undefined) ?? 'other'
  );
}

/**
 * Every Prometheus metric of the gateway, named once here (docs/metrics.md lists them). Request figures come
 * from the finished request's record; route, queue, store and request-log figures are read when scraped.
 */
export function createGatewayMetrics(sources: MetricsSources): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gateway_' });
  // The per-request metrics keep their figures in label-value trees (labelled-metrics.ts): prom-client's
  // labelled inc/observe hashes and validates the labels object each time, ~2% of the gateway's CPU under load.
  const requests = createLabelledCounter({
    name: 'gateway_requests_total',
    help: 'Finished chat requests by served model, provider, route, status class and stream flag.',
    labelNames: ['model', 'provider', 'route', 'status_class', 'stream'],
    registry,
  });
  const duration = createLabelledHistogram({
    name: 'gateway_request_duration_seconds',
    help: 'Time from arrival to the last byte, by served model, provider and stream flag.',
    labelNames: ['model', 'provider', 'stream'],
    buckets: LATENCY_BUCKETS,
    registry,
  });
  const ttft = createLabelledHistogram({
    name: 'gateway_time_to_first_token_seconds',
    help: 'Time from arrival to the first token of a stream, by served model and provider.',
    labelNames: ['model', 'provider'],
    buckets: LATENCY_BUCKETS,
    registry,
  });
  const tokens = createLabelledCounter({
    name: 'gateway_tokens_total',
    help: 'Tokens by served model, provider and direction (prompt, completion).',
    labelNames: ['model', 'provider', 'direction'],
    registry,
  });
  const cost = createLabelledCounter({
    name: 'gateway_cost_usd_total',
    help: 'Cost in USD of served requests by model and provider.',
    labelNames: ['model', 'provider'],
    registry,
  });
  const upstreamErrors = createLabelledCounter({
    name: 'gateway_upstream_errors_total',
    help: 'Failed upstream attempts by route, provider and reason (rate_limited, server_error, timeout, ...).',
    labelNames: ['route', 'provider', 'reason'],
    registry,
  });
  const skipped = createLabelledCounter({
    name: 'gateway_routes_skipped_total',
    help: 'Routes left out of an attempt by reason: cooldowns, open circuits, failed health checks, quota limits (rpm_limit, tpm_limit, ...).',
    labelNames: ['route', 'reason'],
    registry,
  });
  const retries = createLabelledCounter({
    name: 'gateway_retries_total',
    help: 'Attempts that repeated a route after it failed.',
    labelNames: ['route'],
    registry,
  });
  const fallbacks = createLabelledCounter({
    name: 'gateway_fallbacks_total',
    help: 'Requests served by another route than the first one tried, by first and serving route.',
    labelNames: ['from', 'to'],
    registry,
  });
  const decisions = createLabelledCounter({
    name: 'gateway_route_decisions_total',
    help: 'Served requests by model and where they were served (local worker or remote API).',
    labelNames: ['model', 'target'],
    registry,
  });
  const outcomes = createLabelledCounter({
    name: 'gateway_request_outcomes_total',
    help: 'Requests that did not end normally: interrupted streams, cancelled by the client, errors by type.',
    labelNames: ['outcome'],
    registry,
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
      const stream = request.stream ? 'true' : 'false';
      requests.labels(model, provider, request.route ?? '', statusClass(request.status), stream).inc();
      duration.labels(model, provider, stream).observe(request.latencyMs / 1000);
      if (request.stream && request.ttftMs !== null)
        ttft.labels(model, provider).observe(request.ttftMs / 1000);
      if (request.usage !== null) {
        tokens.labels(model, provider, 'prompt').inc(request.usage.promptTokens);
        tokens.labels(model, provider, 'completion').inc(request.usage.completionTokens);
      }
      if (request.costUsd !== null && request.costUsd > 0) cost.labels(model, provider).inc(request.costUsd);
      if (request.isLocal !== null) decisions.labels(model, request.isLocal ? 'local' : 'remote').inc();
      if (request.interrupted) outcomes.labels('interrupted').inc();
      if (request.cancelled) outcomes.labels('cancelled').inc();
      else if (request.errorType !== null && !request.interrupted) outcomes.labels(request.errorType).inc();
      let previous: string | null = null;
      let first: string | null = null;
      for (const attempt of request.attempts) {
        if (attempt.outcome === 'skipped') {
          skipped.labels(attempt.route, attempt.reason ?? 'unknown').inc();
          continue;
        }
        first ??= attempt.route;
        if (attempt.route === previous) retries.labels(attempt.route).inc();
        previous = attempt.route;
        if (attempt.outcome === 'failed') {
          upstreamErrors.labels(attempt.route, attempt.provider, attempt.reason ?? 'error').inc();
        }
      }
      if (first !== null && request.route !== null && first !== request.route) {
        fallbacks.labels(first, request.route).inc();
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

import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { createGatewayMetrics, type RequestObservation } from '../../src/observability/gateway-metrics.js';

// `observe` keeps its figures outside prom-client for speed. Dashboards, alerts and `rate()` queries read the
// exposition, so for any run of requests it must expose what the prom-client version of `observe` exposed:
// that version, with the metric definitions it had, is the reference here.

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

function createReference(registry: Registry): (request: RequestObservation) => void {
  const registers = [registry];
  const requests = new Counter({
    name: 'gateway_requests_total',
    help: 'Finished chat requests by served model, provider, route, status class and stream flag.',
    labelNames: ['model', 'provider', 'route', 'status_class', 'stream'],
    registers,
  });
  const duration = new Histogram({
    name: 'gateway_request_duration_seconds',
    help: 'Time from arrival to the last byte, by served model, provider and stream flag.',
    labelNames: ['model', 'provider', 'stream'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const ttft = new Histogram({
    name: 'gateway_time_to_first_token_seconds',
    help: 'Time from arrival to the first token of a stream, by served model and provider.',
    labelNames: ['model', 'provider'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const tokens = new Counter({
    name: 'gateway_tokens_total',
    help: 'Tokens by served model, provider and direction (prompt, completion).',
    labelNames: ['model', 'provider', 'direction'],
    registers,
  });
  const cost = new Counter({
    name: 'gateway_cost_usd_total',
    help: 'Cost in USD of served requests by model and provider.',
    labelNames: ['model', 'provider'],
    registers,
  });
  const upstreamErrors = new Counter({
    name: 'gateway_upstream_errors_total',
    help: 'Failed upstream attempts by route, provider and reason (rate_limited, server_error, timeout, ...).',
    labelNames: ['route', 'provider', 'reason'],
    registers,
  });
  const skipped = new Counter({
    name: 'gateway_routes_skipped_total',
    help: 'Routes left out of an attempt by reason: cooldowns, open circuits, failed health checks, quota limits (rpm_limit, tpm_limit, ...).',
    labelNames: ['route', 'reason'],
    registers,
  });
  const retries = new Counter({
    name: 'gateway_retries_total',
    help: 'Attempts that repeated a route after it failed.',
    labelNames: ['route'],
    registers,
  });
  const fallbacks = new Counter({
    name: 'gateway_fallbacks_total',
    help: 'Requests served by another route than the first one tried, by first and serving route.',
    labelNames: ['from', 'to'],
    registers,
  });
  const decisions = new Counter({
    name: 'gateway_route_decisions_total',
    help: 'Served requests by model and where they were served (local worker or remote API).',
    labelNames: ['model', 'target'],
    registers,
  });
  const outcomes = new Counter({
    name: 'gateway_request_outcomes_total',
    help: 'Requests that did not end normally: interrupted streams, cancelled by the client, errors by type.',
    labelNames: ['outcome'],
    registers,
  });
  const statusClass = (status: number) =>
    status >= 200 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
  return (request) => {
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
    else if (request.errorType !== null && !request.interrupted) outcomes.inc({ outcome: request.errorType });
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
  };
}

const served: RequestObservation = {
  requestedModel: 'llama',
  model: 'llama-3.1-8b',
  provider: 'vllm',
  route: 'vllm/llama',
  isLocal: true,
  stream: true,
  status: 200,
  errorType: null,
  interrupted: false,
  cancelled: false,
  ttftMs: 183,
  latencyMs: 1240,
  usage: { promptTokens: 412, completionTokens: 96 },
  costUsd: 0,
  attempts: [{ route: 'vllm/llama', provider: 'vllm', outcome: 'success', reason: null }],
};

/** Served, failed, refused and cut-short requests, with latencies on and around the bucket bounds. */
function requests(): RequestObservation[] {
  const varied: RequestObservation[] = [
    served,
    { ...served, stream: false, ttftMs: null, latencyMs: 0, usage: { promptTokens: 0, completionTokens: 0 } },
    { ...served, ttftMs: null, latencyMs: 5, costUsd: null },
    {
      ...served,
      model: 'gpt-4o',
      provider: 'openai',
      route: 'openai/gpt-4o',
      isLocal: false,
      latencyMs: 120_000,
      ttftMs: 30_000,
      costUsd: 0.00123,
      attempts: [
        { route: 'vllm/llama', provider: 'vllm', outcome: 'skipped', reason: 'circuit_open' },
        { route: 'openai/gpt-4o', provider: 'openai', outcome: 'failed', reason: 'server_error' },
        { route: 'openai/gpt-4o', provider: 'openai', outcome: 'success', reason: null },
      ],
    },
    {
      ...served,
      route: 'openai/gpt-4o',
      provider: 'openai',
      model: 'gpt-4o',
      isLocal: false,
      latencyMs: 250.5,
      costUsd: 0.1 + 0.2,
      attempts: [
        { route: 'vllm/llama', provider: 'vllm', outcome: 'failed', reason: null },
        { route: 'openai/gpt-4o', provider: 'openai', outcome: 'success', reason: null },
      ],
    },
    {
      ...served,
      model: null,
      provider: null,
      route: null,
      isLocal: null,
      status: 429,
      errorType: 'rate_limited',
      usage: null,
      costUsd: null,
      ttftMs: null,
      latencyMs: 3,
      attempts: [{ route: 'vllm/llama', provider: 'vllm', outcome: 'skipped', reason: null }],
    },
    { ...served, status: 502, errorType: 'upstream_error', interrupted: true, latencyMs: 60_000.001 },
    { ...served, status: 499, cancelled: true, errorType: 'cancelled', latencyMs: 9_999_999 },
    { ...served, status: 0, errorType: 'network', latencyMs: 10 },
    { ...served, status: 101, latencyMs: 2500 },
    { ...served, status: 600, latencyMs: 30_000 },
  ];
  return Array.from({ length: 3 }, () => varied).flat();
}

const HOT_METRICS = [
  'gateway_requests_total',
  'gateway_request_duration_seconds',
  'gateway_time_to_first_token_seconds',
  'gateway_tokens_total',
  'gateway_cost_usd_total',
  'gateway_route_decisions_total',
  'gateway_upstream_errors_total',
  'gateway_routes_skipped_total',
  'gateway_retries_total',
  'gateway_fallbacks_total',
  'gateway_request_outcomes_total',
];

test('observe exposes, metric by metric, what the prom-client observe exposed', async () => {
  const spy = mock.method(Registry.prototype, 'registerMetric');
  let metrics: ReturnType<typeof createGatewayMetrics>;
  try {
    metrics = createGatewayMetrics({
      routes: () => [],
      queue: () => ({ running: 0, waiting: 0 }),
      store: () => ({ kind: 'memory', healthy: true }),
      requestLog: () => null,
    });
  } finally {
    spy.mock.restore();
  }
  const registry = spy.mock.calls[0]?.this;
  assert.ok(registry instanceof Registry);
  const reference = new Registry();
  const observeReference = createReference(reference);

  for (const request of requests()) {
    metrics.observe(request);
    observeReference(request);
  }
  for (const name of HOT_METRICS) {
    assert.equal(await registry.getSingleMetricAsString(name), await reference.getSingleMetricAsString(name));
    const exposed: unknown = await registry.getSingleMetric(name)?.get();
    const expected: unknown = await reference.getSingleMetric(name)?.get();
    assert.deepStrictEqual(exposed, expected, name);
  }
  const text = await metrics.render();
  assert.match(
    text,
    /^gateway_requests_total\{model="llama",provider="",route="",status_class="4xx",stream="true"\} 3$/m,
  );
  assert.match(text, /^gateway_requests_total\{[^}]*status_class="other"[^}]*\} 9$/m);
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHttpProbe } from '../../src/adapters/http-probe.js';
import { createUpstreamPools, type UpstreamPools } from '../../src/adapters/upstream-pools.js';
import { resolveRoutingSettings } from '../../src/config/routing-settings.js';
import { GatewayError } from '../../src/errors/index.js';
import { CircuitBreaker } from '../../src/routing/circuit-breaker.js';
import { createHealthMonitor } from '../../src/routing/health-monitor.js';
import { parseWorkerMetrics } from '../../src/routing/parse-worker-metrics.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { makeRoute } from '../helpers/make-route.js';
import { makeRouteStates } from '../helpers/make-route-states.js';

const breakerSettings = {
  ...resolveRoutingSettings(null).circuitBreaker,
  failureThreshold: 100,
  failureRate: 0.5,
  windowMs: 10_000,
  minRequests: 10,
};

describe('circuit breaker: failure rate over a sliding window', () => {
  test('opens when half of at least min_requests outcomes in the window failed, without a streak', () => {
    let clock = 0;
    const breaker = new CircuitBreaker(breakerSettings, () => clock);
    for (let index = 0; index < 9; index += 1) {
      if (index % 2 === 0) breaker.onSuccess();
      else breaker.onFailure();
      clock += 100;
    }
    assert.equal(breaker.state(), 'closed', '4 of 9: below min_requests');
    breaker.onFailure();
    assert.equal(breaker.state(), 'open', '5 of 10 failed');
  });

  test('outcomes older than the window no longer count', () => {
    let clock = 0;
    const breaker = new CircuitBreaker(breakerSettings, () => clock);
    for (let index = 0; index < 9; index += 1) breaker.onFailure();
    clock += 11_000;
    for (let index = 0; index < 9; index += 1) breaker.onSuccess();
    breaker.onFailure();
    assert.equal(breaker.state(), 'closed');
    assert.deepEqual(breaker.windowCounts(), { successes: 9, failures: 1 });
  });

  test('half-open lets exactly one probe through at a time', () => {
    let clock = 0;
    const breaker = new CircuitBreaker(
      { ...breakerSettings, failureThreshold: 1, cooldownMs: 1000 },
      () => clock,
    );
    breaker.onFailure();
    assert.equal(breaker.allows(), false);
    clock += 1000;
    assert.equal(breaker.allows(), true);
    breaker.onAttempt();
    assert.equal(breaker.allows(), false, 'a second request waits for the probe');
    breaker.onSuccess();
    assert.equal(breaker.state(), 'closed');
  });
});

describe('route states', () => {
  test('in-flight counts an attempt from its start to its end; EWMAs follow successes', () => {
    const states = makeRouteStates(() => 0, { ewmaAlpha: 0.5 });
    const route = makeRoute({ id: 'p/m' });
    states.attemptStarted(route);
    states.attemptStarted(route);
    assert.equal(states.stats(route).inFlight, 2);
    states.attemptSucceeded(route, 100, 200);
    states.attemptEnded(route, {
      usage: { promptTokens: 5, completionTokens: 11, totalTokens: 16, estimated: false },
      generationMs: 1000,
    });
    states.attemptSucceeded(route, 300, null);
    assert.equal(states.stats(route).inFlight, 1);
    assert.equal(states.stats(route).ewmaTtftMs, 200);
    assert.equal(states.stats(route).ewmaLatencyMs, 200);
    assert.equal(states.stats(route).ewmaTokensPerSecond, 10);
  });

  test('request-side errors leave the route alone; upstream errors are remembered', () => {
    const states = makeRouteStates(() => 0);
    const route = makeRoute({ id: 'p/m' });
    states.attemptFailed(
      route,
      new GatewayError('invalid_request', 'bad', { upstreamReason: 'request_rejected' }),
    );
    assert.equal(states.snapshot(route).lastError, null);
    states.attemptFailed(
      route,
      new GatewayError('provider_unavailable', 'boom', {
        upstreamReason: 'server_error',
        upstreamStatus: 502,
      }),
    );
    assert.deepEqual(states.snapshot(route).lastError, {
      at: 0,
      reason: 'server_error',
      status: 502,
      message: 'boom',
    });
  });

  test('state survives a reconfigure and is dropped for routes no longer configured', () => {
    let clock = 0;
    const states = makeRouteStates(() => clock);
    const route = makeRoute({ id: 'p/m' });
    states.attemptFailed(
      route,
      new GatewayError('rate_limit_exceeded', '429', { upstreamReason: 'rate_limited', retryAfterMs: 5000 }),
    );
    states.reconfigure(resolveRoutingSettings(null));
    assert.equal(states.availability(route).available, false);
    states.retain(new Set(['other/m']));
    assert.equal(states.availability(route).available, true);
    clock += 1;
  });
});

describe('worker metrics', () => {
  test('vLLM gauges are summed over served models; the KV cache is the fullest', () => {
    const text = [
      '# HELP vllm:num_requests_waiting Number of requests waiting.',
      '# TYPE vllm:num_requests_waiting gauge',
      'vllm:num_requests_waiting{engine="0",model_name="a"} 3.0',
      'vllm:num_requests_waiting{engine="0",model_name="b"} 1.0',
      'vllm:num_requests_running{engine="0",model_name="a"} 8.0',
      'vllm:kv_cache_usage_perc{engine="0",model_name="a"} 0.42',
      'vllm:kv_cache_usage_perc{engine="0",model_name="b"} 0.5',
      'vllm:time_to_first_token_seconds_bucket{le="0.01",model_name="a"} 4.0',
    ].join('\n');
    assert.deepEqual(parseWorkerMetrics(text), { waiting: 4, running: 8, kvCacheUsage: 0.5 });
  });

  test('SGLang names and the older vLLM gpu_cache name are understood; other pages give null', () => {
    assert.deepEqual(
      parseWorkerMetrics(
        'sglang:num_queue_reqs{model_name="x"} 2\nsglang:num_running_reqs{model_name="x"} 5\nsglang:token_usage{model_name="x"} 0.9\n',
      ),
      { waiting: 2, running: 5, kvCacheUsage: 0.9 },
    );
    assert.deepEqual(parseWorkerMetrics('vllm:num_requests_waiting 1\nvllm:gpu_cache_usage_perc 0.3\n'), {
      waiting: 1,
      running: 0,
      kvCacheUsage: 0.3,
    });
    assert.equal(parseWorkerMetrics('process_cpu_seconds_total 12\n'), null);
  });
});

describe('health monitor', () => {
  let worker: Simulator;
  let hosted: Simulator;
  let pools: UpstreamPools;

  before(async () => {
    worker = await startSimulator({ models: ['up'] });
    hosted = await startSimulator({ models: ['up'], apiKey: 'sk-good-key' });
    pools = createUpstreamPools({ connectTimeoutMs: 1000 });
  });

  after(async () => {
    await pools.close();
    await worker.close();
    await hosted.close();
  });

  test('local workers are checked at /health; remotes with GET /models and their key only when enabled', async () => {
    const states = makeRouteStates(Date.now);
    const local = makeRoute({ id: 'vllm/up', isLocal: true, baseUrl: worker.url });
    const goodRemote = makeRoute({ id: 'hosted/up', baseUrl: hosted.url, apiKey: 'sk-good-key' });
    const badRemote = makeRoute({ id: 'hosted-bad/up', baseUrl: hosted.url, apiKey: 'sk-wrong' });
    const changes: string[] = [];
    const monitor = (checkRemote: boolean) =>
      createHealthMonitor({
        routes: () => [local, goodRemote, badRemote],
        states,
        probe: createHttpProbe(pools),
        intervalMs: 0,
        timeoutMs: 1000,
        checkRemote,
        onChange: (route, healthy) => changes.push(`${route.id}:${healthy}`),
      });
    await monitor(false).checkNow();
    assert.equal(states.snapshot(local).health, 'healthy');
    assert.equal(states.snapshot(badRemote).health, 'unknown', 'remotes are not probed by default');
    await monitor(true).checkNow();
    assert.equal(states.snapshot(goodRemote).health, 'healthy');
    assert.equal(states.snapshot(badRemote).health, 'unhealthy');
    assert.match(states.snapshot(badRemote).healthDetail ?? '', /HTTP 401/);
    assert.deepEqual(changes, ['hosted-bad/up:false']);
  });

  test('an unreachable worker is unhealthy, with the reason', async () => {
    const states = makeRouteStates(Date.now);
    const gone = makeRoute({ id: 'vllm/gone', isLocal: true, baseUrl: 'http://127.0.0.1:9/v1' });
    await createHealthMonitor({
      routes: () => [gone],
      states,
      probe: createHttpProbe(pools),
      intervalMs: 0,
      timeoutMs: 500,
      checkRemote: false,
    }).checkNow();
    assert.equal(states.availability(gone).available, false);
    assert.match(states.snapshot(gone).healthDetail ?? '', /health check failed/);
  });
});

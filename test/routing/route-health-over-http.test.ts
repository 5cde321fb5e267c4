import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { eventually, startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';

// Two upstreams behind one model: A (a local vLLM) and B (a hosted API). The gateway runs on a fake clock, so
// cooldowns and circuit timers are crossed by moving it, not by sleeping.
let a: Simulator;
let b: Simulator;
let clock = 1_000_000;

const control = (simulator: Simulator) => simulator.url.replace(/\/v1$/, '');

async function fault(simulator: Simulator, spec: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${control(simulator)}/control/faults`, {
    method: 'POST',
    body: JSON.stringify(spec),
  });
  assert.equal(response.status, 200);
}

async function reset(...simulators: Simulator[]): Promise<void> {
  for (const simulator of simulators) {
    await fetch(`${control(simulator)}/control/faults`, { method: 'DELETE' });
    await fetch(`${control(simulator)}/control/reset`, { method: 'POST' });
  }
}

async function chat(gateway: GatewayUnderTest, model = 'm') {
  const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
  });
  const json = (await response.json()) as {
    provider?: string;
    error?: {
      code: number;
      message: string;
      metadata?: { attempts?: { route: string; outcome: string; reason: string }[] };
    };
  };
  return { status: response.status, headers: response.headers, json };
}

interface RouteView {
  id: string;
  weight: number;
  available: boolean;
  unavailable_reason: string | null;
  circuit: string;
  cooldown_remaining_ms: number;
  health: string;
  in_flight: number;
  last_error: { reason: string; status: number | null } | null;
}

async function routes(gateway: GatewayUnderTest, model = 'm'): Promise<RouteView[]> {
  const response = await fetch(`${gateway.origin}/routing`);
  const body = (await response.json()) as { models: Record<string, { routes: RouteView[] }> };
  return body.models[model]?.routes ?? [];
}

const modelsYaml = () => `providers:
  hosted: { kind: openai_compat, name: Hosted, base_url: "${b.url}" }
models:
  - id: m
    route:
      - { kind: vllm, base_url: "${a.url}", provider_model_id: up, weight: 0.5 }
      - { provider: hosted, provider_model_id: up, weight: 0.5 }
  - id: other
    route:
      - { provider: hosted, provider_model_id: up }
`;

before(async () => {
  a = await startSimulator({ models: ['up'], responseTokens: 4 });
  b = await startSimulator({ models: ['up'], responseTokens: 4 });
});

after(async () => {
  await a.close();
  await b.close();
});

describe('cooldowns and circuit breakers (fake clock)', () => {
  let gateway: GatewayUnderTest;

  beforeEach(async () => {
    await gateway?.close();
    await reset(a, b);
    clock = 1_000_000;
    gateway = await startGateway({
      modelsYaml: modelsYaml(),
      // No retries: each failure is one attempt, so the counts below are exact.
      routingYaml: `routing_strategy: weighted
retry: { attempts: 0 }
circuit_breaker: { failure_threshold: 3, cooldown_seconds: 30 }
cooldowns: { rate_limit_seconds: 5, auth_error_seconds: 300, model_not_found_seconds: 120 }
`,
      // random 0: the weighted draw always puts A first while A takes traffic.
      dependencies: { now: () => clock, random: () => 0, sleep: async () => undefined },
    });
  });

  after(async () => {
    await gateway?.close();
  });

  test('a 429 with Retry-After cools the route down for exactly that long, then it takes traffic again', async () => {
    await fault(a, { status: 429, retry_after_s: 7, count: 1 });
    const first = await chat(gateway);
    assert.equal(first.status, 200, 'fell back to B');
    assert.equal(first.headers.get('x-gateway-attempts'), '2');
    const [coolingA] = await routes(gateway);
    assert.equal(coolingA?.unavailable_reason, 'cooldown');
    assert.equal(coolingA?.cooldown_remaining_ms, 7000);
    assert.equal(coolingA?.weight, 0, 'a cooling route has no share');

    clock += 6_999;
    const during = a.stats().chatRequests;
    assert.equal((await chat(gateway)).status, 200);
    assert.equal(a.stats().chatRequests, during, 'A is not tried while it cools down');

    clock += 1;
    const lifted = await chat(gateway);
    assert.equal(lifted.status, 200);
    assert.equal(a.stats().chatRequests, during + 1, 'A takes traffic again once the cooldown is over');
    assert.equal(lifted.headers.get('x-gateway-attempts'), '1');
  });

  test('a 429 without a reset time cools the route for cooldowns.rate_limit_seconds', async () => {
    await fault(a, { status: 429, count: 1 });
    await chat(gateway);
    const [coolingA] = await routes(gateway);
    assert.equal(coolingA?.cooldown_remaining_ms, 5000);
  });

  test('every route cooling down → 429 with the earliest Retry-After, no upstream call', async () => {
    await fault(a, { status: 429, retry_after_s: 20, count: 1 });
    await fault(b, { status: 429, retry_after_s: 9, count: 1 });
    const limited = await chat(gateway);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '9');
    const calls = a.stats().chatRequests + b.stats().chatRequests;
    clock += 4_000;
    const again = await chat(gateway);
    assert.equal(again.status, 429);
    assert.equal(again.headers.get('retry-after'), '5', 'the earliest route frees up in 5 s');
    assert.deepEqual(
      again.json.error?.metadata?.attempts?.map((attempt) => [attempt.outcome, attempt.reason]),
      [
        ['skipped', 'cooldown'],
        ['skipped', 'cooldown'],
      ],
    );
    assert.equal(a.stats().chatRequests + b.stats().chatRequests, calls, 'nothing was sent upstream');
  });

  test('circuit: closed → open after 3 failures → half-open after the cooldown → closed on a good probe', async () => {
    await fault(a, { status: 500, count: 3 });
    for (let index = 0; index < 3; index += 1) assert.equal((await chat(gateway)).status, 200);
    let [routeA] = await routes(gateway);
    assert.equal(routeA?.circuit, 'open');
    assert.equal(routeA?.unavailable_reason, 'circuit_open');
    assert.equal(routeA?.last_error?.status, 500);

    const whileOpen = a.stats().chatRequests;
    clock += 29_999;
    assert.equal((await chat(gateway)).status, 200);
    assert.equal(a.stats().chatRequests, whileOpen, 'an open circuit gets no traffic');

    clock += 1;
    [routeA] = await routes(gateway);
    assert.equal(routeA?.circuit, 'half_open');
    const probe = await chat(gateway);
    assert.equal(probe.status, 200);
    assert.equal(a.stats().chatRequests, whileOpen + 1, 'one probe went to A');
    [routeA] = await routes(gateway);
    assert.equal(routeA?.circuit, 'closed', 'the good probe closed the circuit');
  });

  test('circuit: a failed half-open probe opens it again for another cooldown', async () => {
    await fault(a, { status: 503, count: 4 });
    for (let index = 0; index < 3; index += 1) await chat(gateway);
    clock += 30_000;
    assert.equal((await chat(gateway)).status, 200, 'the probe failed, B served');
    const [routeA] = await routes(gateway);
    assert.equal(routeA?.circuit, 'open');
    assert.equal(routeA?.cooldown_remaining_ms, 0);
    const before = a.stats().chatRequests;
    clock += 29_000;
    await chat(gateway);
    assert.equal(a.stats().chatRequests, before);
  });

  test('every circuit open → 503 naming each route and when it is tried again', async () => {
    await fault(a, { status: 500, count: 3 });
    await fault(b, { status: 500, count: 3 });
    for (let index = 0; index < 3; index += 1) assert.equal((await chat(gateway)).status, 502);
    const refused = await chat(gateway);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '30');
    assert.match(refused.json.error?.message ?? '', /skipped \(circuit_open\)/);
    assert.match(refused.json.error?.message ?? '', /GET \/routing/);
  });

  test('a 401 cools the whole provider down (every route on that key), not just the route', async () => {
    await fault(b, { status: 401, count: 1 });
    // Make B the first choice: A is cooling down.
    await fault(a, { status: 429, retry_after_s: 60, count: 1 });
    const failed = await chat(gateway);
    assert.equal(failed.status, 502);
    assert.equal(failed.headers.get('x-gateway-attempts'), '2', 'a failure is as traceable as a success');
    assert.equal(failed.headers.get('x-gateway-provider'), 'hosted');
    assert.match(failed.headers.get('x-gateway-route') ?? '', /^hosted\//);
    const otherModel = await chat(gateway, 'other');
    assert.equal(otherModel.status, 503);
    assert.match(otherModel.json.error?.message ?? '', /skipped \(auth_error\)/);
  });

  test('a model-not-found answer cools the route for cooldowns.model_not_found_seconds', async () => {
    await fault(a, { status: 404, count: 1, message: 'The model `up` does not exist.' });
    assert.equal((await chat(gateway)).status, 200);
    const [routeA] = await routes(gateway);
    assert.equal(routeA?.unavailable_reason, 'model_not_found');
    assert.equal(routeA?.cooldown_remaining_ms, 120_000);
  });

  test('/v1/providers/status: per provider availability and per route usage counters (FreeRouter shape)', async () => {
    await fault(a, { status: 429, retry_after_s: 9, count: 1 });
    await chat(gateway);
    await chat(gateway);
    const response = await fetch(`${gateway.origin}/v1/providers/status`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      object: string;
      data: {
        name: string;
        configured: boolean;
        available: boolean;
        requests_today: number;
        models: {
          route_id: string;
          available: boolean;
          unavailable_reason: string | null;
          usage: {
            total_events: number;
            successes: number;
            rate_limits: number;
            last_status_code: number | null;
          };
        }[];
      }[];
    };
    assert.equal(body.object, 'list');
    const vllm = body.data.find((provider) => provider.name === 'vllm');
    const hosted = body.data.find((provider) => provider.name === 'hosted');
    assert.equal(vllm?.available, false, 'its only route is cooling down');
    assert.equal(vllm?.models[0]?.unavailable_reason, 'cooldown');
    assert.deepEqual([vllm?.models[0]?.usage.rate_limits, vllm?.models[0]?.usage.last_status_code], [1, 429]);
    assert.equal(hosted?.available, true);
    const hostedRoute = hosted?.models.find((route) => route.route_id === 'hosted/m');
    assert.ok((hostedRoute?.usage.successes ?? 0) >= 2);
    assert.ok((hosted?.requests_today ?? 0) >= 2);
  });

  test('a 400 says nothing about the route: no cooldown, circuit untouched, not retried elsewhere', async () => {
    for (let index = 0; index < 4; index += 1) {
      await fault(a, { status: 400, count: 1, message: 'bad prompt' });
      assert.equal((await chat(gateway)).status, 400);
    }
    const [routeA] = await routes(gateway);
    assert.equal(routeA?.circuit, 'closed');
    assert.equal(routeA?.available, true);
    assert.equal(b.stats().chatRequests, 0);
  });
});

describe('fallback on every outcome class, stream and non-stream', () => {
  const faults: [string, Record<string, unknown>][] = [
    ['429', { status: 429, retry_after_s: 1 }],
    ['500', { status: 500 }],
    ['502', { status: 502 }],
    ['401', { status: 401 }],
    ['403', { status: 403 }],
    ['404 model not found', { status: 404, message: 'The model `up` does not exist.' }],
    ['no answer within ttft_ms / attempt_ms', { hang: true }],
    ['200 with a broken body', { invalid_json: true }],
  ];

  test('each failure of A falls back to B; the client sees one clean answer', async () => {
    for (const stream of [false, true]) {
      for (const [label, spec] of faults) {
        await reset(a, b);
        // A fresh gateway per case: cooldowns from one case must not decide the next.
        const gateway = await startGateway({
          modelsYaml: modelsYaml(),
          routingYaml: `routing_strategy: weighted
retry: { attempts: 0 }
timeouts: { ttft_ms: 300, attempt_ms: 300 }
`,
          dependencies: { random: () => 0 },
        });
        try {
          await fault(a, { ...spec, count: 1 });
          const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'm', stream, messages: [{ role: 'user', content: 'hello' }] }),
          });
          const text = await response.text();
          const name = `${label} (${stream ? 'stream' : 'non-stream'})`;
          assert.equal(response.status, 200, name);
          assert.equal(response.headers.get('x-gateway-provider'), 'hosted', name);
          assert.equal(response.headers.get('x-gateway-attempts'), '2', name);
          if (stream) {
            assert.ok(text.trimEnd().endsWith('data: [DONE]'), name);
            assert.doesNotMatch(text, /"error"/, name);
          }
          assert.equal(a.stats().chatRequests, 1, name);
          assert.equal(b.stats().chatRequests, 1, name);
        } finally {
          await gateway.close();
        }
      }
    }
  });
});

describe('active health checks (real timers)', () => {
  test('a failing /health takes the route out within two intervals and puts it back when it passes', async () => {
    await reset(a, b);
    const intervalMs = 150;
    const gateway = await startGateway({
      modelsYaml: modelsYaml(),
      routingYaml: `routing_strategy: fixed
routing_parameter: { local_fraction: 0.6, health_check: ${intervalMs / 1000}, timeout: 1 }
`,
    });
    try {
      await eventually(() => a.stats().healthChecks > 0, 2000);
      let [routeA, routeB] = await routes(gateway);
      assert.equal(routeA?.health, 'healthy');
      assert.equal(routeA?.weight, 0.6);
      assert.equal(routeB?.weight, 0.4);

      await fetch(`${control(a)}/control/health`, { method: 'POST', body: JSON.stringify({ status: 503 }) });
      const failedAt = Date.now();
      let weights: number[] = [];
      await waitFor(
        async () => {
          weights = (await routes(gateway)).map((route) => route.weight);
          return weights[0] === 0;
        },
        2 * intervalMs + 400,
      );
      const outMs = Date.now() - failedAt;
      [routeA, routeB] = await routes(gateway);
      assert.equal(routeA?.health, 'unhealthy');
      assert.equal(routeA?.unavailable_reason, 'unhealthy');
      assert.equal(routeB?.weight, 1, 'the remote route takes the whole share (renormalised)');
      const before = a.stats().chatRequests;
      for (let index = 0; index < 5; index += 1) assert.equal((await chat(gateway)).status, 200);
      assert.equal(a.stats().chatRequests, before, 'no traffic to the unhealthy worker');

      await fetch(`${control(a)}/control/health`, { method: 'POST', body: JSON.stringify({ status: 200 }) });
      const recoveredAt = Date.now();
      await waitFor(async () => (await routes(gateway))[0]?.weight === 0.6, 2 * intervalMs + 400);
      const backMs = Date.now() - recoveredAt;
      assert.ok(
        outMs < 2 * intervalMs + 400 && backMs < 2 * intervalMs + 400,
        `out ${outMs} ms, back ${backMs} ms`,
      );
    } finally {
      await gateway.close();
    }
  });
});

async function waitFor(predicate: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';
import { upstreamArrivals } from '../helpers/upstream-arrivals.js';

let a: Simulator;
let b: Simulator;

before(async () => {
  a = await startSimulator({ models: ['up'], responseTokens: 3 });
  b = await startSimulator({ models: ['up'], responseTokens: 3 });
});

after(async () => {
  await a.close();
  await b.close();
});

const modelsYaml = () => `models:
  - id: m
    pricing: { prompt: "0.000001", completion: "0.000002" }
    route:
      - { kind: openai_compat, base_url: "${a.url}", provider_model_id: up, weight: 0.5 }
      - { kind: vllm, base_url: "${b.url}", provider_model_id: up, weight: 0.5 }
`;

/** Sum of every sample of a metric whose labels contain all of `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

async function chat(gateway: GatewayUnderTest, stream = false) {
  const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', stream, messages: [{ role: 'user', content: 'count me' }] }),
  });
  await response.text();
  return response.status;
}

describe('GET /metrics (Prometheus)', () => {
  test('counters move as requests flow: requests, tokens, cost, TTFT, fallbacks, upstream errors, gauges', async () => {
    const gateway = await startGateway({
      modelsYaml: modelsYaml(),
      routingYaml: 'routing_strategy: weighted\nretry: { attempts: 0 }\n',
      dependencies: { random: () => 0 },
    });
    try {
      const before = await (await fetch(`${gateway.origin}/metrics`)).text();
      assert.equal(sample(before, 'gateway_requests_total'), 0);
      assert.equal(await chat(gateway), 200);
      assert.equal(await chat(gateway, true), 200);
      await fetch(`${a.url.replace(/\/v1$/, '')}/control/faults`, {
        method: 'POST',
        body: JSON.stringify({ status: 502, count: 1 }),
      });
      assert.equal(await chat(gateway), 200);
      const response = await fetch(`${gateway.origin}/metrics`);
      assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
      const text = await response.text();
      assert.equal(sample(text, 'gateway_requests_total', { model: 'm', status_class: '2xx' }), 3);
      assert.equal(sample(text, 'gateway_requests_total', { stream: 'true' }), 1);
      assert.ok(sample(text, 'gateway_tokens_total', { direction: 'completion' }) >= 9);
      assert.ok(sample(text, 'gateway_cost_usd_total') > 0);
      assert.equal(sample(text, 'gateway_time_to_first_token_seconds_count'), 1);
      assert.equal(sample(text, 'gateway_request_duration_seconds_count'), 3);
      assert.equal(sample(text, 'gateway_fallbacks_total', { from: 'openai_compat/m', to: 'vllm/m' }), 1);
      assert.equal(sample(text, 'gateway_upstream_errors_total', { reason: 'server_error' }), 1);
      assert.equal(sample(text, 'gateway_route_decisions_total', { target: 'remote' }), 2);
      assert.equal(sample(text, 'gateway_route_decisions_total', { target: 'local' }), 1);
      assert.match(text, /gateway_circuit_state\{route="vllm\/m"\} 0/);
      assert.match(text, /gateway_queue_requests\{state="waiting"\} 0/);
      assert.match(text, /gateway_state_store_healthy\{kind="memory"\} 1/);
      assert.match(text, /gateway_process_resident_memory_bytes/);
    } finally {
      await gateway.close();
    }
  });

  test('queue refusals are counted by reason', async () => {
    const gateway = await startGateway({
      modelsYaml: modelsYaml(),
      environment: { MAX_CONCURRENT_REQUESTS: '1', REQUEST_QUEUE_MAX_WAITING_REQUESTS: '0' },
    });
    try {
      const arrived = upstreamArrivals([a, b]);
      const slow = fetch(`${gateway.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'm',
          messages: [{ role: 'user', content: 'x' }],
          sim: { ttft_ms: 300 },
        }),
      });
      await arrived;
      assert.equal(await chat(gateway), 429);
      await (await slow).text();
      const text = await (await fetch(`${gateway.origin}/metrics`)).text();
      assert.equal(sample(text, 'gateway_queue_rejections_total', { reason: 'queue_full' }), 1);
    } finally {
      await gateway.close();
    }
  });

  test('METRICS_REQUIRE_AUTH=true: the admin key is needed', async () => {
    const gateway = await startGateway({
      modelsYaml: modelsYaml(),
      environment: { METRICS_REQUIRE_AUTH: 'true', ADMIN_API_KEY: 'admin-secret' },
    });
    try {
      assert.equal((await fetch(`${gateway.origin}/metrics`)).status, 401);
      const allowed = await fetch(`${gateway.origin}/metrics`, {
        headers: { authorization: 'Bearer admin-secret' },
      });
      assert.equal(allowed.status, 200);
    } finally {
      await gateway.close();
    }
  });
});

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';
import { upstreamArrivals } from '../helpers/upstream-arrivals.js';

// models.yaml quotas over real HTTP, on the memory store and a fake clock (windows are crossed by moving it).
let a: Simulator;
let b: Simulator;
let clock = Date.UTC(2026, 10, 29, 12, 0, 0);
let gateway: GatewayUnderTest;

async function chat(model: string, extra: Record<string, unknown> = {}) {
  const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello there' }], ...extra }),
  });
  const json = (await response.json()) as {
    usage?: { total_tokens: number };
    error?: { message: string; metadata?: { attempts?: { outcome: string; reason: string }[] } };
  };
  return { status: response.status, headers: response.headers, json };
}

before(async () => {
  a = await startSimulator({ models: ['up'], responseTokens: 5 });
  b = await startSimulator({ models: ['up'], responseTokens: 5 });
  gateway = await startGateway({
    modelsYaml: `providers:
  limited: { kind: openai_compat, base_url: "${a.url}", limits: { rpm: 3 } }
models:
  - id: m
    route:
      - { provider: limited, provider_model_id: up, weight: 0.5 }
      - { kind: openai_compat, base_url: "${b.url}", provider_model_id: up, weight: 0.5 }
  - id: solo
    limits: { rpm: 2 }
    route: [{ kind: vllm, base_url: "${b.url}", provider_model_id: up }]
  - id: daily
    route: [{ kind: vllm, base_url: "${b.url}", provider_model_id: up, limits: { rpd: 2 } }]
  - id: tokens
    max_output_length: 4000
    route: [{ kind: vllm, base_url: "${b.url}", provider_model_id: up, limits: { tpm: 1000 } }]
  - id: one-at-a-time
    route: [{ kind: vllm, base_url: "${b.url}", provider_model_id: up, limits: { max_concurrency: 1 } }]
`,
    routingYaml: 'routing_strategy: weighted\nretry: { attempts: 0 }\n',
    dependencies: { now: () => clock, random: () => 0, sleep: async () => undefined },
  });
});

after(async () => {
  await gateway.close();
  await a.close();
  await b.close();
});

describe('quotas from models.yaml (memory store)', () => {
  test('a provider rpm admits exactly rpm requests, then the route is skipped for the next one', async () => {
    const served: string[] = [];
    const remaining: string[] = [];
    for (let index = 0; index < 4; index += 1) {
      const reply = await chat('m');
      assert.equal(reply.status, 200);
      served.push(reply.headers.get('x-gateway-provider') ?? '');
      remaining.push(reply.headers.get('x-ratelimit-remaining') ?? '-');
    }
    assert.deepEqual(served, ['limited', 'limited', 'limited', 'openai_compat']);
    assert.deepEqual(remaining, ['2', '1', '0', '-'], 'X-RateLimit-Remaining of the binding limit');
    clock += 60_000;
  });

  test('a model with every route over its limit → 429 with Retry-After and the limit named', async () => {
    assert.equal((await chat('solo')).status, 200);
    clock += 20_000;
    const second = await chat('solo');
    assert.equal(second.headers.get('x-ratelimit-limit'), '2');
    assert.equal(
      second.headers.get('x-ratelimit-reset'),
      '40',
      'the first request leaves the window in 40 s',
    );
    const refused = await chat('solo');
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '40');
    assert.deepEqual(
      refused.json.error?.metadata?.attempts?.map((attempt) => [attempt.outcome, attempt.reason]),
      [['skipped', 'rpm_limit']],
    );
    clock += 40_000;
    assert.equal((await chat('solo')).status, 200, 'the sliding window has room again');
  });

  test('a daily limit rolls over at midnight UTC', async () => {
    clock = Date.UTC(2026, 10, 29, 23, 59, 30);
    assert.equal((await chat('daily')).status, 200);
    assert.equal((await chat('daily')).status, 200);
    const refused = await chat('daily');
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '30');
    clock = Date.UTC(2026, 10, 30, 0, 0, 0);
    assert.equal((await chat('daily')).status, 200);
  });

  test('a token limit reserves prompt + max_tokens, and settles to the real usage after the answer', async () => {
    clock += 120_000;
    // In flight: ~900 tokens reserved (prompt + max_tokens 890); another 200 do not fit under 1000.
    const arrived = upstreamArrivals([a, b]);
    const slow = chat('tokens', { max_tokens: 890, sim: { ttft_ms: 300 } });
    await arrived;
    const refused = await chat('tokens', { max_tokens: 200 });
    assert.equal(refused.status, 429);
    assert.equal(refused.json.error?.metadata?.attempts?.[0]?.reason, 'tpm_limit');
    const done = await slow;
    assert.equal(done.status, 200);
    assert.ok((done.json.usage?.total_tokens ?? 0) < 50, 'the answer used a few tokens');
    // Settled to the real usage: room for another large request in the same minute.
    const after = await chat('tokens', { max_tokens: 890 });
    assert.equal(after.status, 200);
  });

  test('max_concurrency holds a slot for the whole request and frees it at the end', async () => {
    const arrived = upstreamArrivals([a, b]);
    const slow = chat('one-at-a-time', { sim: { ttft_ms: 300 } });
    await arrived;
    const refused = await chat('one-at-a-time');
    assert.equal(refused.status, 429);
    assert.equal(refused.json.error?.metadata?.attempts?.[0]?.reason, 'concurrency_limit');
    assert.equal((await slow).status, 200);
    assert.equal((await chat('one-at-a-time')).status, 200);
  });
});

describe('upstream quota headers', () => {
  let upstream: Server;
  let calls = 0;
  let local: GatewayUnderTest;

  before(async () => {
    // A hosted API that answers fine but says its request quota is spent for 20 s.
    upstream = createServer((request, response) => {
      calls += 1;
      request.resume();
      request.on('end', () => {
        response.writeHead(200, {
          'content-type': 'application/json',
          'x-ratelimit-remaining-requests': '0',
          'x-ratelimit-reset-requests': '20s',
        });
        response.end(
          JSON.stringify({
            id: 'x',
            object: 'chat.completion',
            created: 1,
            model: 'up',
            choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const port = (upstream.address() as AddressInfo).port;
    local = await startGateway({
      modelsYaml: `models:
  - id: m
    route:
      - { kind: openai_compat, base_url: "http://127.0.0.1:${port}/v1", provider_model_id: up, weight: 0.5 }
      - { kind: vllm, base_url: "${b.url}", provider_model_id: up, weight: 0.5 }
`,
      routingYaml: 'routing_strategy: weighted\n',
      dependencies: { random: () => 0 },
    });
  });

  after(async () => {
    await local.close();
    await new Promise((resolve) => upstream.close(resolve));
  });

  test('x-ratelimit-remaining-requests: 0 on a success cools the route down until its reset', async () => {
    const send = () =>
      fetch(`${local.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
      });
    const first = await send();
    assert.equal(first.headers.get('x-gateway-provider'), 'openai_compat');
    const second = await send();
    assert.equal(second.headers.get('x-gateway-provider'), 'vllm', 'the spent route is not tried');
    assert.equal(calls, 1);
    const routing = (await (await fetch(`${local.origin}/routing`)).json()) as {
      models: { m: { routes: { unavailable_reason: string | null; cooldown_remaining_ms: number }[] } };
    };
    assert.equal(routing.models.m.routes[0]?.unavailable_reason, 'cooldown');
    assert.ok((routing.models.m.routes[0]?.cooldown_remaining_ms ?? 0) > 19_000);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';

// Each strategy over real HTTP: a gateway in front of simulator upstreams, traffic counted at the upstreams.
let local: Simulator;
let remote: Simulator;
let third: Simulator;

const control = (simulator: Simulator) => simulator.url.replace(/\/v1$/, '');

async function reset(...simulators: Simulator[]): Promise<void> {
  for (const simulator of simulators) await fetch(`${control(simulator)}/control/reset`, { method: 'POST' });
}

async function send(
  gateway: GatewayUnderTest,
  count: number,
  concurrency = 16,
  body: Record<string, unknown> = {},
) {
  let next = 0;
  const statuses: number[] = [];
  const worker = async () => {
    while (next < count) {
      next += 1;
      const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...body }),
      });
      await response.arrayBuffer();
      statuses.push(response.status);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return statuses;
}

const twoRoutes = (extra = '') => `models:
  - id: m
    route:
      - { kind: vllm, base_url: "${local.url}", provider_model_id: up, weight: 0.7, rank: 2, pricing: { prompt: "0.0000002", completion: "0.0000002" } }
      - { kind: openai_compat, base_url: "${remote.url}", provider_model_id: up, weight: 0.3, rank: 1, pricing: { prompt: "0.0000001", completion: "0.0000001" } }
${extra}`;

before(async () => {
  local = await startSimulator({ models: ['up'], responseTokens: 2 });
  remote = await startSimulator({ models: ['up'], responseTokens: 2 });
  third = await startSimulator({ models: ['up'], responseTokens: 2 });
});

after(async () => {
  await local.close();
  await remote.close();
  await third.close();
});

describe('strategy distributions over real HTTP', () => {
  test('fixed local_fraction 0.6: 5,000 requests split 0.6 / 0.4 within ±3 %', async () => {
    await reset(local, remote);
    const gateway = await startGateway({
      modelsYaml: twoRoutes(),
      routingYaml: `routing_strategy: fixed\nrouting_parameter: { local_fraction: 0.6 }\n`,
    });
    try {
      const statuses = await send(gateway, 5000);
      assert.ok(statuses.every((status) => status === 200));
      const share = local.stats().chatRequests / 5000;
      assert.ok(Math.abs(share - 0.6) <= 0.03, `local share ${share}`);
      assert.equal(
        local.stats().chatRequests + remote.stats().chatRequests,
        5000,
        'no retries, no double sends',
      );
    } finally {
      await gateway.close();
    }
  });

  test('weighted: the models.yaml weights 0.7 / 0.3 within ±3 % over 2,000 requests', async () => {
    await reset(local, remote);
    const gateway = await startGateway({
      modelsYaml: twoRoutes(),
      routingYaml: 'routing_strategy: weighted\n',
    });
    try {
      await send(gateway, 2000);
      const share = local.stats().chatRequests / 2000;
      assert.ok(Math.abs(share - 0.7) <= 0.03, `local share ${share}`);
    } finally {
      await gateway.close();
    }
  });

  test('ranked: everything to rank 1 while it works; rank 2 only on its failure', async () => {
    await reset(local, remote);
    const gateway = await startGateway({
      modelsYaml: twoRoutes(),
      // No retry on the same route: the 503 goes straight down the waterfall.
      routingYaml: 'routing_strategy: ranked\nretry: { attempts: 0 }\n',
    });
    try {
      await send(gateway, 200);
      assert.equal(remote.stats().chatRequests, 200);
      assert.equal(local.stats().chatRequests, 0);
      await fetch(`${control(remote)}/control/faults`, {
        method: 'POST',
        body: JSON.stringify({ status: 503, count: 1 }),
      });
      const statuses = await send(gateway, 1, 1);
      assert.deepEqual(statuses, [200]);
      assert.equal(local.stats().chatRequests, 1, 'the waterfall went on to rank 2');
    } finally {
      await gateway.close();
    }
  });

  test('cost: the cheapest route takes all traffic (local routes may declare their own price)', async () => {
    await reset(local, remote);
    const gateway = await startGateway({ modelsYaml: twoRoutes(), routingYaml: 'routing_strategy: cost\n' });
    try {
      await send(gateway, 100);
      assert.equal(remote.stats().chatRequests, 100);
    } finally {
      await gateway.close();
    }
  });

  test('least-latency: most traffic goes to the faster route once both are measured', async () => {
    await reset(local, remote);
    const gateway = await startGateway({
      modelsYaml: `models:
  - id: m
    route:
      - { kind: vllm, base_url: "${local.url}", provider_model_id: up }
      - { kind: openai_compat, base_url: "${remote.url}", provider_model_id: up }
`,
      routingYaml: 'routing_strategy: least-latency\nrouting_parameter: { exploration: 0.1 }\n',
    });
    try {
      // The remote answers 150 ms slower (a gap a loaded CI machine cannot blur): after the first few
      // (exploration of unmeasured routes) the local route wins all but the ~5 % exploration sends elsewhere.
      await send(gateway, 300, 4, { sim: { ttft_ms: 0 } });
      await reset(local, remote);
      await fetch(`${control(remote)}/control/faults`, {
        method: 'POST',
        body: JSON.stringify({ delay_ms: 150 }),
      });
      await send(gateway, 300, 4);
      const share = local.stats().chatRequests / 300;
      assert.ok(share >= 0.85, `local share ${share}`);
      assert.ok(remote.stats().chatRequests > 0, 'exploration still measures the slower route');
    } finally {
      await fetch(`${control(remote)}/control/faults`, { method: 'DELETE' });
      await gateway.close();
    }
  });

  test('load-aware: local while the worker has headroom, remote once its queue reaches max_waiting', async () => {
    await reset(local, remote);
    const busy = await startSimulator({ models: ['up'], maxConcurrency: 1, responseTokens: 2 });
    const gateway = await startGateway({
      modelsYaml: `models:
  - id: m
    route:
      - { kind: vllm, base_url: "${busy.url}", provider_model_id: up }
      - { kind: openai_compat, base_url: "${remote.url}", provider_model_id: up }
`,
      routingYaml: `routing_strategy: load-aware
routing_parameter: { max_waiting: 2, scrape_interval_ms: 60000, stale_after_ms: 60000, hysteresis: 0.5 }
`,
    });
    try {
      await gateway.app.refreshHealth();
      // Idle worker: everything local.
      await send(gateway, 20, 1);
      assert.equal(busy.stats().chatRequests, 20);
      assert.equal(remote.stats().chatRequests, 0);
      // Three slow requests: the gateway counts what it sent since the last scrape as queued, so the first two
      // go local and the third (queue estimate 2 = max_waiting) already spills.
      // Long enough for the ten below to be sent while these still hold the worker, on a loaded machine too.
      const slow = send(gateway, 3, 3, { sim: { ttft_ms: 1500 } });
      // Waits for the three to arrive (polling, not a fixed sleep): two at the worker, one spilled.
      for (
        let waited = 0;
        busy.stats().chatRequests + remote.stats().chatRequests < 23 && waited < 5000;
        waited += 5
      )
        await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(busy.stats().chatRequests, 22);
      assert.equal(remote.stats().chatRequests, 1);
      await send(gateway, 10, 1);
      assert.equal(
        remote.stats().chatRequests,
        11,
        'every new request spilled while the local queue is full',
      );
      await slow;
      await gateway.app.refreshHealth();
      await send(gateway, 5, 1);
      assert.equal(busy.stats().chatRequests, 27, 'back to local once the queue drained');
    } finally {
      await gateway.close();
      await busy.close();
    }
  });
});

describe('offload', () => {
  test('hard offload (OFFLOAD=1): routes at LOCAL_BASE_URL are removed; a model left without routes → 503 saying why', async () => {
    await reset(local, remote);
    const gateway = await startGateway({
      modelsYaml: `${twoRoutes()}  - id: local-only
    route: [{ kind: vllm, base_url: "${local.url}/", provider_model_id: up }]
`,
      routingYaml: 'routing_strategy: weighted\n',
      environment: { OFFLOAD: '1', LOCAL_BASE_URL: control(local) },
    });
    try {
      await send(gateway, 20);
      assert.equal(local.stats().chatRequests, 0);
      assert.equal(remote.stats().chatRequests, 20);
      const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'local-only', messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(response.status, 503);
      const body = (await response.json()) as { error: { message: string } };
      assert.match(body.error.message, /offload/i);
    } finally {
      await gateway.close();
    }
  });

  test('soft offload (local_fraction 0): local routes get no traffic and are not fallbacks', async () => {
    await reset(local, remote);
    const gateway = await startGateway({
      modelsYaml: twoRoutes(),
      routingYaml: `routing_strategy: fixed\nrouting_parameter: { local_fraction: 0 }\nretry: { attempts: 0 }\n`,
    });
    try {
      await send(gateway, 50);
      assert.equal(local.stats().chatRequests, 0);
      await fetch(`${control(remote)}/control/faults`, {
        method: 'POST',
        body: JSON.stringify({ status: 503, count: 1 }),
      });
      const statuses = await send(gateway, 1, 1);
      assert.deepEqual(statuses, [502]);
      assert.equal(local.stats().chatRequests, 0, 'no fallback into the offloaded local route');
    } finally {
      await gateway.close();
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.js';
import { eventually, startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';

let redis: PrivateRedis;
let simulator: Simulator;
let gateway: GatewayUnderTest;

before(async () => {
  redis = await startPrivateRedis();
  simulator = await startSimulator({ models: ['up'], responseTokens: 2 });
  gateway = await startGateway({
    modelsYaml: `models:\n  - id: m\n    route: [{ kind: vllm, base_url: "${simulator.url}", provider_model_id: up, limits: { rpm: 1000 } }]\n`,
    environment: { REDIS_URL: redis.url },
  });
  await eventually(() => gateway.app.store.status().healthy, 5000);
});

after(async () => {
  await gateway.close();
  await simulator.close();
  await redis.stop();
});

async function health() {
  const response = await fetch(`${gateway.origin}/health`);
  return (await response.json()) as { status: string; state_store: { healthy: boolean; detail?: string } };
}

async function timedChat(): Promise<{ status: number; ms: number }> {
  const startedAt = Date.now();
  const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
  });
  await response.arrayBuffer();
  return { status: response.status, ms: Date.now() - startedAt };
}

test('Redis dying mid-run: requests keep being served without hanging, /health says degraded, then it recovers', async () => {
  assert.equal((await timedChat()).status, 200);
  assert.equal((await health()).state_store.healthy, true);

  await redis.stop('SIGKILL');
  for (let index = 0; index < 5; index += 1) {
    const reply = await timedChat();
    assert.equal(reply.status, 200, 'served on local limits');
    assert.ok(reply.ms < 1500, `no request hangs on the dead Redis (${reply.ms} ms)`);
  }
  const degraded = await health();
  assert.equal(degraded.status, 'degraded');
  assert.equal(degraded.state_store.healthy, false);
  assert.match(degraded.state_store.detail ?? '', /unreachable/);

  await redis.start();
  await eventually(() => gateway.app.store.status().healthy, 10_000);
  assert.equal((await health()).state_store.healthy, true);
  assert.equal((await timedChat()).status, 200);
});

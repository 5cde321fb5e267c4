import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';

// Two gateway "replicas" (two apps in this process, as two processes would) on one shared state store.
let a: Simulator;
let b: Simulator;
let directory: string;

before(async () => {
  a = await startSimulator({ models: ['up'], responseTokens: 2 });
  b = await startSimulator({ models: ['up'], responseTokens: 2 });
  directory = mkdtempSync(join(tmpdir(), 'hi-shared-'));
});

after(async () => {
  await a.close();
  await b.close();
  rmSync(directory, { recursive: true, force: true });
});

const modelsYaml = () => `models:
  - id: m
    route:
      - { kind: openai_compat, base_url: "${a.url}", provider_model_id: up, weight: 0.5, limits: { rpm: 5 } }
      - { kind: vllm, base_url: "${b.url}", provider_model_id: up, weight: 0.5 }
`;

async function replicas(environment: Record<string, string>): Promise<[GatewayUnderTest, GatewayUnderTest]> {
  const start = () =>
    startGateway({
      modelsYaml: modelsYaml(),
      routingYaml: 'routing_strategy: weighted\nretry: { attempts: 0 }\n',
      environment,
      dependencies: { random: () => 0 },
    });
  return [await start(), await start()];
}

async function chat(gateway: GatewayUnderTest) {
  const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
  });
  await response.arrayBuffer();
  return response.headers.get('x-gateway-provider');
}

describe('replicas sharing a SQLite state store', () => {
  test('quotas count across replicas: rpm 5 admits 5 in total, not 5 each', async () => {
    const [first, second] = await replicas({
      STATE_STORE: 'sqlite',
      STATE_SQLITE_PATH: join(directory, 'quota.db'),
    });
    try {
      const served: (string | null)[] = [];
      for (let index = 0; index < 8; index += 1) served.push(await chat(index % 2 === 0 ? first : second));
      assert.equal(served.filter((provider) => provider === 'openai_compat').length, 5);
      assert.equal(served.filter((provider) => provider === 'vllm').length, 3);
    } finally {
      await first.close();
      await second.close();
    }
  });

  test('a cooldown one replica saw is honoured by the other', async () => {
    const [first, second] = await replicas({
      STATE_STORE: 'sqlite',
      STATE_SQLITE_PATH: join(directory, 'cooldown.db'),
    });
    try {
      await fetch(`${a.url.replace(/\/v1$/, '')}/control/faults`, {
        method: 'POST',
        body: JSON.stringify({ status: 429, retry_after_s: 30, count: 1 }),
      });
      assert.equal(await chat(first), 'vllm', 'A answered 429; the first replica fell back');
      await second.app.refreshHealth();
      const before = a.stats().chatRequests;
      assert.equal(await chat(second), 'vllm', 'the second replica skips A without trying it');
      assert.equal(a.stats().chatRequests, before);
      const routing = (await (await fetch(`${second.origin}/routing`)).json()) as {
        models: { m: { routes: { unavailable_reason: string | null }[] } };
      };
      assert.equal(routing.models.m.routes[0]?.unavailable_reason, 'cooldown');
    } finally {
      await first.close();
      await second.close();
    }
  });
});

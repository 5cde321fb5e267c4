import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { createPostgresRequestLogStore } from '../../src/storage/postgres-request-log-store.js';
import { ensurePostgres } from '../helpers/ensure-postgres.js';
import { eventually, startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { freshSchema, openPostgresHarness, type StoreHarness } from './store-harness.js';

// PostgreSQL goes away under a running gateway (its link is cut by a proxy; the real server keeps running for
// the other tests): requests are still answered, rows wait in memory, overflow spills to the local file, and
// every row reaches the database once it is back: while the same gateway runs, or after a restart.
let simulator: Simulator;
let databaseUrl: string;
let proxy: TcpProxy;
const folder = mkdtempSync(join(tmpdir(), 'database-outage-'));

before(async () => {
  databaseUrl = await ensurePostgres();
  simulator = await startSimulator({ models: ['up'], responseTokens: 3 });
  proxy = await startTcpProxy(Number(new URL(databaseUrl).port || 5432), new URL(databaseUrl).hostname);
});

after(async () => {
  await simulator.close();
  await proxy.close();
  rmSync(folder, { recursive: true, force: true });
});

const modelsYaml = () => `models:
  - id: m
    pricing: { prompt: "0.000001", completion: "0.000002" }
    route:
      - { kind: vllm, base_url: "${simulator.url}", provider_model_id: up }
`;

async function chat(gateway: GatewayUnderTest, stream: boolean): Promise<string> {
  const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', stream, messages: [{ role: 'user', content: 'keep me' }] }),
  });
  await response.text();
  assert.equal(response.status, 200);
  const id = response.headers.get('x-generation-id');
  assert.ok(id);
  return id;
}

async function sendMany(gateway: GatewayUnderTest, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) ids.push(await chat(gateway, index % 2 === 1));
  return ids;
}

async function storedIds(harness: StoreHarness): Promise<Set<string>> {
  const rows = await harness.query('SELECT request_id FROM api_logs');
  return new Set(rows.map((row) => String(row.request_id)));
}

describe('request log across a database outage', () => {
  let schema: string;
  let harness: StoreHarness;

  before(() => {
    schema = freshSchema();
    harness = openPostgresHarness(databaseUrl, { schema });
  });
  after(async () => {
    await harness.dispose();
  });

  const start = () =>
    startGateway({
      modelsYaml: modelsYaml(),
      environment: {
        REQUEST_LOG_MAX_QUEUE: '10',
        REQUEST_LOG_SPILL_PATH: join(folder, 'spill.ndjson'),
      },
      dependencies: {
        requestLog: createPostgresRequestLogStore({
          connectionString: `postgres://postgres@127.0.0.1:${proxy.port}/test`,
          schema,
          connectTimeoutMs: 500,
        }),
      },
    });

  test('rows wait and spill while the database is away, and all land when it returns', async () => {
    const gateway = await start();
    const sent: string[] = [];
    try {
      sent.push(...(await sendMany(gateway, 4)));
      await gateway.app.requestLog?.flush();
      assert.equal((await storedIds(harness)).size, 4);

      proxy.cut();
      sent.push(...(await sendMany(gateway, 30)));
      await gateway.app.requestLog?.flush();
      const health = (await (await fetch(`${gateway.origin}/health`)).json()) as {
        storage: { queued: number; spilled: number; failed_batches: number; last_error: string | null };
      };
      assert.equal(health.storage.queued, 10);
      assert.equal(health.storage.spilled, 20);
      assert.ok(health.storage.failed_batches >= 1);
      assert.ok(health.storage.last_error !== null);
      const metrics = await (await fetch(`${gateway.origin}/metrics`)).text();
      assert.match(metrics, /gateway_request_log_rows\{state="spilled"\} 20/);
      const spilledRows = readFileSync(join(folder, 'spill.ndjson'), 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('{'));
      assert.equal(spilledRows.length, 20);

      // Back while the gateway runs: the queue drains on the writer's next retry and the spill is replayed.
      proxy.restore();
      await eventually(() => {
        const stats = gateway.app.requestLog?.stats();
        return stats !== undefined && stats.queued === 0 && stats.replayed === 20;
      }, 20_000);
      assert.deepEqual(await storedIds(harness), new Set(sent));

      // Away again at shutdown: what is queued moves to the spill file, and the next start replays it.
      proxy.cut();
      sent.push(...(await sendMany(gateway, 6)));
    } finally {
      await gateway.close();
    }
    assert.ok(existsSync(join(folder, 'spill.ndjson')));
    assert.equal((await storedIds(harness)).size, 34);

    proxy.restore();
    const restarted = await start();
    try {
      await eventually(() => (restarted.app.requestLog?.stats().replayed ?? 0) === 6, 10_000);
      const stored = await storedIds(harness);
      assert.equal(stored.size, 40);
      assert.deepEqual(stored, new Set(sent));
    } finally {
      await restarted.close();
    }
  });
});

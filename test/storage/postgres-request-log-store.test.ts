import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createPostgresRequestLogStore } from '../../src/storage/postgres-request-log-store.js';
import { ensurePostgres } from '../helpers/ensure-postgres.js';
import { describeRequestLogStoreConformance } from './request-log-store-conformance.js';
import { servedEntry } from './sample-entries.js';
import { closedPort, freshSchema, openPostgresHarness } from './store-harness.js';
import type { StoreHarness } from './store-harness.js';

const databaseUrl = await ensurePostgres();

describeRequestLogStoreConformance('postgres', async () => openPostgresHarness(databaseUrl));

describe('postgres request log store', () => {
  const harnesses: StoreHarness[] = [];
  after(async () => {
    for (const harness of harnesses) await harness.dispose();
  });

  test('several gateways migrating at once apply each migration once', async () => {
    const schema = freshSchema();
    const first = openPostgresHarness(databaseUrl, { schema });
    harnesses.push(first);
    const others = [1, 2, 3].map(() =>
      createPostgresRequestLogStore({ connectionString: databaseUrl, schema }),
    );
    await Promise.all([first.store.migrate(), ...others.map((store) => store.migrate())]);
    const applied = await first.query('SELECT version FROM schema_migrations');
    assert.deepEqual(
      applied.map((row) => row.version),
      [1, 2, 3],
    );
    const entry = servedEntry();
    await others[0]?.append([entry]);
    assert.deepEqual(await first.store.findById(entry.requestId), entry);
    await Promise.all(others.map((store) => store.close()));
  });

  test('every index of the issue exists, the per-user ones partial', async () => {
    const harness = openPostgresHarness(databaseUrl);
    harnesses.push(harness);
    await harness.store.migrate();
    const indexes = await harness.query(
      "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'api_logs' AND schemaname = current_schema() ORDER BY indexname",
    );
    const names = indexes.map((index) => index.indexname);
    for (const name of [
      'api_logs_error_type',
      'api_logs_model_timestamp',
      'api_logs_provider_timestamp',
      'api_logs_route_timestamp',
      'api_logs_session',
      'api_logs_stats',
      'api_logs_timestamp',
      'api_logs_user',
      'api_logs_request_id_key',
    ]) {
      assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
    }
    const user = indexes.find((index) => index.indexname === 'api_logs_user');
    assert.match(String(user?.indexdef), /WHERE \(user_id IS NOT NULL\)/);
  });

  test('a table the seed created is adopted: its rows stay, our columns are added', async () => {
    const schema = freshSchema();
    const harness = openPostgresHarness(databaseUrl, { schema });
    harnesses.push(harness);
    await harness.query(`CREATE SCHEMA "${schema}"`);
    await harness.query(`CREATE TABLE api_logs (
      id SERIAL PRIMARY KEY, timestamp TIMESTAMP DEFAULT NOW(), request_id TEXT UNIQUE NOT NULL,
      model_id TEXT NOT NULL, provider TEXT NOT NULL, temperature FLOAT, top_p FLOAT, max_tokens INTEGER,
      seed INTEGER, stream BOOLEAN DEFAULT FALSE, ttft_ms FLOAT, latency_ms FLOAT, prompt_tokens INTEGER,
      completion_tokens INTEGER, reasoning_tokens INTEGER, total_tokens INTEGER, cache_read_tokens INTEGER,
      cache_write_tokens INTEGER, cost_usd DECIMAL(12, 8), prompt TEXT, response TEXT, prompt_hash TEXT,
      response_hash TEXT, status_code INTEGER, error TEXT, user_id TEXT, session_id TEXT, metadata JSONB,
      tools JSONB)`);
    await harness.query(`INSERT INTO api_logs (request_id, model_id, provider, temperature, stream, latency_ms, cost_usd)
      VALUES ('seed-1', 'deepseek-chat', 'deepseek', 0.5, true, 321, 0.00012345)`);
    await harness.store.migrate();
    const ours = servedEntry({ modelId: 'deepseek-chat' });
    await harness.store.append([ours]);
    const old = await harness.store.findById('seed-1');
    assert.deepEqual(old?.params, { temperature: 0.5 });
    assert.equal(old?.stream, true);
    assert.equal(old?.costUsd, 0.00012345);
    assert.equal(old?.fallback, false);
    // The seed's TIMESTAMP has no time zone; only `timestamp` may differ from what was appended.
    const stored = await harness.store.findById(ours.requestId);
    assert.deepEqual(stored, { ...ours, timestamp: stored?.timestamp });
    const counts = await harness.query('SELECT model_id, COUNT(*) FROM api_logs GROUP BY model_id');
    assert.deepEqual(
      counts.map((row) => [row.model_id, Number(row.count)]),
      [['deepseek-chat', 2]],
    );
  });

  test('a database that is down makes every call fail fast, never hang', async () => {
    const port = await closedPort();
    const store = createPostgresRequestLogStore({
      connectionString: `postgres://postgres@127.0.0.1:${port}/test`,
      connectTimeoutMs: 500,
    });
    const started = Date.now();
    await assert.rejects(store.migrate(), /ECONNREFUSED/);
    await assert.rejects(store.append([servedEntry()]), /ECONNREFUSED/);
    await assert.rejects(store.findById('gen-x'), /ECONNREFUSED/);
    await store.close();
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  });

  describe('a server that accepts connections and never answers', () => {
    let silent: Server;
    const sockets: Socket[] = [];
    before(async () => {
      silent = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    });
    after(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });

    test('append fails within the connect timeout', async () => {
      const address = silent.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const store = createPostgresRequestLogStore({
        connectionString: `postgres://postgres@127.0.0.1:${port}/test`,
        connectTimeoutMs: 300,
      });
      const started = Date.now();
      await assert.rejects(store.append([servedEntry()]), /timeout/i);
      assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
      await store.close();
    });
  });

  test('a schema name that is not a plain identifier is refused', () => {
    assert.throws(
      () => createPostgresRequestLogStore({ connectionString: databaseUrl, schema: 'x"; DROP TABLE y; --' }),
      /not a plain identifier/,
    );
  });
});

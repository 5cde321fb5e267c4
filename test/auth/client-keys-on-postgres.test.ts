import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import pg from 'pg';
import { createPostgresApiKeyStore } from '../../src/auth/postgres-api-key-store.js';
import { runKeysCommand } from '../../src/cli/keys-command.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { createPostgresRequestLogStore } from '../../src/storage/index.js';
import { ensurePostgres } from '../helpers/ensure-postgres.js';
import { startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';
import {
  ADMIN_KEY,
  burst,
  call,
  chatBody,
  createKey,
  heldModel,
  pricedModels,
  startHeldUpstream,
  type HeldUpstream,
} from './auth-helpers.js';

// The same flows with keys, spend and the request log in PostgreSQL, in a schema of this test's own.
const databaseUrl = await ensurePostgres();
const schema = `auth_test_${process.pid}_${Date.now()}`;
let simulator: Simulator;
let upstream: HeldUpstream;
let gateway: GatewayUnderTest;
let clock = Date.UTC(2026, 10, 29, 18, 0, 0);
const admin = new pg.Client({ connectionString: databaseUrl });

before(async () => {
  await admin.connect();
  simulator = await startSimulator({ models: ['sim-model'], responseTokens: 5 });
  upstream = await startHeldUpstream();
  gateway = await startGateway({
    modelsYaml: pricedModels(simulator) + heldModel(upstream),
    environment: { ADMIN_API_KEY: ADMIN_KEY, AUTH_MODE: 'keys' },
    dependencies: {
      now: () => clock,
      keyStore: createPostgresApiKeyStore({ connectionString: databaseUrl, schema }),
      requestLog: createPostgresRequestLogStore({ connectionString: databaseUrl, schema }),
    },
  });
});

after(async () => {
  await gateway.close();
  await simulator.close();
  await upstream.close();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
});

/**
 * A key written by another process is found on a miss, which reloads the key table at most once a second:
 * ask again until then (each ask is itself a miss, never a sleep of a guessed length).
 */
async function statusOnceKnown(key: string): Promise<number> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const reply = await call(gateway.origin, '/v1/chat/completions', { key, body: chatBody('priced') });
    if (reply.status !== 401 || Date.now() > deadline) return reply.status;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('client keys (PostgreSQL)', () => {
  test('a created key works with the official openai client; its usage lands in api_logs and /api/v1/key', async () => {
    const { key, id } = await createKey(gateway.origin, { name: 'pg user', limit: 1, limit_reset: 'weekly' });
    const client = new OpenAI({ baseURL: `${gateway.origin}/api/v1`, apiKey: key, maxRetries: 0 });
    const { data: completion, response } = await client.chat.completions
      .create({ model: 'priced', messages: [{ role: 'user', content: 'hello there' }] })
      .withResponse();
    const cost = (completion.usage as unknown as { cost: number }).cost;
    assert.ok(cost > 0);
    const info = await call(gateway.origin, '/api/v1/key', { key });
    assert.equal(info.json.data?.usage, cost);
    assert.equal(info.json.data?.usage_weekly, cost);
    assert.equal(info.json.data?.limit_remaining, 1 - cost);
    await gateway.app.requestLog?.flush();
    const rows = await admin.query<{ api_key_id: string }>(
      `SELECT api_key_id FROM "${schema}".api_logs WHERE request_id = $1`,
      [response.headers.get('x-generation-id')],
    );
    assert.deepEqual(rows.rows, [{ api_key_id: id }]);
    const stored = await admin.query<{ key_hash: string; last_four: string }>(
      `SELECT key_hash, last_four FROM "${schema}".api_keys WHERE id = $1`,
      [id],
    );
    assert.equal(stored.rows[0]?.last_four, key.slice(-4));
    assert.match(stored.rows[0]?.key_hash ?? '', /^[0-9a-f]{64}$/, 'only the hash is stored');
  });

  test('unknown → 401, disabled → 403, expired → 403, model outside the allowlist → 403', async () => {
    const { key, id } = await createKey(gateway.origin, {
      name: 'pg policy',
      allowed_models: ['priced'],
      expires_at: new Date(clock + 3_600_000).toISOString(),
    });
    assert.equal(
      (await call(gateway.origin, '/v1/chat/completions', { key, body: chatBody('sim/priced') })).status,
      200,
    );
    const forbidden = await call(gateway.origin, '/v1/chat/completions', {
      key,
      body: chatBody('other/model'),
    });
    assert.equal(forbidden.status, 403);
    assert.match(forbidden.json.error?.message ?? '', /other\/model/);
    assert.equal(
      (
        await call(gateway.origin, '/v1/chat/completions', {
          key: `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`,
          body: chatBody('priced'),
        })
      ).status,
      401,
    );
    await call(gateway.origin, `/admin/keys/${id}`, {
      method: 'PATCH',
      key: ADMIN_KEY,
      body: { disabled: true },
    });
    assert.equal(
      (await call(gateway.origin, '/v1/chat/completions', { key, body: chatBody('priced') })).status,
      403,
    );
    await call(gateway.origin, `/admin/keys/${id}`, {
      method: 'PATCH',
      key: ADMIN_KEY,
      body: { disabled: false },
    });
    clock += 3_600_001;
    const expired = await call(gateway.origin, '/v1/chat/completions', { key, body: chatBody('priced') });
    assert.equal(expired.status, 403);
    assert.equal(expired.json.error?.metadata?.reason, 'key_expired');
  });

  test('budget: concurrent requests stay within one worst case, 402 when exhausted, back after the reset', async () => {
    clock = Date.UTC(2026, 11, 2, 10, 0, 0);
    const { key } = await createKey(gateway.origin, {
      name: 'pg budget',
      limit: 0.0001,
      limit_reset: 'daily',
    });
    const replies = await burst(upstream, 12, () =>
      call(gateway.origin, '/v1/chat/completions', { key, body: chatBody('held', { max_tokens: 10 }) }),
    );
    const served = replies.filter((reply) => reply.status === 200).length;
    assert.equal(served, 3, '100 µ$ / 26 µ$ worst case');
    const refused = replies.find((reply) => reply.status === 402);
    assert.equal(refused?.json.error?.metadata?.limit_remaining, (100 - 3 * 26) / 1e6);
    const spent = Number((await call(gateway.origin, '/api/v1/key', { key })).json.data?.usage);
    assert.ok(spent <= 0.0001 + 0.000026);
    clock = Date.UTC(2026, 11, 3, 0, 0, 0);
    assert.equal(
      (
        await call(gateway.origin, '/v1/chat/completions', {
          key,
          body: chatBody('priced', { max_tokens: 10 }),
        })
      ).status,
      200,
    );
  });

  test('the CLI works on the same PostgreSQL database', async () => {
    const output: string[] = [];
    const io = {
      write: (text: string) => output.push(text),
      writeError: (text: string) => output.push(text),
    };
    const url = new URL(databaseUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const environment = {
      USE_SQLITE_LOG: 'false',
      DATABASE_URL: url.toString(),
      MODELS_CONFIG: `${gateway.directory}/models.yaml`,
    };
    const code = await runKeysCommand(
      ['create', '--name', 'from cli', '--json'],
      environment,
      gateway.directory,
      io,
    );
    assert.equal(code, 0, output.join(''));
    const created = JSON.parse(output.join('')) as { id: string; key: string };
    assert.equal(await statusOnceKnown(created.key), 200);
    output.length = 0;
    assert.equal(await runKeysCommand(['list', '--json'], environment, gateway.directory, io), 0);
    assert.ok(output.join('').includes(created.id));
    assert.ok(!output.join('').includes(created.key));
  });
});

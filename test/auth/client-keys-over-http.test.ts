import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { eventually, startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';
import { ADMIN_KEY, call, chatBody, createKey, pricedModels } from './auth-helpers.js';

// Client keys on the default store (SQLite, the request log's file), through a running gateway.
let simulator: Simulator;
let gateway: GatewayUnderTest;
let clock = Date.UTC(2026, 10, 29, 12, 0, 0);

before(async () => {
  simulator = await startSimulator({ models: ['sim-model'], responseTokens: 5 });
  gateway = await startGateway({
    modelsYaml: pricedModels(simulator),
    environment: { ADMIN_API_KEY: ADMIN_KEY, TRUST_PROXY: 'true' },
    dependencies: { now: () => clock },
  });
});

after(async () => {
  await gateway.close();
  await simulator.close();
});

const chat = (key: string | null, model = 'priced', headers: Record<string, string> = {}) =>
  call(gateway.origin, '/v1/chat/completions', { key, body: chatBody(model), headers });

describe('client keys (SQLite)', () => {
  test('a created key works with the official openai client, stream and non-stream', async () => {
    const { key, id } = await createKey(gateway.origin, { name: 'sdk user', owner: 'alice' });
    const client = new OpenAI({ baseURL: `${gateway.origin}/v1`, apiKey: key, maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'priced',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(completion.model, 'sim/priced');
    const stream = await client.chat.completions.create({
      model: 'priced',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text.split(' ').length, 5);
    await eventually(() => gateway.records.filter((record) => record.apiKeyId === id).length === 2);
    const refused = new OpenAI({ baseURL: `${gateway.origin}/v1`, apiKey: 'hi-wrong', maxRetries: 0 });
    await assert.rejects(
      refused.chat.completions.create({ model: 'priced', messages: [{ role: 'user', content: 'hi' }] }),
      (error: unknown) => error instanceof OpenAI.AuthenticationError,
    );
  });

  test('the key is accepted as x-api-key too; /api/v1 is guarded like /v1', async () => {
    const { key } = await createKey(gateway.origin, { name: 'header user' });
    const reply = await call(gateway.origin, '/api/v1/chat/completions', {
      key: null,
      body: chatBody('priced'),
      headers: { 'x-api-key': key },
    });
    assert.equal(reply.status, 200);
    assert.equal((await call(gateway.origin, '/api/v1/models', { key: null })).status, 401);
    assert.equal((await call(gateway.origin, '/api/v1/models', { key })).status, 200);
  });

  test('missing, unknown or malformed key → 401 in the one error shape, upstream never called', async () => {
    const before = simulator.stats().totalRequests;
    for (const key of [null, 'hi-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'sk-something-else', '']) {
      const reply = await chat(key);
      assert.equal(reply.status, 401, `key ${String(key)}`);
      assert.equal(reply.json.error?.code, 401);
      assert.equal(reply.json.error?.type, 'authentication');
      assert.ok((reply.json.error?.message ?? '').length > 10);
    }
    assert.equal(simulator.stats().totalRequests, before);
  });

  test('disabled → 403 until enabled again; the change is in force at once', async () => {
    const { key, id } = await createKey(gateway.origin, { name: 'to disable' });
    assert.equal((await chat(key)).status, 200);
    const patched = await call(gateway.origin, `/admin/keys/${id}`, {
      method: 'PATCH',
      key: ADMIN_KEY,
      body: { disabled: true },
    });
    assert.equal(patched.status, 200);
    const refused = await chat(key);
    assert.equal(refused.status, 403);
    assert.equal(refused.json.error?.type, 'permission_denied');
    assert.equal(refused.json.error?.metadata?.reason, 'key_disabled');
    await call(gateway.origin, `/admin/keys/${id}`, {
      method: 'PATCH',
      key: ADMIN_KEY,
      body: { disabled: false },
    });
    assert.equal((await chat(key)).status, 200);
    assert.equal(
      (await call(gateway.origin, `/admin/keys/${id}`, { method: 'DELETE', key: ADMIN_KEY })).status,
      200,
    );
    assert.equal((await chat(key)).status, 401, 'a deleted key is unknown');
  });

  test('expired → 403 once the clock passes expires_at', async () => {
    const { key } = await createKey(gateway.origin, {
      name: 'short lived',
      expires_at: new Date(clock + 60_000).toISOString(),
    });
    assert.equal((await chat(key)).status, 200);
    clock += 61_000;
    const refused = await chat(key);
    assert.equal(refused.status, 403);
    assert.equal(refused.json.error?.metadata?.reason, 'key_expired');
  });

  test('a model outside the allowlist → 403 naming it; ids, aliases and fallbacks are all checked', async () => {
    const { key } = await createKey(gateway.origin, { name: 'llama only', allowed_models: ['sim/*'] });
    assert.equal((await chat(key, 'sim/priced')).status, 200);
    assert.equal((await chat(key, 'priced')).status, 200, 'an alias of an allowed model');
    const refused = await chat(key, 'other/model');
    assert.equal(refused.status, 403);
    assert.match(refused.json.error?.message ?? '', /'other\/model'/);
    assert.equal(refused.json.error?.metadata?.model, 'other/model');
    const fallback = await call(gateway.origin, '/v1/chat/completions', {
      key,
      body: chatBody('priced', { models: ['other/model'] }),
    });
    assert.equal(fallback.status, 403, 'a fallback outside the allowlist');
    assert.equal(
      (await chat(key, 'auto')).status,
      403,
      '`auto` could reach any model: it must be allowed by name',
    );
  });

  test('an address outside the allowlist → 403; X-Forwarded-For counts because TRUST_PROXY is set', async () => {
    const { key } = await createKey(gateway.origin, {
      name: 'office',
      allowed_ips: ['203.0.113.0/24', '2001:db8::/32'],
    });
    assert.equal((await chat(key, 'priced', { 'x-forwarded-for': '203.0.113.9' })).status, 200);
    assert.equal((await chat(key, 'priced', { 'x-forwarded-for': '2001:db8::7' })).status, 200);
    const refused = await chat(key, 'priced', { 'x-forwarded-for': '198.51.100.1' });
    assert.equal(refused.status, 403);
    assert.equal(refused.json.error?.metadata?.reason, 'ip_not_allowed');
    assert.equal((await chat(key)).status, 403, 'the direct peer 127.0.0.1 is not in the list');
  });

  test('per-key rpm goes through the limits layer: 429 with Retry-After, room again a minute later', async () => {
    const { key } = await createKey(gateway.origin, { name: 'slow lane', limits: { rpm: 2 } });
    assert.equal((await chat(key)).status, 200);
    assert.equal((await chat(key)).status, 200);
    const refused = await chat(key);
    assert.equal(refused.status, 429);
    assert.equal(refused.json.error?.metadata?.scope, 'key');
    assert.equal(refused.json.error?.metadata?.reason, 'rpm_limit');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    clock += 60_000;
    assert.equal((await chat(key)).status, 200);
  });

  test('usage lands in the request log under the key id, and /api/v1/key and /credits reflect it', async () => {
    const { key, id } = await createKey(gateway.origin, {
      name: 'metered',
      limit: 5,
      limit_reset: 'monthly',
    });
    const before = await call(gateway.origin, '/api/v1/key', { key });
    assert.equal(before.status, 200);
    assert.equal(before.json.data?.usage, 0);
    assert.equal(before.json.data?.limit, 5);
    assert.equal(before.json.data?.limit_remaining, 5);
    assert.equal(before.json.data?.limit_reset, 'monthly');
    assert.equal(before.json.data?.label, `hi-…${key.slice(-4)}`);
    const first = await chat(key);
    const second = await chat(key);
    const spent = (first.json.usage?.cost ?? 0) + (second.json.usage?.cost ?? 0);
    assert.ok(spent > 0);
    const after = await call(gateway.origin, '/api/v1/key', { key });
    assert.ok(
      Math.abs(Number(after.json.data?.usage) - spent) < 2e-6,
      `usage ${String(after.json.data?.usage)} vs ${spent}`,
    );
    assert.ok(Math.abs(Number(after.json.data?.usage_daily) - spent) < 2e-6);
    assert.ok(Math.abs(Number(after.json.data?.limit_remaining) - (5 - spent)) < 2e-6);
    const credits = await call(gateway.origin, '/api/v1/credits', { key });
    assert.equal(credits.json.data?.total_credits, 5);
    assert.ok(Math.abs(Number(credits.json.data?.total_usage) - spent) < 2e-6);

    await gateway.app.requestLog?.flush();
    const db = new Database(gateway.config.storage.sqlitePath, { readonly: true });
    try {
      const rows = db
        .prepare<[string], { api_key_id: string | null }>(
          'SELECT api_key_id FROM api_logs WHERE request_id = ?',
        )
        .all(first.headers.get('x-generation-id') ?? '');
      assert.deepEqual(rows, [{ api_key_id: id }]);
    } finally {
      db.close();
    }
  });

  test('a key reads its own generations only; the admin key reads any', async () => {
    const owner = await createKey(gateway.origin, { name: 'generation owner' });
    const other = await createKey(gateway.origin, { name: 'someone else' });
    const reply = await chat(owner.key);
    assert.equal(reply.status, 200);
    const id = reply.headers.get('x-generation-id') ?? '';
    const path = `/api/v1/generation?id=${id}`;
    const own = await call(gateway.origin, path, { key: owner.key });
    assert.equal(own.status, 200);
    assert.equal(own.json.data?.id, id);
    const foreign = await call(gateway.origin, path, { key: other.key });
    assert.equal(foreign.status, 404);
    assert.equal((await call(gateway.origin, path, { key: ADMIN_KEY })).status, 200);
  });
});

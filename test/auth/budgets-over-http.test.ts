import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { ensureRedis } from '../helpers/ensure-services.js';
import { eventually, startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';
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

// Prices: 1 µ$ per prompt token, 2 µ$ per completion token. "hello there" is 6 prompt tokens for the
// simulator and for the tokenizer estimate, the simulator answers 5 tokens: a request costs 6 + 10 = 16 µ$,
// and with max_tokens 10 its worst case is 6 + 20 = 26 µ$.
const COST_MICROS = 16;
const WORST_MICROS = 26;
let simulator: Simulator;
let upstream: HeldUpstream;
let gateway: GatewayUnderTest;
let clock = Date.UTC(2026, 10, 29, 10, 0, 0);

before(async () => {
  simulator = await startSimulator({ models: ['sim-model'], responseTokens: 5 });
  upstream = await startHeldUpstream();
  gateway = await startGateway({
    modelsYaml: pricedModels(simulator) + heldModel(upstream),
    environment: { ADMIN_API_KEY: ADMIN_KEY },
    dependencies: { now: () => clock },
  });
});

after(async () => {
  await gateway.close();
  await simulator.close();
  await upstream.close();
});

const usd = (micros: number) => micros / 1e6;

async function usageMicros(origin: string, key: string): Promise<number> {
  const reply = await call(origin, '/api/v1/key', { key });
  return Math.round(Number(reply.json.data?.usage) * 1e6);
}

describe('budgets (memory state store)', () => {
  test('concurrent requests never overspend by more than one worst case', async () => {
    const limitMicros = 200;
    const { key } = await createKey(gateway.origin, { name: 'burst', limit: usd(limitMicros) });
    // Every admitted request holds its worst case until all 30 were decided.
    const replies = await burst(upstream, 30, () =>
      call(gateway.origin, '/v1/chat/completions', { key, body: chatBody('held', { max_tokens: 10 }) }),
    );
    const served = replies.filter((reply) => reply.status === 200).length;
    const refused = replies.filter((reply) => reply.status === 402);
    assert.equal(served + refused.length, 30);
    assert.equal(served, Math.floor(limitMicros / WORST_MICROS), 'admitted while each held its worst case');
    const spent = await usageMicros(gateway.origin, key);
    assert.equal(spent, served * COST_MICROS);
    assert.ok(spent <= limitMicros + WORST_MICROS);
    assert.equal(refused[0]?.json.error?.code, 402);
    assert.equal(refused[0]?.json.error?.type, 'payment_required');
    assert.equal(refused[0]?.json.error?.metadata?.reason, 'budget_exhausted');
    assert.equal(refused[0]?.json.error?.metadata?.worst_case_cost, usd(WORST_MICROS));
  });

  test('402 with the remaining amount when exhausted, and served again after the daily reset', async () => {
    const { key } = await createKey(gateway.origin, { name: 'daily', limit: usd(50), limit_reset: 'daily' });
    const body = chatBody('priced', { max_tokens: 10 });
    assert.equal((await call(gateway.origin, '/v1/chat/completions', { key, body })).status, 200);
    assert.equal((await call(gateway.origin, '/v1/chat/completions', { key, body })).status, 200);
    const refused = await call(gateway.origin, '/v1/chat/completions', { key, body });
    assert.equal(refused.status, 402);
    assert.equal(refused.json.error?.metadata?.limit_remaining, usd(50 - 2 * COST_MICROS));
    assert.equal(refused.json.error?.metadata?.limit, usd(50));
    assert.equal(refused.json.error?.metadata?.resets_at, '2026-11-30T00:00:00.000Z');
    assert.match(refused.json.error?.message ?? '', /\$0\.000018 left of \$0\.00005/);
    const info = await call(gateway.origin, '/api/v1/key', { key });
    assert.equal(info.json.data?.limit_remaining, usd(50 - 2 * COST_MICROS));
    clock = Date.UTC(2026, 11, 1, 0, 0, 1);
    assert.equal((await call(gateway.origin, '/v1/chat/completions', { key, body })).status, 200);
    const next = await call(gateway.origin, '/api/v1/key', { key });
    assert.equal(next.json.data?.usage_daily, usd(COST_MICROS), 'a new day');
    assert.equal(next.json.data?.usage, usd(3 * COST_MICROS), 'all-time usage keeps counting');
  });

  test('an exhausted budget refuses even a free request; a key without a budget is never refused', async () => {
    const { key } = await createKey(gateway.origin, { name: 'tiny', limit: usd(16) });
    assert.equal(
      (
        await call(gateway.origin, '/v1/chat/completions', {
          key,
          body: chatBody('priced', { max_tokens: 5 }),
        })
      ).status,
      200,
      'worst case 16 µ$ fits exactly',
    );
    const refused = await call(gateway.origin, '/v1/chat/completions', {
      key,
      body: chatBody('priced', { max_tokens: 1 }),
    });
    assert.equal(refused.status, 402);
    const free = await createKey(gateway.origin, { name: 'unmetered' });
    for (let index = 0; index < 3; index += 1) {
      assert.equal(
        (await call(gateway.origin, '/v1/chat/completions', { key: free.key, body: chatBody('priced') }))
          .status,
        200,
      );
    }
    const info = await call(gateway.origin, '/api/v1/key', { key: free.key });
    assert.equal(info.json.data?.limit, null);
    assert.equal(info.json.data?.limit_remaining, null);
    assert.ok(Number(info.json.data?.usage) > 0);
  });

  test('streams settle to their real cost, a cancelled stream too (its hold is released at once)', async () => {
    // A stream of up to 1000 tokens holds 6 + 2000 µ$; the budget leaves no room for another request meanwhile.
    const { key } = await createKey(gateway.origin, { name: 'streamer', limit: usd(2020) });
    const controller = new AbortController();
    const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(
        chatBody('priced', { max_tokens: 1000, stream: true, sim: { tokens: 1000, tokens_per_second: 50 } }),
      ),
      signal: controller.signal,
    });
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    await reader.read();
    const blocked = await call(gateway.origin, '/v1/chat/completions', {
      key,
      body: chatBody('priced', { max_tokens: 10 }),
    });
    assert.equal(blocked.status, 402, 'the running stream holds its worst case');
    controller.abort();
    await eventually(() =>
      gateway.records.some((record) => record.cancelled && record.apiKeyId !== undefined),
    );
    const record = gateway.records.find((candidate) => candidate.cancelled && candidate.stream);
    assert.ok(
      record !== undefined && (record.costUsd ?? 0) > 0,
      'the cancelled stream is billed what it generated',
    );
    const streamed = await call(gateway.origin, '/v1/chat/completions', {
      key,
      body: chatBody('priced', { max_tokens: 10, stream: true }),
    });
    assert.equal(streamed.status, 200, 'the hold went back when the stream was cancelled');
    assert.match(streamed.text, /\[DONE\]/);
    const spent = await usageMicros(gateway.origin, key);
    assert.equal(spent, Math.round((record.costUsd ?? 0) * 1e6) + COST_MICROS);
  });
});

describe('budgets shared by two gateways (SQLite state store and key database)', () => {
  test('requests split over two processes never overspend by more than one worst case', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'hi-budget-'));
    const environment = {
      ADMIN_API_KEY: ADMIN_KEY,
      AUTH_MODE: 'keys',
      STATE_STORE: 'sqlite',
      STATE_SQLITE_PATH: join(directory, 'state.db'),
      SQLITE_DB_PATH: join(directory, 'logs.db'),
    };
    const modelsYaml = pricedModels(simulator) + heldModel(upstream);
    const first = await startGateway({ modelsYaml, environment });
    const second = await startGateway({ modelsYaml, environment });
    try {
      const limitMicros = 300;
      const { key } = await createKey(first.origin, { name: 'shared', limit: usd(limitMicros) });
      const replies = await burst(upstream, 40, (index) =>
        call((index % 2 === 0 ? first : second).origin, '/v1/chat/completions', {
          key,
          body: chatBody('held', { max_tokens: 10 }),
        }),
      );
      const served = replies.filter((reply) => reply.status === 200).length;
      assert.equal(served, Math.floor(limitMicros / WORST_MICROS));
      assert.ok(replies.every((reply) => reply.status === 200 || reply.status === 402));
      const spent = await usageMicros(second.origin, key);
      assert.ok(spent <= limitMicros + WORST_MICROS, `spent ${spent} µ$`);
      assert.equal(spent, served * COST_MICROS);
    } finally {
      await first.close();
      await second.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('budget spend survives restarts', () => {
  const daily = async (origin: string, key: string) =>
    (await call(origin, '/v1/chat/completions', { key, body: chatBody('priced', { max_tokens: 10 }) }))
      .status;

  for (const store of ['memory', 'redis'] as const) {
    test(`${store} state store: a restarted gateway knows what was spent (seeded once from the key database)`, async () => {
      await ensureRedis();
      const directory = mkdtempSync(join(tmpdir(), 'hi-budget-restart-'));
      const environment = {
        ADMIN_API_KEY: ADMIN_KEY,
        AUTH_MODE: 'keys',
        SQLITE_DB_PATH: join(directory, 'logs.db'),
        STATE_STORE: store,
        REDIS_URL: 'redis://127.0.0.1:6379',
        REDIS_KEY_PREFIX: `hi-auth-restart:${process.pid}:${Date.now()}:`,
      };
      // A Redis store starts on local counters until it has connected: the first requests may be served
      // there, and what they spent must reach Redis once it answers.
      const modelsYaml = pricedModels(simulator);
      const first = await startGateway({ modelsYaml, environment });
      let key = '';
      try {
        ({ key } = await createKey(first.origin, { name: 'restart', limit: usd(60) }));
        assert.equal(await daily(first.origin, key), 200);
        assert.equal(await daily(first.origin, key), 200);
      } finally {
        await first.close();
      }
      // 32 µ$ spent of 60: one more request (worst case 26) fits, the next does not; nothing counted twice.
      const second = await startGateway({ modelsYaml, environment });
      try {
        assert.equal(await daily(second.origin, key), 200);
        const refused = await call(second.origin, '/v1/chat/completions', {
          key,
          body: chatBody('priced', { max_tokens: 10 }),
        });
        assert.equal(refused.status, 402);
        assert.equal(refused.json.error?.metadata?.limit_remaining, usd(60 - 3 * COST_MICROS));
      } finally {
        await second.close();
        rmSync(directory, { recursive: true, force: true });
        const redis = new Redis(environment.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
        await redis.connect();
        const keys = await redis.keys(`${environment.REDIS_KEY_PREFIX}*`);
        if (keys.length > 0) await redis.del(...keys);
        await redis.quit();
      }
    });
  }
});

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { RedisStore } from '../../src/state/redis-store.js';
import type { CounterCharge, StoreStatus } from '../../src/state/state-store.js';
import { startPrivateRedis } from '../helpers/private-redis.js';
import { T0 } from './store-conformance.js';

// A private redis-server on a free port, so killing it never touches the Redis other tests share.
const redis = await startPrivateRedis();
const url = redis.url;
const stores: RedisStore[] = [];
const changes: StoreStatus[] = [];

after(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await redis.stop('SIGKILL');
});

async function openStore(): Promise<RedisStore> {
  const store = await RedisStore.open({
    url,
    keyPrefix: 'outage:',
    probeIntervalMs: 100,
    // The gateway clock of these tests, used to write cooldowns back after the outage.
    now: () => T0 + 1,
    onStatusChange: (status) => changes.push(status),
  });
  stores.push(store);
  return store;
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Reserves `count` times one by one; each call must resolve within 1 s. */
async function admittedOf(
  store: RedisStore,
  charge: CounterCharge,
  count: number,
  now = T0,
): Promise<number> {
  let admitted = 0;
  for (let index = 0; index < count; index += 1) {
    const started = Date.now();
    const result = await store.reserve([charge], now);
    assert.ok(Date.now() - started < 1000, `reserve took ${Date.now() - started} ms`);
    if (result.admitted) admitted += 1;
  }
  return admitted;
}

test('a dead Redis degrades to local limits scaled to the share, and Redis is used again when it returns', async () => {
  const first = await openStore();
  const second = await openStore();
  assert.deepEqual(first.status(), { kind: 'redis', healthy: true, detail: null });
  const held = { key: 'held', window: 'concurrent' as const, limit: 1, amount: 1 };
  assert.equal((await first.reserve([held], T0)).admitted, true);
  await first.setUntil('cooldown', T0 + 600_000, T0);
  assert.equal(first.liveInstances, 2, 'the reserve counted both gateways');

  await redis.stop('SIGKILL');
  const limit = { key: 'rpm-outage', window: 'minute' as const, limit: 10, amount: 1 };
  assert.equal(await admittedOf(first, limit, 10), 5, 'half of the limit: two gateways were live');
  const status = first.status();
  assert.equal(status.healthy, false);
  assert.match(status.detail ?? '', /unreachable .* scaled to 1\/2/);
  assert.equal((await first.reserve([held], T0)).admitted, false, 'the slot held before the outage counts');
  assert.deepEqual(await first.getUntil(['cooldown'], T0 + 1), [T0 + 600_000], 'own cooldowns survive');
  await first.adjust([{ key: 'held', window: 'concurrent', amount: -1, chargedAt: T0 }], T0);
  assert.equal((await first.reserve([held], T0)).admitted, true, 'released and taken again, locally');

  await redis.start();
  await waitFor(() => first.status().healthy && second.status().healthy, 'both stores to recover');
  assert.deepEqual(first.status(), { kind: 'redis', healthy: true, detail: null });
  // The restarted Redis is empty: the slot and the cooldown the first gateway holds were written back.
  assert.equal((await second.reserve([held], T0)).admitted, false);
  assert.deepEqual(await second.getUntil(['cooldown'], T0 + 1), [T0 + 600_000]);
  // Shared again: two gateways together admit the full limit, once.
  const fresh = { ...limit, key: 'rpm-after' };
  const both = (await admittedOf(first, fresh, 8)) + (await admittedOf(second, fresh, 8));
  assert.equal(both, 10);
  assert.deepEqual(
    changes.map((change) => change.healthy),
    [true, true, false, false, true, true],
    'each store reported its transitions once',
  );
});

test('a Redis that stops answering (hung, not closed) times out fast and recovers', async () => {
  const store = await openStore();
  await waitFor(() => store.status().healthy, 'the store to be healthy');
  await redis.stop('SIGSTOP');
  try {
    const charge = { key: 'rpm-hung', window: 'minute' as const, limit: 4, amount: 1 };
    const started = Date.now();
    await store.reserve([charge], T0);
    assert.ok(Date.now() - started < 600, `reserve took ${Date.now() - started} ms`);
    assert.equal(store.status().healthy, false);
    assert.match(store.status().detail ?? '', /timed out/);
    await store.adjust([{ key: 'rpm-hung', window: 'minute', amount: -1, chargedAt: T0 }], T0);
    assert.deepEqual(await store.getUntil(['nothing'], T0), [null]);
  } finally {
    redis.resume();
  }
  await waitFor(() => store.status().healthy, 'the store to recover');
});

test('a Redis down at start gives a degraded store, not a crash, and it connects when Redis comes up', async () => {
  await redis.stop('SIGKILL');
  const started = Date.now();
  const store = await openStore();
  assert.ok(Date.now() - started < 1000, `open took ${Date.now() - started} ms`);
  assert.equal(store.status().healthy, false);
  assert.match(
    store.status().detail ?? '',
    new RegExp(`Redis at redis://127.0.0.1:${redis.port} unreachable`),
  );
  const charge = { key: 'rpm-start', window: 'minute' as const, limit: 3, amount: 1 };
  assert.equal(await admittedOf(store, charge, 4), 3, 'alone as far as it knows: the whole limit');
  await redis.start();
  await waitFor(() => store.status().healthy, 'the store to connect');
  assert.equal(await admittedOf(store, { ...charge, key: 'rpm-started' }, 4), 3);
});

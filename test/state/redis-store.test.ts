import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { DAY_MS, msToNextDay } from '../../src/state/counter-math.js';
import { RedisStore } from '../../src/state/redis-store.js';
import { describeStoreConformance, freshKey, T0 } from './store-conformance.js';

// The shared Redis these tests need; a Redis that is down fails them (no skip).
const url = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';
const keyPrefix = `hi-test:${process.pid}:${Date.now()}:`;
const stores: RedisStore[] = [];

async function openStore(): Promise<RedisStore> {
  const store = await RedisStore.open({ url, keyPrefix });
  stores.push(store);
  const status = store.status();
  assert.equal(status.healthy, true, `these tests need Redis at ${url}: ${status.detail ?? ''}`);
  return store;
}

const shared = await openStore();
const raw = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
await raw.connect();

after(async () => {
  await Promise.all(stores.map((store) => store.close()));
  const keys = await raw.keys(`${keyPrefix}*`);
  if (keys.length > 0) await raw.del(...keys);
  await raw.quit();
});

describeStoreConformance('redis', () => shared);

describe('redis store: shared by several gateways', () => {
  test('two gateways admit exactly `limit` in total for a minute limit', async () => {
    const other = await openStore();
    const key = freshKey('rpm-shared');
    const charge = { key, window: 'minute' as const, limit: 20, amount: 1 };
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, index) => (index % 2 === 0 ? shared : other).reserve([charge], T0)),
    );
    assert.equal(results.filter((result) => result.admitted).length, 20);
    const refused = results.find((result) => !result.admitted);
    assert.deepEqual(refused, { admitted: false, key, limit: 20, retryAfterMs: 60_000 });
  });

  test('the reserve script is atomic: 100 concurrent reserves against a limit of 37 admit 37', async () => {
    const key = freshKey('rpm-race');
    const results = await Promise.all(
      Array.from({ length: 100 }, () =>
        shared.reserve(
          [
            { key, window: 'minute', limit: 37, amount: 1 },
            { key, window: 'day', limit: 1000, amount: 1 },
          ],
          T0,
        ),
      ),
    );
    assert.equal(results.filter((result) => result.admitted).length, 37);
    const remaining = results.flatMap((result) => (result.admitted ? [result.standings[0]!.remaining] : []));
    assert.deepEqual(
      remaining.sort((left, right) => left - right),
      Array.from({ length: 37 }, (_, index) => index),
    );
  });

  test('a concurrency slot held by one gateway is seen by the other until released', async () => {
    const other = await openStore();
    const key = freshKey('concurrency-shared');
    const charge = { key, window: 'concurrent' as const, limit: 1, amount: 1 };
    assert.equal((await shared.reserve([charge], T0)).admitted, true);
    assert.equal((await other.reserve([charge], T0)).admitted, false);
    await shared.adjust([{ key, window: 'concurrent', amount: -1, chargedAt: T0 }], T0 + 1);
    assert.equal((await other.reserve([charge], T0 + 2)).admitted, true);
  });

  test('slots of a gateway that stopped heartbeating (crashed) no longer count', async () => {
    const key = freshKey('concurrency-ghost');
    const counter = `${keyPrefix}count:${key}:c`;
    // A gateway last seen a minute ago still "holds" both slots.
    const time = await raw.time();
    const clockMs = Number(time[0]) * 1000 - 60_000;
    await raw.zadd(`${keyPrefix}instances`, clockMs, 'ghost');
    await raw.hset(counter, 'ghost', 2);
    const charge = { key, window: 'concurrent' as const, limit: 2, amount: 1 };
    assert.equal((await shared.reserve([charge], T0)).admitted, true);
    assert.equal((await shared.reserve([charge], T0)).admitted, true);
    assert.equal(await raw.hexists(counter, 'ghost'), 0, 'the ghost slots were dropped');
    assert.equal(await raw.zscore(`${keyPrefix}instances`, 'ghost'), null);
  });

  test('a gateway that closes leaves the count of live gateways', async () => {
    const other = await openStore();
    const key = freshKey('instances');
    await shared.reserve([{ key, window: 'minute', limit: 10, amount: 1 }], T0);
    const before = shared.liveInstances;
    await other.close();
    await shared.reserve([{ key, window: 'minute', limit: 10, amount: 1 }], T0);
    assert.equal(shared.liveInstances, before - 1);
  });

  test('every key expires: minute 61 s after its last write, day a day after midnight, slots within 1 h', async () => {
    const key = freshKey('expiry');
    await shared.reserve(
      [
        { key, window: 'minute', limit: 10, amount: 1 },
        { key, window: 'day', limit: 10, amount: 1 },
        { key, window: 'concurrent', limit: 10, amount: 1 },
      ],
      T0,
    );
    await shared.setUntil(key, T0 + 30_000, T0);
    const ttl = async (suffix: string): Promise<number> => raw.pttl(`${keyPrefix}${suffix}`);
    const minute = await ttl(`count:${key}:m`);
    assert.ok(minute > 59_000 && minute <= 61_000, `minute ttl ${minute}`);
    const day = await ttl(`count:${key}:d${Math.floor(T0 / DAY_MS)}`);
    const expectedDay = msToNextDay(T0) + DAY_MS;
    assert.ok(day > expectedDay - 2000 && day <= expectedDay, `day ttl ${day}`);
    const concurrent = await ttl(`count:${key}:c`);
    assert.ok(concurrent > 3_598_000 && concurrent <= 3_600_000, `concurrent ttl ${concurrent}`);
    const until = await ttl(`until:${key}`);
    assert.ok(until > 28_000 && until <= 30_000, `until ttl ${until}`);
  });

  test('settling a day counter never takes it below zero, nor a released slot', async () => {
    const key = freshKey('floors');
    await shared.reserve([{ key, window: 'day', limit: 3, amount: 1 }], T0);
    await shared.adjust(
      [
        { key, window: 'day', amount: -5, chargedAt: T0 },
        { key, window: 'concurrent', amount: -1, chargedAt: T0 },
      ],
      T0,
    );
    const charge = { key, window: 'day' as const, limit: 3, amount: 1 };
    for (let index = 0; index < 3; index += 1)
      assert.equal((await shared.reserve([charge], T0)).admitted, true);
    assert.equal((await shared.reserve([charge], T0)).admitted, false);
    const concurrent = { key, window: 'concurrent' as const, limit: 1, amount: 1 };
    assert.equal((await shared.reserve([concurrent], T0)).admitted, true);
    assert.equal((await shared.reserve([concurrent], T0)).admitted, false);
  });
});

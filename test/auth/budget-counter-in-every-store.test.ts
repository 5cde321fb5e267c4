import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { MemoryStore } from '../../src/state/memory-store.js';
import { RedisStore } from '../../src/state/redis-store.js';
import { SqliteStore } from '../../src/state/sqlite-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import { ensureRedis } from '../helpers/ensure-services.js';

// Budgets live in `total` counters: atomic across processes, never rolled over by the store itself.
const T0 = Date.UTC(2026, 10, 29, 23, 0);
const DAY = 86_400_000;
const directory = mkdtempSync(join(tmpdir(), 'hi-total-'));
const redisUrl = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';
const prefix = `hi-auth-test:${process.pid}:${Date.now()}:`;
const opened: StateStore[] = [];
let unique = 0;
const freshKey = () => `budget:test-${process.pid}-${(unique += 1)}:all`;

after(async () => {
  await Promise.all(opened.map((store) => store.close()));
  rmSync(directory, { recursive: true, force: true });
  const raw = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await raw.connect();
  const keys = await raw.keys(`${prefix}*`);
  if (keys.length > 0) await raw.del(...keys);
  await raw.quit();
});

async function pair(kind: 'memory' | 'sqlite' | 'redis'): Promise<[StateStore, StateStore]> {
  if (kind === 'memory') {
    const store = new MemoryStore();
    return [store, store];
  }
  if (kind === 'sqlite') {
    const path = join(directory, `state-${(unique += 1)}.db`);
    const stores: [StateStore, StateStore] = [SqliteStore.open(path), SqliteStore.open(path)];
    opened.push(...stores);
    return stores;
  }
  await ensureRedis();
  const stores: [StateStore, StateStore] = [
    await RedisStore.open({ url: redisUrl, keyPrefix: prefix }),
    await RedisStore.open({ url: redisUrl, keyPrefix: prefix }),
  ];
  opened.push(...stores);
  for (const store of stores)
    assert.equal(store.status().healthy, true, `these tests need Redis at ${redisUrl}`);
  return stores;
}

for (const kind of ['memory', 'sqlite', 'redis'] as const) {
  describe(`${kind} store: total counters (budgets)`, () => {
    test('concurrent reservations from two gateways never exceed the limit together', async () => {
      const [first, second] = await pair(kind);
      const key = freshKey();
      const charge = { key, window: 'total' as const, limit: 1000, amount: 70 };
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, index) => (index % 2 === 0 ? first : second).reserve([charge], T0)),
      );
      const admitted = results.filter((result) => result.admitted).length;
      assert.equal(admitted, 14, '14 × 70 = 980 fits under 1000; the 15th would not');
      const refused = await first.reserve([{ ...charge, amount: 21 }], T0);
      assert.equal(refused.admitted, false);
      const exact = await second.reserve([{ ...charge, amount: 20 }], T0);
      assert.equal(exact.admitted, true, 'exactly the limit fits');
      assert.equal(exact.admitted && exact.standings[0]?.remaining, 0);
    });

    test('settling moves the total to the real amount, never below zero; a new day does not reset it', async () => {
      const [first, second] = await pair(kind);
      const key = freshKey();
      const charge = { key, window: 'total' as const, limit: 100, amount: 60 };
      assert.equal((await first.reserve([charge], T0)).admitted, true);
      // The request cost 10, not the 60 reserved: 50 go back.
      await first.adjust([{ key, window: 'total', amount: -50, chargedAt: T0 }], T0 + 1000);
      const later = await second.reserve([{ ...charge, amount: 90 }], T0 + 2 * DAY);
      assert.equal(later.admitted, true, 'total 10 + 90 fits, two days later still the same total');
      assert.equal(later.admitted && later.standings[0]?.remaining, 0);
      await second.adjust([{ key, window: 'total', amount: -1000, chargedAt: T0 }], T0 + 2 * DAY);
      const reading = await first.reserve([{ key, window: 'total', limit: 1e9, amount: 0 }], T0 + 2 * DAY);
      assert.equal(reading.admitted && reading.standings[0]?.remaining, 1e9, 'clamped at zero');
    });
  });
}

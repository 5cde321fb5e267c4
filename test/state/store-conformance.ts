import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StateStore } from '../../src/state/state-store.js';

/** Midnight UTC of 2026-11-29 plus a few hours: a fixed point every store test starts from. */
export const T0 = Date.UTC(2026, 10, 29, 10, 0, 0);

let unique = 0;
/** Counter keys unique per test, so stores shared between tests (Redis) do not mix them. */
export function freshKey(name: string): string {
  unique += 1;
  return `test:${process.pid}:${Date.now()}:${unique}:${name}`;
}

/**
 * The behaviour every StateStore must have, run against each implementation (memory, SQLite, Redis).
 * `open` gives a store that may be shared between tests; keys are unique per test.
 */
export function describeStoreConformance(name: string, open: () => StateStore): void {
  describe(`${name} store: limits and cooldowns`, () => {
    test('a minute limit admits exactly `limit` requests, then says when the oldest leaves the window', async () => {
      const store = open();
      const key = freshKey('rpm');
      for (let index = 0; index < 3; index += 1) {
        const result = await store.reserve(
          [{ key, window: 'minute', limit: 3, amount: 1 }],
          T0 + index * 10_000,
        );
        assert.equal(result.admitted, true);
      }
      const refused = await store.reserve([{ key, window: 'minute', limit: 3, amount: 1 }], T0 + 25_000);
      assert.deepEqual(refused, { admitted: false, key, limit: 3, retryAfterMs: 35_000 });
    });

    test('the minute slides: no burst of 2× the limit across a window edge', async () => {
      const store = open();
      const key = freshKey('rpm-slide');
      const charge = { key, window: 'minute' as const, limit: 4, amount: 1 };
      for (let index = 0; index < 4; index += 1)
        assert.equal((await store.reserve([charge], T0 + 59_000)).admitted, true);
      // A fixed window would reset at T0 + 60 s; the sliding one keeps these four for a minute.
      assert.equal((await store.reserve([charge], T0 + 60_500)).admitted, false);
      assert.equal((await store.reserve([charge], T0 + 118_999)).admitted, false);
      assert.equal((await store.reserve([charge], T0 + 119_000)).admitted, true);
    });

    test('reserve is all or nothing: a full counter leaves the others uncharged', async () => {
      const store = open();
      const requests = freshKey('rpm');
      const tokens = freshKey('tpm');
      await store.reserve([{ key: tokens, window: 'minute', limit: 100, amount: 100 }], T0);
      const refused = await store.reserve(
        [
          { key: requests, window: 'minute', limit: 1, amount: 1 },
          { key: tokens, window: 'minute', limit: 100, amount: 10 },
        ],
        T0 + 1000,
      );
      assert.equal(refused.admitted, false);
      assert.equal(refused.admitted ? '' : refused.key, tokens);
      const later = await store.reserve(
        [{ key: requests, window: 'minute', limit: 1, amount: 1 }],
        T0 + 2000,
      );
      assert.equal(later.admitted, true, 'the request counter was not charged by the refused reserve');
    });

    test('tokens are charged by amount and settle to real usage in the same bucket', async () => {
      const store = open();
      const key = freshKey('tpm');
      const first = await store.reserve([{ key, window: 'minute', limit: 1000, amount: 700 }], T0);
      assert.ok(first.admitted);
      assert.deepEqual(
        first.standings.map((standing) => [standing.remaining, standing.limit]),
        [[300, 1000]],
      );
      assert.equal(
        (await store.reserve([{ key, window: 'minute', limit: 1000, amount: 400 }], T0 + 500)).admitted,
        false,
      );
      // The answer used 200 tokens, not the 700 reserved.
      await store.adjust([{ key, window: 'minute', amount: -500, chargedAt: T0 }], T0 + 800);
      assert.equal(
        (await store.reserve([{ key, window: 'minute', limit: 1000, amount: 800 }], T0 + 900)).admitted,
        true,
      );
    });

    test('a day limit rolls over at midnight UTC, and says so', async () => {
      const store = open();
      const key = freshKey('rpd');
      const charge = { key, window: 'day' as const, limit: 2, amount: 1 };
      const beforeMidnight = Date.UTC(2026, 10, 29, 23, 59, 0);
      assert.equal((await store.reserve([charge], beforeMidnight)).admitted, true);
      assert.equal((await store.reserve([charge], beforeMidnight)).admitted, true);
      const refused = await store.reserve([charge], beforeMidnight + 30_000);
      assert.deepEqual(refused, { admitted: false, key, limit: 2, retryAfterMs: 30_000 });
      assert.equal((await store.reserve([charge], beforeMidnight + 60_000)).admitted, true, 'a new UTC day');
    });

    test('a concurrency limit holds a slot until it is released', async () => {
      const store = open();
      const key = freshKey('concurrency');
      const charge = { key, window: 'concurrent' as const, limit: 1, amount: 1 };
      assert.equal((await store.reserve([charge], T0)).admitted, true);
      assert.equal((await store.reserve([charge], T0 + 1)).admitted, false);
      await store.adjust([{ key, window: 'concurrent', amount: -1, chargedAt: T0 }], T0 + 2);
      assert.equal((await store.reserve([charge], T0 + 3)).admitted, true);
    });

    test('setUntil keeps the later time; getUntil forgets what has passed', async () => {
      const store = open();
      const a = freshKey('cooldown-a');
      const b = freshKey('cooldown-b');
      await store.setUntil(a, T0 + 5000, T0);
      await store.setUntil(a, T0 + 3000, T0);
      assert.deepEqual(await store.getUntil([a, b], T0 + 1000), [T0 + 5000, null]);
      assert.deepEqual(await store.getUntil([a], T0 + 5000), [null]);
    });
  });
}

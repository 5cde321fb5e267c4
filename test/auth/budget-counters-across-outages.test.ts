import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createBudgetCounters, type CounterReservation } from '../../src/auth/budget-counters.js';
import { MemoryStore } from '../../src/state/memory-store.js';
import type { StateStore } from '../../src/state/state-store.js';

const T0 = Date.UTC(2026, 10, 29, 12);

/** A shared store that can be "unreachable": then it serves from a fresh local store, like RedisStore. */
function flakyStore(shared: MemoryStore) {
  let healthy = true;
  let local = new MemoryStore();
  const current = () => (healthy ? shared : local);
  const store: StateStore = {
    reserve: (charges, now) => current().reserve(charges, now),
    adjust: (adjustments, now) => current().adjust(adjustments, now),
    setUntil: (key, until, now) => current().setUntil(key, until, now),
    getUntil: (keys, now) => current().getUntil(keys, now),
    status: () => ({ kind: 'redis', healthy, detail: null }),
    close: () => Promise.resolve(),
  };
  return {
    store,
    goDown() {
      healthy = false;
      local = new MemoryStore();
    },
    comeBack() {
      healthy = true;
    },
  };
}

/** The total of a counter as a store holds it. */
async function totalOf(store: StateStore, key: string): Promise<number> {
  const reading = await store.reserve([{ key, window: 'total', limit: 1e13, amount: 0 }], T0);
  return reading.admitted ? 1e13 - (reading.standings[0]?.remaining ?? 0) : Number.NaN;
}

function admitted(reservation: CounterReservation) {
  assert.ok(reservation.admitted, 'admitted');
  return reservation;
}

describe('budget counters: seeding and outages', () => {
  test('two processes on one store seed the persisted spend once, then count together', async () => {
    const shared = new MemoryStore();
    const persisted = { spent: 40 };
    const options = { state: shared, persistedSpend: async () => persisted.spent, now: () => T0 };
    const first = createBudgetCounters(options);
    const second = createBudgetCounters(options);
    admitted(await first.reserve('k', 'all', 100, 30, T0)).settle(10);
    admitted(await second.reserve('k', 'all', 100, 30, T0)).settle(10);
    assert.equal(await totalOf(shared, 'budget:k:all'), 60, '40 persisted + 10 + 10, seeded once');
    const refused = await first.reserve('k', 'all', 100, 41, T0);
    assert.deepEqual(refused, { admitted: false, usedMicros: 60 });
  });

  test('spend during an outage reaches the shared counter when it is back', async () => {
    const shared = new MemoryStore();
    const flaky = flakyStore(shared);
    const persisted = { spent: 0 };
    const counters = createBudgetCounters({
      state: flaky.store,
      persistedSpend: async () => persisted.spent,
      now: () => T0,
    });
    admitted(await counters.reserve('k', 'all', 100, 30, T0)).settle(20);
    persisted.spent = 20;
    flaky.goDown();
    // The local counters are seeded from the database: the budget still holds during the outage.
    admitted(await counters.reserve('k', 'all', 100, 30, T0)).settle(25);
    persisted.spent = 45;
    assert.equal(await totalOf(flaky.store, 'budget:k:all'), 45);
    flaky.comeBack();
    admitted(await counters.reserve('k', 'all', 100, 30, T0)).settle(5);
    assert.equal(
      await totalOf(shared, 'budget:k:all'),
      50,
      '20 before, 25 during, 5 after: nothing lost or doubled',
    );
  });

  test('a shared store that lost everything is seeded from the database, without adding the outage twice', async () => {
    const flaky = flakyStore(new MemoryStore());
    const persisted = { spent: 0 };
    const counters = createBudgetCounters({
      state: flaky.store,
      persistedSpend: async () => persisted.spent,
      now: () => T0,
    });
    flaky.goDown();
    admitted(await counters.reserve('k', 'all', 100, 30, T0)).settle(25);
    persisted.spent = 25;
    const emptied = new MemoryStore();
    const replaced = flakyStore(emptied);
    // Same process, a shared store that came back empty (flushed): seeded from the 25 persisted.
    const again = createBudgetCounters({
      state: replaced.store,
      persistedSpend: async () => persisted.spent,
      now: () => T0,
    });
    admitted(await again.reserve('k', 'all', 100, 30, T0)).settle(5);
    assert.equal(await totalOf(emptied, 'budget:k:all'), 30);
  });

  test('a request reserved during the outage and settled after it is counted once', async () => {
    const shared = new MemoryStore();
    const flaky = flakyStore(shared);
    const persisted = { spent: 0 };
    const counters = createBudgetCounters({
      state: flaky.store,
      persistedSpend: async () => persisted.spent,
      now: () => T0,
    });
    admitted(await counters.reserve('k', 'all', 100, 10, T0)).settle(10);
    persisted.spent = 10;
    flaky.goDown();
    const inFlight = admitted(await counters.reserve('k', 'all', 100, 30, T0));
    flaky.comeBack();
    inFlight.settle(20);
    persisted.spent = 30;
    // The shared counter is seeded (marker there) with the next reservation: the 20 are added once.
    admitted(await counters.reserve('k', 'all', 100, 10, T0)).settle(10);
    assert.equal(await totalOf(shared, 'budget:k:all'), 40);
    const late = admitted(await counters.reserve('k', 'all', 100, 10, T0));
    flaky.goDown();
    late.settle(0);
    flaky.comeBack();
    assert.equal(
      await totalOf(shared, 'budget:k:all'),
      50,
      'a hold on the shared store settled during an outage keeps its worst case there (never less)',
    );
  });
});

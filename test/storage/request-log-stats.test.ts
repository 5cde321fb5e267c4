import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RequestLogEntry } from '../../src/storage/request-log-entry.js';
import type { StatsGroupBy, StatsQuery } from '../../src/storage/request-log-stats.js';
import { createSqliteRequestLogStore } from '../../src/storage/sqlite-request-log-store.js';
import { ensurePostgres } from '../helpers/ensure-postgres.js';
import { expectedStats, nearestRank } from './expected-stats.js';
import { failedEntry, servedEntry, T0 } from './sample-entries.js';
import { assertSameStats, seededRandom, variedEntries } from './stats-sample-entries.js';
import { openPostgresHarness, openSqliteHarness, type StoreHarness } from './store-harness.js';

const HOUR_MS = 3_600_000;
const GROUPINGS: (StatsGroupBy | null)[] = [null, 'model', 'provider', 'route', 'key'];

let databaseUrl: string;
before(async () => {
  databaseUrl = await ensurePostgres();
});

const backends: Record<string, () => StoreHarness> = {
  sqlite: () => openSqliteHarness(),
  postgres: () => openPostgresHarness(databaseUrl),
};

for (const [name, open] of Object.entries(backends)) {
  describe(`${name} request log stats`, () => {
    const opened: StoreHarness[] = [];
    async function migrated(): Promise<StoreHarness> {
      const harness = open();
      opened.push(harness);
      await harness.store.migrate();
      return harness;
    }
    after(async () => {
      for (const harness of opened) await harness.dispose();
    });

    test('every group_by matches the sums computed independently from the rows', async () => {
      const { store } = await migrated();
      const entries = variedEntries(600, T0 - 48 * HOUR_MS, T0);
      await store.append(entries);
      for (const groupBy of GROUPINGS) {
        for (const sinceMs of [T0 - 48 * HOUR_MS, T0 - 24 * HOUR_MS, T0 - HOUR_MS]) {
          const query: StatsQuery = { sinceMs, untilMs: T0 + 1, groupBy };
          const actual = await store.stats(query);
          assertSameStats(actual, expectedStats(entries, query));
        }
      }
      const [overall] = await store.stats({ sinceMs: T0 - 48 * HOUR_MS, untilMs: T0 + 1, groupBy: null });
      assert.equal(overall?.requests, 600, 'the fixture covers the whole range');
      assert.ok((overall?.errorsByType.unknown ?? 0) > 0, 'a failure without error type counts as unknown');
      assert.ok((overall?.localRequests ?? 0) > 0 && (overall?.remoteRequests ?? 0) > 0);
    });

    test('percentiles are the exact nearest-rank values of a sort in JS, ties and nulls included', async () => {
      const { store } = await migrated();
      const random = seededRandom(11);
      const entries: RequestLogEntry[] = [];
      const sizes = [1, 2, 3, 19, 20, 21, 99, 100, 101, 997];
      for (const size of sizes) {
        for (let index = 0; index < size; index += 1) {
          const stream = index % 3 !== 0;
          entries.push(
            servedEntry({
              modelId: `size-${size}`,
              timestamp: T0 - index,
              // Few distinct values: many ties.
              latencyMs: size > 50 ? Math.floor(random() * 40) * 25 : Math.floor(random() * 100_000),
              stream,
              ttftMs: stream ? Math.floor(random() * 5000) : null,
            }),
          );
        }
      }
      await store.append(entries);
      const groups = await store.stats({ sinceMs: T0 - 10_000, untilMs: T0 + 1, groupBy: 'model' });
      assert.equal(groups.length, sizes.length);
      for (const size of sizes) {
        const rows = entries.filter((entry) => entry.modelId === `size-${size}`);
        const latencies = rows.map((entry) => entry.latencyMs);
        const ttfts = rows.flatMap((entry) => (entry.ttftMs === null ? [] : [entry.ttftMs]));
        const group = groups.find((candidate) => candidate.key === `size-${size}`);
        assert.deepEqual(
          group?.latencyMs,
          {
            p50: nearestRank(latencies, 50),
            p95: nearestRank(latencies, 95),
            p99: nearestRank(latencies, 99),
          },
          `latency of ${size} rows`,
        );
        assert.deepEqual(
          group?.ttftMs,
          { p50: nearestRank(ttfts, 50), p95: nearestRank(ttfts, 95), p99: nearestRank(ttfts, 99) },
          `ttft of ${size} rows`,
        );
      }
      const single = groups.find((group) => group.key === 'size-1');
      assert.deepEqual(single?.ttftMs, { p50: null, p95: null, p99: null }, 'no TTFT at all gives nulls');
    });

    test('the range is [since, until): rows a ms outside either end are left out', async () => {
      const { store } = await migrated();
      const sinceMs = T0 - 24 * HOUR_MS;
      const untilMs = T0;
      const at = (timestamp: number, promptTokens: number) =>
        servedEntry({ timestamp, promptTokens, completionTokens: 0, totalTokens: promptTokens });
      await store.append([
        at(sinceMs - 1, 1),
        at(sinceMs, 10),
        at(sinceMs + 1, 100),
        at(untilMs - 1, 1000),
        at(untilMs, 10_000),
        at(sinceMs - 7 * 24 * HOUR_MS, 100_000),
      ]);
      const [group] = await store.stats({ sinceMs, untilMs, groupBy: null });
      assert.equal(group?.requests, 3);
      assert.equal(group?.promptTokens, 1110);
    });

    test('an empty range gives one all-zero group, or no groups when grouped', async () => {
      const { store } = await migrated();
      await store.append([servedEntry({ timestamp: T0 })]);
      const ungrouped: StatsQuery = { sinceMs: T0 + 1, untilMs: T0 + HOUR_MS, groupBy: null };
      const groups = await store.stats(ungrouped);
      assertSameStats(groups, expectedStats([], ungrouped));
      assert.equal(groups[0]?.requests, 0);
      assert.deepEqual(groups[0]?.latencyMs, { p50: null, p95: null, p99: null });
      assert.deepEqual(await store.stats({ ...ungrouped, groupBy: 'model' }), []);
    });

    test('group_by=key groups by api_key_id, requests without a key together under null', async () => {
      const { store } = await migrated();
      await store.append([
        servedEntry({ apiKeyId: 'key_1' }),
        servedEntry({ apiKeyId: 'key_1' }),
        failedEntry({ apiKeyId: 'key_2', timestamp: T0 }),
        servedEntry({ apiKeyId: null }),
      ]);
      const groups = await store.stats({ sinceMs: T0 - 1, untilMs: T0 + 1, groupBy: 'key' });
      assert.deepEqual(
        groups.map((group) => [group.key, group.requests, group.errors]),
        [
          ['key_1', 2, 0],
          ['key_2', 1, 1],
          [null, 1, 0],
        ],
      );
      assert.deepEqual(groups[1]?.errorsByType, { model_not_found: 1 });
    });
  });
}

describe('sqlite request log stats off the main thread', () => {
  test("an in-memory database (':memory:') is read from a copy: same answer", async () => {
    const store = createSqliteRequestLogStore({ path: ':memory:' });
    try {
      await store.migrate();
      const entries = variedEntries(50, T0 - HOUR_MS, T0, 3);
      await store.append(entries);
      const query: StatsQuery = { sinceMs: T0 - HOUR_MS, untilMs: T0, groupBy: 'provider' };
      assertSameStats(await store.stats(query), expectedStats(entries, query));
    } finally {
      await store.close();
    }
  });

  test('a query that fails rejects with the database message, and the next one works', async () => {
    const harness = openSqliteHarness();
    try {
      // Not migrated: there is no api_logs table yet.
      await assert.rejects(
        harness.store.stats({ sinceMs: 0, untilMs: T0, groupBy: null }),
        /no such table: api_logs/,
      );
      await harness.store.migrate();
      const [group] = await harness.store.stats({ sinceMs: 0, untilMs: T0, groupBy: null });
      assert.equal(group?.requests, 0);
    } finally {
      await harness.dispose();
    }
  });
});

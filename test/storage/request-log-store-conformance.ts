import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { RequestLogEntry } from '../../src/storage/request-log-entry.js';
import type { RecentLogQuery } from '../../src/storage/request-log-store.js';
import type { StoreHarness } from './store-harness.js';
import { failedEntry, freshId, servedEntry, T0 } from './sample-entries.js';

/**
 * The behaviour every RequestLogStore must have, run against SQLite and PostgreSQL. `open` gives a fresh,
 * empty, not yet migrated store; each test opens its own.
 */
export function describeRequestLogStoreConformance(name: string, open: () => Promise<StoreHarness>): void {
  describe(`${name} request log store`, () => {
    const opened: StoreHarness[] = [];
    async function migrated(): Promise<StoreHarness> {
      const harness = await open();
      opened.push(harness);
      await harness.store.migrate();
      return harness;
    }
    after(async () => {
      for (const harness of opened) await harness.dispose();
    });

    test('migrate creates api_logs and records each migration once, however often it runs', async () => {
      const harness = await migrated();
      await harness.store.migrate();
      await harness.store.migrate();
      const applied = await harness.query('SELECT version, name FROM schema_migrations ORDER BY version');
      assert.deepEqual(
        applied.map((row) => [Number(row.version), row.name]),
        [
          [1, '001_api_logs'],
          [2, '002_api_logs_stats_index'],
          [3, '003_api_logs_finish_reason'],
        ],
      );
      assert.deepEqual(await harness.query('SELECT * FROM api_logs'), []);
    });

    test("the seed's query works: SELECT model_id, COUNT(*) FROM api_logs GROUP BY model_id", async () => {
      const { store, query } = await migrated();
      await store.append([
        servedEntry({ modelId: 'model-a' }),
        servedEntry({ modelId: 'model-a' }),
        servedEntry({ modelId: 'model-b' }),
        failedEntry({ modelId: 'model-c' }),
      ]);
      const rows = await query('SELECT model_id, COUNT(*) FROM api_logs GROUP BY model_id ORDER BY model_id');
      assert.deepEqual(
        rows.map((row) => [row.model_id, Number(Object.values(row)[1])]),
        [
          ['model-a', 2],
          ['model-b', 1],
          ['model-c', 1],
        ],
      );
    });

    test('findById gives back exactly what was appended', async () => {
      const { store } = await migrated();
      const served = servedEntry();
      const failed = failedEntry();
      await store.append([served, failed]);
      assert.deepEqual(await store.findById(served.requestId), served);
      assert.deepEqual(await store.findById(failed.requestId), failed);
      assert.equal(await store.findById('gen-never-seen'), null);
    });

    test('append is idempotent on request_id: a repeated row is skipped, in a later batch or the same', async () => {
      const { store, query } = await migrated();
      const first = servedEntry();
      const second = servedEntry();
      const third = servedEntry();
      await store.append([first, second]);
      await store.append([second, { ...first, modelId: 'changed' }, third]);
      await store.append([]);
      const duplicate = failedEntry();
      await store.append([duplicate, duplicate]);
      const rows = await query('SELECT request_id, model_id FROM api_logs ORDER BY id');
      assert.deepEqual(
        rows.map((row) => row.request_id),
        [first.requestId, second.requestId, third.requestId, duplicate.requestId],
      );
      assert.equal((await store.findById(first.requestId))?.modelId, first.modelId, 'the first write wins');
    });

    test('a batch larger than one INSERT statement can take is stored whole', async () => {
      const { store, query } = await migrated();
      const entries = Array.from({ length: 2100 }, (_, index) => failedEntry({ timestamp: T0 + index }));
      await store.append(entries);
      const [row] = await query('SELECT COUNT(*) AS count FROM api_logs');
      assert.equal(Number(row?.count), 2100);
    });

    test('odd values are stored as best they can be instead of failing the batch', async () => {
      const { store } = await migrated();
      const cyclic: Record<string, unknown> = { name: 'cycle' };
      cyclic.self = cyclic;
      const odd: RequestLogEntry = servedEntry({
        prompt: 'before\u0000after',
        latencyMs: 12.6,
        ttftMs: Number.NaN,
        promptTokens: 1e12,
        costUsd: Number.POSITIVE_INFINITY,
        params: { temperature: 0.2, seed: 2 ** 40, max_tokens: 2 ** 33 },
        metadata: cyclic,
      });
      const normal = servedEntry();
      await store.append([odd, normal]);
      const stored = await store.findById(odd.requestId);
      assert.equal(stored?.prompt, 'beforeafter');
      assert.equal(stored?.latencyMs, 13);
      assert.equal(stored?.ttftMs, null);
      assert.equal(stored?.promptTokens, null);
      assert.equal(stored?.costUsd, null);
      assert.deepEqual(stored?.metadata, {});
      assert.deepEqual(stored?.params, { temperature: 0.2, seed: 2 ** 40, max_tokens: 2 ** 33 });
      assert.deepEqual(await store.findById(normal.requestId), normal);
    });

    test('recent filters by model, status and time, newest first, and follows by id', async () => {
      const { store } = await migrated();
      const a = servedEntry({ modelId: 'model-a', requestedModel: 'model-a', timestamp: T0 });
      const b = servedEntry({ modelId: 'model-b', requestedModel: 'fast', timestamp: T0 + 1000 });
      const c = failedEntry({
        modelId: 'model-a',
        statusCode: 429,
        errorType: 'rate_limited',
        timestamp: T0 + 2000,
      });
      const d = servedEntry({ modelId: 'model-b', errorType: 'stream_interrupted', timestamp: T0 + 3000 });
      // Appended out of time order: `recent` sorts by timestamp, `afterId` by insertion.
      await store.append([a, c]);
      await store.append([b, d]);
      const ids = async (query: RecentLogQuery) =>
        (await store.recent(query)).map((row) => row.entry.requestId);

      const all = await store.recent({ limit: 10 });
      assert.deepEqual(
        all.map((row) => row.entry),
        [d, c, b, a],
      );
      assert.ok(all.every((row) => Number.isSafeInteger(row.id) && row.id > 0));
      assert.deepEqual(await ids({ limit: 2 }), [d.requestId, c.requestId]);
      assert.deepEqual(await ids({ limit: 10, model: 'model-a' }), [c.requestId, a.requestId]);
      assert.deepEqual(await ids({ limit: 10, model: 'fast' }), [b.requestId], 'matches requested_model too');
      assert.deepEqual(await ids({ limit: 10, status: 'ok' }), [b.requestId, a.requestId]);
      assert.deepEqual(await ids({ limit: 10, status: 'error' }), [d.requestId, c.requestId]);
      assert.deepEqual(await ids({ limit: 10, status: 429 }), [c.requestId]);
      assert.deepEqual(await ids({ limit: 10, sinceMs: T0 + 1000 }), [d.requestId, c.requestId, b.requestId]);
      assert.deepEqual(await ids({ limit: 10, model: 'model-b', status: 'ok', sinceMs: T0 + 1 }), [
        b.requestId,
      ]);

      const idOf = new Map(all.map((row) => [row.entry.requestId, row.id]));
      const afterId = idOf.get(c.requestId) ?? 0;
      assert.deepEqual(await ids({ limit: 10, afterId }), [b.requestId, d.requestId], 'oldest first');
      assert.deepEqual(await ids({ limit: 1, afterId }), [b.requestId]);
      assert.deepEqual(await ids({ limit: 10, afterId, status: 'error' }), [d.requestId]);
      assert.deepEqual(await ids({ limit: 10, afterId: idOf.get(d.requestId) ?? 0 }), []);
    });

    test('rows keep their millisecond timestamps and sort by them', async () => {
      const { store, query } = await migrated();
      const ids = [freshId(), freshId(), freshId()];
      await store.append([
        failedEntry({ requestId: ids[1], timestamp: T0 + 5 }),
        failedEntry({ requestId: ids[0], timestamp: T0 }),
        failedEntry({ requestId: ids[2], timestamp: T0 + 1000 }),
      ]);
      const rows = await query('SELECT request_id FROM api_logs ORDER BY timestamp');
      assert.deepEqual(
        rows.map((row) => row.request_id),
        ids,
      );
      assert.equal((await store.findById(ids[0] ?? ''))?.timestamp, T0);
    });
  });
}

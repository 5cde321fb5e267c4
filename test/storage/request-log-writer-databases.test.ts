import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPostgresRequestLogStore } from '../../src/storage/postgres-request-log-store.js';
import { createRequestLogWriter } from '../../src/storage/request-log-writer.js';
import { ensurePostgres } from '../helpers/ensure-postgres.js';
import { failedEntry, servedEntry } from './sample-entries.js';
import { closedPort, openPostgresHarness, openSqliteHarness } from './store-harness.js';

const databaseUrl = await ensurePostgres();
const folder = mkdtempSync(join(tmpdir(), 'request-log-writer-db-'));
after(() => rmSync(folder, { recursive: true, force: true }));

describe('request log writer on real databases', () => {
  test('SQLite: every row enqueued is in api_logs after close', async () => {
    const harness = openSqliteHarness();
    const writer = createRequestLogWriter({
      store: harness.store,
      batchSize: 250,
      spillPath: join(folder, 'sqlite', 'spill.ndjson'),
    });
    const entries = Array.from({ length: 1200 }, (_, index) =>
      index % 3 === 0 ? failedEntry() : servedEntry(),
    );
    for (const entry of entries) writer.enqueue(entry);
    await writer.close();
    const [row] = await harness.query('SELECT COUNT(*) AS count FROM api_logs');
    assert.equal(row?.count, 1200);
    assert.deepEqual(writer.stats().written, 1200);
    await harness.dispose();
  });

  test('PostgreSQL down: appends fail fast, rows spill, nothing hangs; the spill reaches the database later', async () => {
    const spillPath = join(folder, 'postgres', 'spill.ndjson');
    const port = await closedPort();
    const down = createPostgresRequestLogStore({
      connectionString: `postgres://postgres@127.0.0.1:${port}/test`,
      connectTimeoutMs: 500,
    });
    const started = Date.now();
    const first = createRequestLogWriter({ store: down, maxQueue: 10, batchSize: 5, spillPath });
    const entries = Array.from({ length: 30 }, () => servedEntry());
    for (const entry of entries) first.enqueue(entry);
    await first.flush();
    const stats = first.stats();
    assert.equal(stats.queued, 10);
    assert.equal(stats.spilled, 20);
    assert.ok(stats.failedBatches >= 1);
    assert.match(stats.lastError?.message ?? '', /ECONNREFUSED/);
    await first.close();
    assert.equal(first.stats().spilled, 30);
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);

    // Not migrated: the writer migrates before its first append.
    const harness = openPostgresHarness(databaseUrl);
    const second = createRequestLogWriter({ store: harness.store, spillPath });
    for (let waited = 0; second.stats().replayed < 30 && waited < 3000; waited += 10) await sleep(10);
    assert.equal(second.stats().replayed, 30);
    const [row] = await harness.query('SELECT COUNT(*) AS count FROM api_logs');
    assert.equal(Number(row?.count), 30);
    for (const entry of entries) assert.deepEqual(await harness.store.findById(entry.requestId), entry);
    await second.close();
    await harness.dispose();
  });
});

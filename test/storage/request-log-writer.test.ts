import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRequestLogWriter } from '../../src/storage/request-log-writer.js';
import type { RequestLogWriterErrorContext } from '../../src/storage/request-log-writer.js';
import { createMemoryRequestLogStore } from './memory-request-log-store.js';
import { failedEntry, servedEntry } from './sample-entries.js';

const folder = mkdtempSync(join(tmpdir(), 'request-log-writer-'));
after(() => rmSync(folder, { recursive: true, force: true }));
let spills = 0;
/** A spill path of its own in a folder that does not exist yet. */
function freshSpillPath(): string {
  spills += 1;
  return join(folder, `case-${spills}`, 'request-log.spill.ndjson');
}

/** Waits until `condition` holds (polling), failing after `timeoutMs`. */
async function eventually(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

function spillFiles(path: string): string[] {
  const directory = join(path, '..');
  return existsSync(directory) ? readdirSync(directory) : [];
}

describe('request log writer', () => {
  test('rows go in batches: N rows are ceil(N / batchSize) appends', async () => {
    const store = createMemoryRequestLogStore();
    const writer = createRequestLogWriter({ store, batchSize: 100, spillPath: freshSpillPath() });
    for (let index = 0; index < 1050; index += 1) writer.enqueue(failedEntry());
    await writer.flush();
    assert.deepEqual(store.batches, [100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 50]);
    assert.equal(store.rows.size, 1050);
    assert.deepEqual(writer.stats(), {
      queued: 0,
      written: 1050,
      spilled: 0,
      replayed: 0,
      dropped: 0,
      failedBatches: 0,
      lastError: null,
    });
    await writer.close();
  });

  test('a full batch is written at once; a partial one after the interval, without flush', async () => {
    const store = createMemoryRequestLogStore();
    const writer = createRequestLogWriter({
      store,
      batchSize: 10,
      flushIntervalMs: 400,
      spillPath: freshSpillPath(),
    });
    const started = Date.now();
    for (let index = 0; index < 10; index += 1) writer.enqueue(failedEntry());
    await eventually(() => store.rows.size === 10, 1000);
    assert.ok(Date.now() - started < 300, 'a full batch does not wait for the interval');
    writer.enqueue(servedEntry());
    writer.enqueue(servedEntry());
    const partialAt = Date.now();
    await sleep(50);
    assert.equal(store.rows.size, 10, 'a partial batch waits for the interval');
    await eventually(() => store.rows.size === 12, 2000);
    assert.ok(Date.now() - partialAt >= 390, 'written after the interval');
    assert.deepEqual(store.batches, [10, 2]);
    await writer.close();
  });

  test('close writes everything queued, then closes the store', async () => {
    const store = createMemoryRequestLogStore();
    const writer = createRequestLogWriter({ store, flushIntervalMs: 60_000, spillPath: freshSpillPath() });
    for (let index = 0; index < 7; index += 1) writer.enqueue(failedEntry());
    await writer.close();
    assert.equal(store.rows.size, 7);
    assert.equal(store.closed, true);
  });

  test('while the store is down rows wait in the queue, overflow spills, and all are stored once it is back', async () => {
    const store = createMemoryRequestLogStore();
    store.down = true;
    const spillPath = freshSpillPath();
    const errors: RequestLogWriterErrorContext[] = [];
    const writer = createRequestLogWriter({
      store,
      maxQueue: 100,
      batchSize: 20,
      flushIntervalMs: 5,
      retryBaseMs: 10,
      retryMaxMs: 20,
      spillPath,
      onError: (_error, context) => errors.push(context),
    });
    const entries = Array.from({ length: 250 }, () => servedEntry());
    for (const entry of entries) writer.enqueue(entry);
    await writer.flush();
    const down = writer.stats();
    assert.equal(down.queued, 100);
    assert.equal(down.spilled, 150);
    assert.ok(down.failedBatches >= 1);
    assert.match(down.lastError?.message ?? '', /ECONNREFUSED/);
    assert.ok(errors.some((context) => context.operation === 'append' && context.rows === 20));
    assert.equal(readFileSync(spillPath, 'utf8').split('\n').filter(Boolean).length, 150);

    // The retry loop (no flush) finds the store back, writes the queue, then replays the spill file.
    store.down = false;
    await eventually(() => store.rows.size === 250);
    await eventually(() => writer.stats().replayed === 150 && spillFiles(spillPath).length === 0);
    assert.equal(store.appendedRows, 250, 'no row was appended twice');
    assert.equal(store.migrations, 1, 'migrated once, when the store came back, before the first append');
    for (const entry of entries) assert.deepEqual(store.rows.get(entry.requestId), entry);
    const stats = writer.stats();
    assert.deepEqual([stats.queued, stats.written, stats.spilled, stats.replayed], [0, 100, 150, 150]);
    await writer.close();
  });

  test('close with the store down moves the queue to the spill file; the next start replays it', async () => {
    const spillPath = freshSpillPath();
    const down = createMemoryRequestLogStore();
    down.down = true;
    const first = createRequestLogWriter({ store: down, maxQueue: 5, spillPath });
    const entries = Array.from({ length: 12 }, () => failedEntry());
    for (const entry of entries) first.enqueue(entry);
    await first.close();
    assert.equal(first.stats().spilled, 12);
    assert.equal(first.stats().queued, 0);
    assert.equal(down.closed, true);
    const late = failedEntry();
    first.enqueue(late);
    await first.flush();
    assert.equal(first.stats().spilled, 13, 'a row enqueued after close is spilled too');

    const store = createMemoryRequestLogStore();
    const second = createRequestLogWriter({ store, spillPath });
    await eventually(() => store.rows.size === 13 && spillFiles(spillPath).length === 0);
    assert.equal(second.stats().replayed, 13);
    await second.close();
  });

  test('a replay cut short (crash, or the store failing mid-file) is finished later without loss', async () => {
    const spillPath = freshSpillPath();
    const down = createMemoryRequestLogStore();
    down.down = true;
    const first = createRequestLogWriter({ store: down, maxQueue: 1, spillPath });
    const entries = Array.from({ length: 9 }, () => failedEntry());
    for (const entry of entries) first.enqueue(entry);
    await first.close();
    // As if a crash had happened mid-replay (file set aside, 3 rows stored) and mid-write (a line cut short).
    const aside = `${spillPath}.1700000000000-1-1.replaying`;
    writeFileSync(aside, `${readFileSync(spillPath, 'utf8')}{"requestId":"gen-cut`);
    rmSync(spillPath);
    const store = createMemoryRequestLogStore();
    await store.append(entries.slice(0, 3));
    // The store fails once, on the replay's second batch.
    const append = store.append.bind(store);
    let calls = 0;
    store.append = async (batch) => {
      calls += 1;
      if (calls === 2) throw new Error('connection terminated unexpectedly');
      await append(batch);
    };
    const errors: RequestLogWriterErrorContext[] = [];
    const second = createRequestLogWriter({
      store,
      batchSize: 4,
      retryBaseMs: 10,
      spillPath,
      onError: (_error, context) => errors.push(context),
    });
    const next = failedEntry();
    second.enqueue(next);
    await second.flush();
    await eventually(() => spillFiles(spillPath).length === 0);
    assert.equal(store.rows.size, 10, 'every row, once');
    for (const entry of [...entries, next]) assert.deepEqual(store.rows.get(entry.requestId), entry);
    assert.ok(second.stats().dropped >= 1);
    assert.ok(errors.some((context) => context.operation === 'replay' && context.rows === 1));
    assert.ok(errors.some((context) => context.operation === 'append'));
    await second.close();
  });

  test('enqueue never throws, even for a row that cannot be JSON', async () => {
    const store = createMemoryRequestLogStore();
    store.down = true;
    const spillPath = freshSpillPath();
    const writer = createRequestLogWriter({ store, maxQueue: 1, spillPath });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    writer.enqueue(failedEntry());
    const odd = failedEntry({ metadata: cyclic, attempts: [10n] });
    assert.doesNotThrow(() => writer.enqueue(odd));
    await writer.flush();
    store.down = false;
    await writer.flush();
    const stored = await store.findById(odd.requestId);
    assert.deepEqual(stored?.metadata, {});
    assert.deepEqual(stored?.attempts, ['10']);
    await writer.close();
  });
});

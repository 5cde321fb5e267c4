import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { createSqliteRequestLogStore } from '../../src/storage/sqlite-request-log-store.js';
import { describeRequestLogStoreConformance } from './request-log-store-conformance.js';
import { servedEntry } from './sample-entries.js';
import { openSqliteHarness } from './store-harness.js';

describeRequestLogStoreConformance('sqlite', async () => openSqliteHarness());

describe('sqlite request log store', () => {
  const folder = mkdtempSync(join(tmpdir(), 'request-log-sqlite-'));
  after(() => rmSync(folder, { recursive: true, force: true }));

  test('the file is in WAL mode with every index of the issue', async () => {
    const path = join(folder, 'indexes.db');
    const store = createSqliteRequestLogStore({ path });
    await store.migrate();
    const db = new Database(path, { readonly: true });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    const indexes = db
      .prepare<[], { name: string; sql: string | null }>(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'api_logs' AND sql IS NOT NULL ORDER BY name",
      )
      .all();
    assert.deepEqual(
      indexes.map((index) => index.name),
      [
        'api_logs_error_type',
        'api_logs_model_timestamp',
        'api_logs_provider_timestamp',
        'api_logs_route_timestamp',
        'api_logs_session',
        'api_logs_stats',
        'api_logs_timestamp',
        'api_logs_user',
      ],
    );
    assert.match(
      indexes.find((index) => index.name === 'api_logs_user')?.sql ?? '',
      /WHERE user_id IS NOT NULL/,
    );
    db.close();
    await store.close();
  });

  test('a table the seed created in the same file is adopted: its rows stay, our columns are added', async () => {
    const path = join(folder, 'seed.db');
    const seed = new Database(path);
    seed.exec(`CREATE TABLE api_logs (
      id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp DATETIME DEFAULT CURRENT_TIMESTAMP,
      request_id TEXT UNIQUE NOT NULL, model_id TEXT NOT NULL, provider TEXT NOT NULL,
      temperature REAL, top_p REAL, max_tokens INTEGER, seed INTEGER, stream BOOLEAN DEFAULT 0,
      ttft_ms REAL, latency_ms REAL, prompt_tokens INTEGER, completion_tokens INTEGER, total_tokens INTEGER,
      cost_usd REAL, prompt TEXT, response TEXT, prompt_hash TEXT, response_hash TEXT, status_code INTEGER,
      error TEXT, user_id TEXT, session_id TEXT, metadata TEXT, tools TEXT)`);
    seed
      .prepare(
        `INSERT INTO api_logs (timestamp, request_id, model_id, provider, temperature, stream, latency_ms, status_code)
         VALUES ('2025-01-02 03:04:05', 'seed-1', 'deepseek-chat', 'deepseek', 0.5, 1, 321, 200)`,
      )
      .run();
    seed.close();

    const store = createSqliteRequestLogStore({ path });
    await store.migrate();
    const ours = servedEntry({ modelId: 'deepseek-chat' });
    await store.append([ours]);
    const old = await store.findById('seed-1');
    assert.equal(old?.timestamp, Date.UTC(2025, 0, 2, 3, 4, 5));
    assert.deepEqual(old?.params, { temperature: 0.5 });
    assert.equal(old?.stream, true);
    assert.equal(old?.latencyMs, 321);
    assert.equal(old?.requestedModel, 'deepseek-chat');
    assert.deepEqual(await store.findById(ours.requestId), ours);
    await store.close();
    const check = new Database(path, { readonly: true });
    assert.deepEqual(
      check.prepare('SELECT model_id, COUNT(*) AS count FROM api_logs GROUP BY model_id').all(),
      [{ model_id: 'deepseek-chat', count: 2 }],
    );
    check.close();
  });

  test('a large batch is one transaction written in turns: the event loop keeps running', async () => {
    const store = createSqliteRequestLogStore({ path: join(folder, 'turns.db') });
    await store.migrate();
    let turns = 0;
    let done = false;
    const tick = () => {
      turns += 1;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    const entries = Array.from({ length: 1000 }, () => servedEntry());
    const reader = new Database(join(folder, 'turns.db'), { readonly: true });
    const appended = store.append(entries);
    await new Promise((resolve) => setImmediate(resolve));
    const midway = reader.prepare('SELECT COUNT(*) AS count FROM api_logs').get() as { count: number };
    assert.equal(midway.count, 0, 'nothing is visible before the commit');
    await appended;
    done = true;
    assert.ok(turns >= 15, `${turns} turns while 1000 rows were written`);
    assert.deepEqual(reader.prepare('SELECT COUNT(*) AS count FROM api_logs').get(), { count: 1000 });
    reader.close();
    await store.close();
  });

  test("':memory:' works and append before migrate says what to do", async () => {
    const store = createSqliteRequestLogStore({ path: ':memory:' });
    await assert.rejects(store.append([servedEntry()]), /call migrate\(\) before append\(\)/);
    await store.migrate();
    const entry = servedEntry();
    await store.append([entry]);
    assert.deepEqual(await store.findById(entry.requestId), entry);
    await store.close();
    await store.close();
  });
});

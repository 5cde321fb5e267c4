import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/state/sqlite-store.js';
import type { CounterCharge } from '../../src/state/state-store.js';
import { describeStoreConformance, freshKey, T0 } from './store-conformance.js';

const folder = mkdtempSync(join(tmpdir(), 'sqlite-store-'));
// A folder that does not exist yet: `open` creates it.
const store = SqliteStore.open(join(folder, 'nested', 'conformance.db'));
after(async () => {
  await store.close();
  rmSync(folder, { recursive: true, force: true });
});

describeStoreConformance('sqlite', () => store);

describe('sqlite store: persistence and sharing', () => {
  test('minute and day counters survive a restart; in-flight slots of the closed store do not', async () => {
    const path = join(folder, 'restart.db');
    const minute: CounterCharge = { key: freshKey('rpm'), window: 'minute', limit: 2, amount: 1 };
    const day: CounterCharge = { key: freshKey('rpd'), window: 'day', limit: 3, amount: 1 };
    const slot: CounterCharge = { key: freshKey('concurrency'), window: 'concurrent', limit: 1, amount: 1 };
    const first = SqliteStore.open(path);
    assert.equal((await first.reserve([minute, day], T0)).admitted, true);
    assert.equal((await first.reserve([minute, day], T0 + 1000)).admitted, true);
    assert.equal((await first.reserve([slot], T0 + 1000)).admitted, true);
    await first.setUntil('cooldown', T0 + 90_000, T0);
    await first.close();

    const second = SqliteStore.open(path);
    assert.deepEqual(await second.reserve([minute], T0 + 2000), {
      admitted: false,
      key: minute.key,
      limit: 2,
      retryAfterMs: 58_000,
    });
    const afterMinute = await second.reserve([day], T0 + 61_000);
    assert.ok(afterMinute.admitted);
    assert.equal(
      afterMinute.standings[0]?.remaining,
      0,
      'the day still holds the two charges before restart',
    );
    assert.equal((await second.reserve([day], T0 + 62_000)).admitted, false);
    assert.equal(
      (await second.reserve([slot], T0 + 62_000)).admitted,
      true,
      'the closed store released its slot',
    );
    assert.deepEqual(await second.getUntil(['cooldown'], T0 + 62_000), [T0 + 90_000]);
    assert.deepEqual(second.status(), { kind: 'sqlite', healthy: true, detail: null });
    await second.close();
  });

  test('two stores on one file share every limit, in-flight slots included', async () => {
    const path = join(folder, 'shared.db');
    const left = SqliteStore.open(path);
    const right = SqliteStore.open(path);
    const charge: CounterCharge = { key: freshKey('rpm'), window: 'minute', limit: 5, amount: 1 };
    let admitted = 0;
    for (let index = 0; index < 20; index += 1) {
      const result = await (index % 2 === 0 ? left : right).reserve([charge], T0 + index);
      if (result.admitted) admitted += 1;
    }
    assert.equal(admitted, 5);
    const slot: CounterCharge = { key: freshKey('concurrency'), window: 'concurrent', limit: 1, amount: 1 };
    assert.equal((await left.reserve([slot], T0)).admitted, true);
    assert.equal((await right.reserve([slot], T0)).admitted, false);
    await left.adjust([{ key: slot.key, window: 'concurrent', amount: -1, chargedAt: T0 }], T0 + 1);
    assert.equal((await right.reserve([slot], T0 + 2)).admitted, true);
    await left.close();
    await right.close();
  });

  test('a broken database fails open: local limits, status unhealthy, healthy again once writes work', async () => {
    const path = join(folder, 'broken.db');
    const broken = SqliteStore.open(path);
    const vandal = new Database(path);
    vandal.exec('DROP TABLE state_counters');
    const charge: CounterCharge = { key: freshKey('rpm'), window: 'minute', limit: 1, amount: 1 };
    assert.equal((await broken.reserve([charge], T0)).admitted, true);
    assert.equal(
      (await broken.reserve([charge], T0 + 1)).admitted,
      false,
      'the in-memory fallback still limits',
    );
    const status = broken.status();
    assert.equal(status.healthy, false);
    assert.match(status.detail ?? '', /no such table: state_counters/);
    await broken.setUntil(freshKey('cooldown'), T0 + 1000, T0);
    assert.deepEqual(broken.status(), { kind: 'sqlite', healthy: true, detail: null });
    vandal.close();
    await broken.close();
  });

  test('two processes racing on one file admit exactly `limit`; a crashed process frees its slots', async () => {
    const path = join(folder, 'processes.db');
    const key = freshKey('rpd');
    const slotKey = freshKey('concurrency');
    // Each child takes a slot, races for the day counter, then exits without closing (as on a crash).
    const child = `
      const { SqliteStore } = await import(${JSON.stringify(new URL('../../src/state/sqlite-store.ts', import.meta.url).href)});
      const store = SqliteStore.open(${JSON.stringify(path)});
      await store.reserve([{ key: ${JSON.stringify(slotKey)}, window: 'concurrent', limit: 2, amount: 1 }], ${T0});
      let admitted = 0;
      for (let index = 0; index < 300; index += 1) {
        const result = await store.reserve([{ key: ${JSON.stringify(key)}, window: 'day', limit: 400, amount: 1 }], ${T0});
        if (result.admitted) admitted += 1;
      }
      process.stdout.write(String(admitted));
      process.exit(store.status().healthy ? 0 : 1);`;
    const run = promisify(execFile);
    const outputs = await Promise.all(
      [0, 1].map(() => run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child])),
    );
    assert.equal(
      outputs.reduce((sum, { stdout }) => sum + Number(stdout), 0),
      400,
    );

    const survivor = SqliteStore.open(path);
    const slot: CounterCharge = { key: slotKey, window: 'concurrent', limit: 1, amount: 1 };
    assert.equal((await survivor.reserve([slot], T0)).admitted, true, 'both crashed slots were released');
    assert.equal(
      (await survivor.reserve([{ key, window: 'day', limit: 400, amount: 1 }], T0)).admitted,
      false,
    );
    await survivor.close();
  });
});

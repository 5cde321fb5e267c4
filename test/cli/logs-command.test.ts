import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  parseSince,
  parseStatus,
  printLogs,
  runLogsCommand,
  type LogsIo,
} from '../../src/cli/logs-command.js';
import type { RequestLogEntry } from '../../src/storage/request-log-entry.js';
import type { RequestLogStore } from '../../src/storage/request-log-store.js';
import { createSqliteRequestLogStore } from '../../src/storage/sqlite-request-log-store.js';
import { failedEntry, servedEntry, T0 } from '../storage/sample-entries.js';

const folder = mkdtempSync(join(tmpdir(), 'hi-logs-'));
const databasePath = join(folder, 'logs.db');
const environment = { SQLITE_DB_PATH: databasePath, USE_SQLITE_LOG: 'true' };
/** "Now" for the command: 10 minutes after T0. */
const NOW = T0 + 10 * 60_000;

const served = servedEntry({ timestamp: T0 });
const alias = servedEntry({
  requestedModel: 'fast',
  modelId: 'qwen-7b',
  routeId: 'local/qwen',
  timestamp: T0 + 60_000,
});
const failed = failedEntry({ timestamp: T0 + 120_000 });
const rateLimited = failedEntry({ statusCode: 429, errorType: 'rate_limited', timestamp: T0 + 9 * 60_000 });

let writer: RequestLogStore;

before(async () => {
  writeFileSync(
    join(folder, 'models.yaml'),
    'models:\n  - id: m\n    route: [{ kind: vllm, base_url: "http://127.0.0.1:9000/v1" }]\n',
  );
  writer = createSqliteRequestLogStore({ path: databasePath });
  await writer.migrate();
  await writer.append([served, alias, failed, rateLimited]);
});

after(async () => {
  await writer.close();
  rmSync(folder, { recursive: true, force: true });
});

function capture(extra: Partial<LogsIo> = {}) {
  const output = { stdout: '', stderr: '' };
  const io: LogsIo = {
    write: (text) => {
      output.stdout += text;
    },
    writeError: (text) => {
      output.stderr += text;
    },
    ...extra,
  };
  return { output, io };
}

async function run(args: string[], env: Record<string, string> = environment) {
  const { output, io } = capture();
  const code = await runLogsCommand([...args, '--config-dir', folder], env, folder, io, NOW);
  return { code, ...output };
}

function jsonIds(stdout: string): string[] {
  return stdout
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (JSON.parse(line) as RequestLogEntry).requestId);
}

describe('hybrid-inference logs', () => {
  test('the table shows the recent rows, oldest first, with their columns', async () => {
    const result = await run([]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^time \(UTC\)\s+request id\s+model\s+route\s+status\s+stream/);
    assert.equal(lines.length, 5);
    assert.match(lines[1] ?? '', new RegExp(`^2026-11-29 10:00:00\\s+${served.requestId}\\s`));
    assert.match(
      lines[1] ?? '',
      /llama-3\.3-70b→llama-3\.3-70b-instruct\s+groq\/llama-3\.3-70b-versatile\s+200\s+yes\s+180\/920\s+1200\/350\s+0\.000423\s+-$/,
    );
    assert.match(lines[2] ?? '', /fast→qwen-7b\s+local\/qwen/);
    assert.match(lines[3] ?? '', /no-such-model\s+-\s+404\s+no\s+-\/2\s+-\/-\s+-\s+model_not_found$/);
    assert.match(lines[4] ?? '', new RegExp(`${rateLimited.requestId}.*429.*rate_limited$`));
  });

  test('--json prints one entry per line with its id; filters narrow it', async () => {
    const all = await run(['--json']);
    assert.equal(all.code, 0, all.stderr);
    const first = JSON.parse(all.stdout.split('\n')[0] ?? '') as RequestLogEntry & { id: number };
    assert.equal(typeof first.id, 'number');
    assert.deepEqual({ ...first, id: undefined }, { ...served, id: undefined });
    assert.deepEqual(
      jsonIds(all.stdout),
      [served, alias, failed, rateLimited].map((entry) => entry.requestId),
    );

    assert.deepEqual(jsonIds((await run(['--json', '--limit', '2'])).stdout), [
      failed.requestId,
      rateLimited.requestId,
    ]);
    assert.deepEqual(jsonIds((await run(['--json', '--model', 'fast'])).stdout), [alias.requestId]);
    assert.deepEqual(jsonIds((await run(['--json', '--model', 'qwen-7b'])).stdout), [alias.requestId]);
    assert.deepEqual(jsonIds((await run(['--json', '--status', 'ok'])).stdout), [
      served.requestId,
      alias.requestId,
    ]);
    assert.deepEqual(jsonIds((await run(['--json', '--status', 'error'])).stdout), [
      failed.requestId,
      rateLimited.requestId,
    ]);
    assert.deepEqual(jsonIds((await run(['--json', '--status', '429'])).stdout), [rateLimited.requestId]);
    assert.deepEqual(jsonIds((await run(['--json', '--since', '5m'])).stdout), [rateLimited.requestId]);
    assert.deepEqual(
      jsonIds((await run(['--json', '--since', new Date(T0 + 60_000).toISOString()])).stdout),
      [alias.requestId, failed.requestId, rateLimited.requestId],
    );
  });

  test('no matching row: a note on stderr, exit 0', async () => {
    const result = await run(['--model', 'nobody']);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /no matching rows/);
  });

  test('--since takes durations and ISO dates, and says what it wants otherwise', () => {
    assert.equal(parseSince('30m', NOW), NOW - 30 * 60_000);
    assert.equal(parseSince('1h', NOW), NOW - 3_600_000);
    assert.equal(parseSince('2d', NOW), NOW - 2 * 86_400_000);
    assert.equal(parseSince('90s', NOW), NOW - 90_000);
    assert.equal(parseSince('2026-11-29T10:00:00.123Z', NOW), T0);
    assert.equal(parseSince('2026-11-29', NOW), Date.UTC(2026, 10, 29));
    for (const bad of ['yesterday', '5', '1y', '', '12:00'])
      assert.throws(
        () => parseSince(bad, NOW),
        /--since must be a duration \(90s, 30m, 1h, 2d, 1w\) or an ISO date/,
      );
  });

  test('bad flags throw a clear message (the CLI prints it with the usage)', async () => {
    await assert.rejects(run(['--since', 'soon']), /--since must be/);
    await assert.rejects(run(['--limit', '0']), /--limit must be a whole number/);
    await assert.rejects(run(['--bogus']), /unknown flag --bogus/);
    assert.throws(() => parseStatus('fine'), /--status must be ok, error or an HTTP status code/);
    assert.equal(parseStatus('OK'), 'ok');
    assert.equal(parseStatus('503'), 503);
  });

  test('logging off or no log file yet: exit 1 with what to do', async () => {
    const off = await run([], { USE_SQLITE_LOG: 'false' });
    assert.equal(off.code, 1);
    assert.equal(off.stderr, 'the request log is off: set USE_SQLITE_LOG=true or DATABASE_URL\n');
    const missing = await run([], { SQLITE_DB_PATH: join(folder, 'absent.db') });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no request log at .*absent\.db yet/);
  });

  test('--follow prints the recent rows, then new matching ones as they are written, until aborted', async () => {
    const path = join(folder, 'follow.db');
    const store = createSqliteRequestLogStore({ path });
    await store.migrate();
    const old = servedEntry({ timestamp: T0 });
    await store.append([old]);
    const controller = new AbortController();
    const { output, io } = capture({ signal: controller.signal, pollIntervalMs: 10 });
    const following = printLogs(store, { limit: 5, follow: true, json: true, status: 'ok' }, io);

    const later = servedEntry({ timestamp: T0 + 1000 });
    const error = failedEntry({ timestamp: T0 + 1001 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    await store.append([later, error]);
    const deadline = Date.now() + 5000;
    while (!output.stdout.includes(later.requestId) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    assert.equal(await following, 0);
    assert.deepEqual(
      jsonIds(output.stdout),
      [old.requestId, later.requestId],
      'the error row is filtered out',
    );
    await store.close();
  });

  test('the CLI runs it: hybrid-inference logs --json', () => {
    const result = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(process.cwd(), 'src', 'cli.ts'),
        'logs',
        '--json',
        '--limit',
        '1',
        '--config-dir',
        folder,
      ],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...environment },
        timeout: 30_000,
      },
    );
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(jsonIds(result.stdout), [rateLimited.requestId]);
    const bad = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(process.cwd(), 'src', 'cli.ts'), 'logs', '--since', 'later'],
      { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 },
    );
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--since must be a duration/);
    assert.match(bad.stderr, /Usage: hybrid-inference/);
  });
});

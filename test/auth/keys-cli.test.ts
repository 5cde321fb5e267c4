import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseKeysArguments, runKeysCommand } from '../../src/cli/keys-command.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';
import { call, chatBody, pricedModels } from './auth-helpers.js';

// `hybrid-inference keys ...` on the same SQLite file a running gateway uses.
let simulator: Simulator;
let gateway: GatewayUnderTest;
const directory = mkdtempSync(join(tmpdir(), 'hi-keys-cli-'));
const environment = {
  SQLITE_DB_PATH: join(directory, 'logs.db'),
  AUTH_MODE: 'keys',
  KEY_CACHE_TTL_SECONDS: '1',
};

before(async () => {
  simulator = await startSimulator({ models: ['sim-model'], responseTokens: 3 });
  gateway = await startGateway({ modelsYaml: pricedModels(simulator), environment });
});

after(async () => {
  await gateway.close();
  await simulator.close();
  rmSync(directory, { recursive: true, force: true });
});

async function keys(...argv: string[]) {
  const output: string[] = [];
  const errors: string[] = [];
  const code = await runKeysCommand(
    argv,
    { ...environment, MODELS_CONFIG: join(gateway.directory, 'models.yaml') },
    gateway.directory,
    { write: (text) => output.push(text), writeError: (text) => errors.push(text) },
  );
  return { code, output: output.join(''), errors: errors.join('') };
}

/** The status a request with `key` gets once the gateway saw the change (its table reloads every second). */
async function statusBecomes(key: string, expected: number): Promise<number> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const { status } = await call(gateway.origin, '/v1/chat/completions', { key, body: chatBody('priced') });
    if (status === expected || Date.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('keys command', () => {
  test('create prints the key once; the running gateway accepts it; list never shows it', async () => {
    const created = await keys(
      'create',
      '--name',
      'ci bot',
      '--owner',
      'ops',
      '--models',
      'sim/*, priced',
      '--rpm',
      '30',
      '--budget',
      '2.5',
      '--reset',
      'weekly',
    );
    assert.equal(created.code, 0, created.errors);
    const key = /\b(hi-[A-Za-z0-9_-]{43})\b/.exec(created.output)?.[1] ?? '';
    assert.notEqual(key, '');
    assert.match(created.output, /only time the key is shown/);
    assert.equal(await statusBecomes(key, 200), 200);
    const listed = await keys('list');
    assert.equal(listed.code, 0);
    assert.ok(!listed.output.includes(key));
    assert.match(listed.output, new RegExp(`hi-…${key.slice(-4)}`));
    assert.match(
      listed.output,
      /ci bot\s+hi-…\S+\s+ops\s+active\s+sim\/\*,priced\s+rpm=30 budget=\$2\.5\/weekly/,
    );
  });

  test('disable, enable and delete take effect on the running gateway', async () => {
    const created = await keys('create', '--name', 'temp', '--json');
    const { id, key } = JSON.parse(created.output) as { id: string; key: string };
    assert.equal(await statusBecomes(key, 200), 200);
    assert.equal((await keys('disable', id)).code, 0);
    assert.equal(await statusBecomes(key, 403), 403);
    assert.equal((await keys('enable', id)).code, 0);
    assert.equal(await statusBecomes(key, 200), 200);
    assert.equal((await keys('delete', id)).code, 0);
    assert.equal(await statusBecomes(key, 401), 401);
    const again = await keys('delete', id);
    assert.equal(again.code, 1);
    assert.match(again.errors, /no key with id/);
  });

  test('bad arguments are refused with a message naming the flag, before touching the database', () => {
    assert.throws(() => parseKeysArguments(['create']), /name/);
    assert.throws(
      () => parseKeysArguments(['create', '--name', 'x', '--ips', 'not-an-ip']),
      /not an IP address/,
    );
    assert.throws(() => parseKeysArguments(['create', '--name', 'x', '--reset', 'hourly']), /limit_reset/);
    assert.throws(() => parseKeysArguments(['disable']), /needs a key id/);
    assert.throws(() => parseKeysArguments(['rotate']), /create, list, disable, enable, delete/);
    assert.throws(() => parseKeysArguments(['list', '--verbose']), /unknown flag --verbose/);
  });
});

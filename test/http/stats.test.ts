import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { serializeStatsGroup } from '../../src/http/routes/stats.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { fromStoredRow } from '../../src/storage/api-log-columns.js';
import type { StatsGroupBy } from '../../src/storage/request-log-stats.js';
import { ensurePostgres } from '../helpers/ensure-postgres.js';
import { startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';
import { expectedStats } from '../storage/expected-stats.js';
import { createMemoryRequestLogStore } from '../storage/memory-request-log-store.js';
import { servedEntry } from '../storage/sample-entries.js';
import { openPostgresHarness, openSqliteHarness, type StoreHarness } from '../storage/store-harness.js';

const ADMIN_KEY = 'admin-secret';
const HOUR_MS = 3_600_000;
const GROUPINGS: (StatsGroupBy | null)[] = [null, 'model', 'provider', 'route', 'key'];

let a: Simulator;
let b: Simulator;
let databaseUrl: string;

before(async () => {
  databaseUrl = await ensurePostgres();
  a = await startSimulator({ models: ['up'], responseTokens: 5 });
  b = await startSimulator({ models: ['up'], responseTokens: 7 });
});

after(async () => {
  await a.close();
  await b.close();
});

const modelsYaml = () => `models:
  - id: m
    pricing: { prompt: "0.000001", completion: "0.000002" }
    route:
      - { kind: openai_compat, base_url: "${a.url}", provider_model_id: up, weight: 0.5 }
      - { kind: vllm, base_url: "${b.url}", provider_model_id: up, weight: 0.5 }
  - id: other
    pricing: { prompt: "0.000003", completion: "0.000004" }
    route:
      - { kind: vllm, base_url: "${b.url}", provider_model_id: up }
`;

interface StatsBody {
  readonly object: string;
  readonly window: { readonly name: string | null; readonly since: string; readonly until: string };
  readonly group_by: string | null;
  readonly groups: ReturnType<typeof serializeStatsGroup>[];
}

interface ErrorBody {
  readonly error: { code: number; type: string; message: string; param: string | null };
}

async function getStats(gateway: GatewayUnderTest, query: string, key: string | null = ADMIN_KEY) {
  const response = await fetch(`${gateway.origin}/stats${query}`, {
    headers: key === null ? {} : { authorization: `Bearer ${key}` },
  });
  return { status: response.status, body: await response.json() };
}

async function chat(gateway: GatewayUnderTest, body: Record<string, unknown>) {
  const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'count me' }], ...body }),
  });
  await response.text();
  return response.status;
}

async function fault(simulator: Simulator, spec: Record<string, unknown>) {
  await fetch(`${simulator.url.replace(/\/v1$/, '')}/control/faults`, {
    method: 'POST',
    body: JSON.stringify(spec),
  });
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`GET /stats over ${backend}`, () => {
    let harness: StoreHarness;
    let gateway: GatewayUnderTest;

    before(async () => {
      harness = backend === 'sqlite' ? openSqliteHarness() : openPostgresHarness(databaseUrl);
      gateway = await startGateway({
        modelsYaml: modelsYaml(),
        routingYaml: 'routing_strategy: weighted\nretry: { attempts: 0 }\n',
        environment: { ADMIN_API_KEY: ADMIN_KEY },
        dependencies: { random: () => 0, requestLog: harness.store },
      });
    });

    after(async () => {
      await gateway.close();
      await harness.dispose();
    });

    test('every group_by matches the sums computed independently from the rows the requests wrote', async () => {
      assert.equal(await chat(gateway, {}), 200);
      assert.equal(await chat(gateway, { stream: true }), 200);
      assert.equal(await chat(gateway, { model: 'other' }), 200);
      await fault(a, { status: 502, count: 1 });
      assert.equal(await chat(gateway, {}), 200, 'falls back to the local route');
      await fault(a, { status: 400, count: 1, message: 'bad prompt' });
      assert.equal(await chat(gateway, {}), 400);
      assert.equal(await chat(gateway, { model: 'no-such-model' }), 404);

      for (const groupBy of GROUPINGS) {
        const { status, body } = await getStats(gateway, groupBy === null ? '' : `?group_by=${groupBy}`);
        assert.equal(status, 200);
        const stats = body as StatsBody;
        assert.equal(stats.object, 'stats');
        assert.equal(stats.window.name, '24h');
        assert.equal(stats.group_by, groupBy);
        // Read after the answer: /stats wrote the queued rows first.
        const rows = await harness.query('SELECT * FROM api_logs');
        assert.equal(rows.length, 6);
        const expected = expectedStats(rows.map(fromStoredRow), {
          sinceMs: Date.parse(stats.window.since),
          untilMs: Date.parse(stats.window.until),
          groupBy,
        }).map(serializeStatsGroup);
        assert.deepEqual(stats.groups, expected, `group_by=${groupBy ?? '(none)'}`);
      }
      const { body } = await getStats(gateway, '');
      const [overall] = (body as StatsBody).groups;
      assert.equal(overall?.requests, 6);
      assert.equal(overall?.errors.total, 2);
      assert.equal(overall?.fallbacks, 1);
      assert.equal(overall?.streams, 1);
      assert.ok((overall?.tokens.completion ?? 0) >= 5 * 4);
      assert.ok((overall?.cost_usd ?? 0) > 0);
      assert.ok((overall?.local.requests ?? 0) >= 2 && (overall?.remote.requests ?? 0) >= 1);
      assert.equal(typeof overall?.latency_ms.p50, 'number');
      assert.equal(typeof overall?.ttft_ms.p99, 'number');
    });
  });
}

describe('GET /stats windows and parameters', () => {
  const NOW = Date.UTC(2026, 10, 29, 12, 0, 0, 0);
  let harness: StoreHarness;
  let gateway: GatewayUnderTest;

  before(async () => {
    harness = openSqliteHarness();
    await harness.store.migrate();
    await harness.store.append([
      servedEntry({ timestamp: NOW, apiKeyId: 'key_1', promptTokens: 1 }),
      servedEntry({ timestamp: NOW - 30 * 60_000, apiKeyId: 'key_1', promptTokens: 10 }),
      servedEntry({ timestamp: NOW - 2 * HOUR_MS, apiKeyId: 'key_2', promptTokens: 100 }),
      servedEntry({ timestamp: NOW - 48 * HOUR_MS, apiKeyId: null, promptTokens: 1000 }),
      servedEntry({ timestamp: NOW - 8 * 24 * HOUR_MS, apiKeyId: 'key_1', promptTokens: 10_000 }),
    ]);
    gateway = await startGateway({
      modelsYaml: modelsYaml(),
      environment: { ADMIN_API_KEY: ADMIN_KEY },
      dependencies: { now: () => NOW, requestLog: harness.store },
    });
  });

  after(async () => {
    await gateway.close();
    await harness.dispose();
  });

  async function promptTokens(query: string) {
    const { status, body } = await getStats(gateway, query);
    assert.equal(status, 200, JSON.stringify(body));
    return (body as StatsBody).groups.map((group) => [group.key, group.tokens.prompt]);
  }

  test('window=1h|24h|7d count the rows up to now (the clock injected), 24h by default', async () => {
    assert.deepEqual(await promptTokens('?window=1h'), [[null, 11]]);
    assert.deepEqual(await promptTokens('?window=24h'), [[null, 111]]);
    assert.deepEqual(await promptTokens(''), [[null, 111]]);
    assert.deepEqual(await promptTokens('?window=7d'), [[null, 1111]]);
    const { body } = await getStats(gateway, '?window=1h');
    assert.deepEqual((body as StatsBody).window, {
      name: '1h',
      since: new Date(NOW + 1 - HOUR_MS).toISOString(),
      until: new Date(NOW + 1).toISOString(),
    });
  });

  test('since/until take ISO 8601 or epoch ms, until exclusive; a window can end at until', async () => {
    const since = new Date(NOW - 3 * 24 * HOUR_MS).toISOString();
    assert.deepEqual(await promptTokens(`?since=${since}&until=${NOW - HOUR_MS}`), [[null, 1100]]);
    assert.deepEqual(await promptTokens(`?since=${NOW - 2 * HOUR_MS}&until=${NOW}`), [[null, 110]]);
    assert.deepEqual(await promptTokens(`?since=2026-11-29T10:30:00`), [[null, 11]], 'no offset is UTC');
    assert.deepEqual(await promptTokens(`?window=1h&until=${NOW - HOUR_MS}`), [[null, 100]]);
    const { body } = await getStats(gateway, `?since=${NOW - HOUR_MS}`);
    assert.equal((body as StatsBody).window.name, null);
  });

  test('group_by=key groups by the API key id', async () => {
    assert.deepEqual(await promptTokens('?window=7d&group_by=key'), [
      ['key_1', 11],
      ['key_2', 100],
      [null, 1000],
    ]);
  });

  test('a bad parameter is a 400 in the error shape naming it', async () => {
    for (const [query, param] of [
      ['?window=2h', 'window'],
      ['?window=1h&window=7d', 'window'],
      ['?window=1h&since=2026-11-29', 'window'],
      ['?group_by=user', 'group_by'],
      ['?since=yesterday', 'since'],
      ['?until=2026-13-01', 'until'],
      ['?since=99999999999999999', 'since'],
      [`?since=${NOW}&until=${NOW}`, 'since'],
    ] as const) {
      const { status, body } = await getStats(gateway, query);
      assert.equal(status, 400, query);
      const { error } = body as ErrorBody;
      assert.equal(error.code, 400);
      assert.equal(error.type, 'invalid_request');
      assert.equal(error.param, param, query);
      assert.match(error.message, new RegExp(param), query);
    }
  });

  test('it needs the admin key: 401 without one, 403 with another', async () => {
    const missing = await getStats(gateway, '', null);
    assert.equal(missing.status, 401);
    assert.equal((missing.body as ErrorBody).error.type, 'authentication');
    const wrong = await getStats(gateway, '', 'not-the-admin-key');
    assert.equal(wrong.status, 403);
    assert.equal((wrong.body as ErrorBody).error.type, 'permission_denied');
  });
});

describe('GET /stats when the database cannot be read', () => {
  test('503 while it is down, the answer once it is back', async () => {
    const store = createMemoryRequestLogStore();
    store.down = true;
    const gateway = await startGateway({
      modelsYaml: modelsYaml(),
      environment: { ADMIN_API_KEY: ADMIN_KEY },
      dependencies: { requestLog: store },
    });
    try {
      const down = await getStats(gateway, '');
      assert.equal(down.status, 503);
      assert.match((down.body as ErrorBody).error.message, /could not be read; retry later/);
      assert.doesNotMatch((down.body as ErrorBody).error.message, /ECONNREFUSED/, 'no internals');
      store.down = false;
      const back = await getStats(gateway, '');
      assert.equal(back.status, 200);
      assert.equal((back.body as StatsBody).groups[0]?.requests, 0);
    } finally {
      await gateway.close();
    }
  });
});

describe('GET /stats with the request log off', () => {
  test('503 in the error shape saying how to turn the log on', async () => {
    const gateway = await startGateway({
      modelsYaml: modelsYaml(),
      environment: { ADMIN_API_KEY: ADMIN_KEY },
      dependencies: { requestLog: null },
    });
    try {
      const { status, body } = await getStats(gateway, '?group_by=model');
      assert.equal(status, 503);
      const { error } = body as ErrorBody;
      assert.equal(error.code, 503);
      assert.match(error.message, /USE_SQLITE_LOG=true/);
      assert.match(error.message, /DATABASE_URL/);
      assert.equal((await getStats(gateway, '', null)).status, 401, 'the admin check comes first');
    } finally {
      await gateway.close();
    }
  });
});

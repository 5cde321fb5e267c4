import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { ensurePostgres } from '../helpers/ensure-postgres.js';
import { startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';
import { openPostgresHarness, openSqliteHarness, type StoreHarness } from './store-harness.js';

// Every request through a real gateway lands as one api_logs row with the simulator's exact usage and cost,
// in SQLite and in the real PostgreSQL.
let a: Simulator;
let b: Simulator;
let databaseUrl: string;

before(async () => {
  databaseUrl = await ensurePostgres();
  a = await startSimulator({ models: ['up'], responseTokens: 6 });
  b = await startSimulator({ models: ['up'], responseTokens: 6 });
});

after(async () => {
  await a.close();
  await b.close();
});

const PROMPT_PRICE = 0.000001;
const COMPLETION_PRICE = 0.000002;

const modelsYaml = () => `models:
  - id: m
    pricing: { prompt: "${PROMPT_PRICE}", completion: "${COMPLETION_PRICE}" }
    route:
      - { kind: openai_compat, base_url: "${a.url}", provider_model_id: up, weight: 0.5 }
      - { kind: vllm, base_url: "${b.url}", provider_model_id: up, weight: 0.5 }
`;

async function post(gateway: GatewayUnderTest, body: Record<string, unknown>, signal?: AbortSignal) {
  const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'http-referer': 'https://app.example',
      'x-title': 'Tests',
    },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'log me' }], ...body }),
    ...(signal === undefined ? {} : { signal }),
  });
  return {
    status: response.status,
    text: await response.text(),
    id: response.headers.get('x-generation-id'),
  };
}

async function fault(simulator: Simulator, spec: Record<string, unknown>) {
  await fetch(`${simulator.url.replace(/\/v1$/, '')}/control/faults`, {
    method: 'POST',
    body: JSON.stringify(spec),
  });
}

function usageOf(text: string): { prompt_tokens: number; completion_tokens: number } {
  const json = text.trimStart().startsWith('{')
    ? (JSON.parse(text) as { usage: { prompt_tokens: number; completion_tokens: number } })
    : (JSON.parse(
        text
          .split('\n')
          .filter((line) => line.startsWith('data: {') && line.includes('"usage"'))
          .at(-1)
          ?.slice(6) ?? '{}',
      ) as { usage: { prompt_tokens: number; completion_tokens: number } });
  return json.usage;
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`request log in ${backend}`, () => {
    let harness: StoreHarness;
    let gateway: GatewayUnderTest;

    before(async () => {
      harness = backend === 'sqlite' ? openSqliteHarness() : openPostgresHarness(databaseUrl);
      gateway = await startGateway({
        modelsYaml: modelsYaml(),
        routingYaml: 'routing_strategy: weighted\nretry: { attempts: 0 }\n',
        environment: { LOG_CONTENT: 'true' },
        dependencies: { random: () => 0, requestLog: harness.store },
      });
    });

    after(async () => {
      await harness.dispose();
    });

    test('one row per request with exact tokens and cost: non-stream, stream, fallback, failure, cancelled', async () => {
      const plain = await post(gateway, {});
      const streamed = await post(gateway, { stream: true });
      await fault(a, { status: 502, count: 1 });
      const fellBack = await post(gateway, {});
      await fault(a, { status: 400, count: 1, message: 'bad prompt' });
      const rejected = await post(gateway, {});
      const leaving = new AbortController();
      const streams = () => a.stats().streamRequests + b.stats().streamRequests;
      const streamsBefore = streams();
      const cancelled = post(
        gateway,
        { stream: true, sim: { tokens_per_second: 5, tokens: 20 } },
        leaving.signal,
      );
      // Upstream first (a loaded machine may take a while), then about two tokens' time before leaving.
      while (streams() === streamsBefore) await new Promise((resolve) => setTimeout(resolve, 5));
      await new Promise((resolve) => setTimeout(resolve, 500));
      leaving.abort();
      await cancelled.catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await gateway.close();

      const rows = await harness.query(
        'SELECT request_id, model_id, provider, route_id, status_code, stream, fallback, cancelled, error_type, finish_reason, prompt_tokens, completion_tokens, total_tokens, cost_usd, referer, title, prompt, response, prompt_hash FROM api_logs ORDER BY id',
      );
      assert.equal(rows.length, 5, 'one row per request, none lost at shutdown');
      const byId = new Map(rows.map((row) => [row.request_id, row]));
      for (const [reply, stream] of [
        [plain, false],
        [streamed, true],
        [fellBack, false],
      ] as const) {
        const row = byId.get(reply.id);
        assert.ok(row, `row for ${reply.id}`);
        const usage = usageOf(reply.text);
        assert.equal(Number(row.prompt_tokens), usage.prompt_tokens);
        assert.equal(Number(row.completion_tokens), usage.completion_tokens);
        assert.equal(Number(row.total_tokens), usage.prompt_tokens + usage.completion_tokens);
        const cost = usage.prompt_tokens * PROMPT_PRICE + usage.completion_tokens * COMPLETION_PRICE;
        assert.ok(Math.abs(Number(row.cost_usd) - cost) < 1e-12, `cost ${String(row.cost_usd)} vs ${cost}`);
        assert.equal(Boolean(row.stream), stream);
        assert.equal(row.status_code, 200);
        assert.equal(row.referer, 'https://app.example');
        assert.equal(row.title, 'Tests');
        assert.match(String(row.prompt), /log me/);
        assert.equal(typeof row.prompt_hash, 'string');
        assert.equal(row.finish_reason, 'stop');
      }
      assert.equal(Boolean(byId.get(fellBack.id)?.fallback), true);
      assert.equal(byId.get(fellBack.id)?.provider, 'vllm');
      const rejectedRow = byId.get(rejected.id);
      assert.equal(rejectedRow?.status_code, 400);
      assert.equal(rejectedRow?.provider, '');
      assert.equal(rejectedRow?.finish_reason, null);
      const cancelledRow = rows.find((row) => Boolean(row.cancelled));
      assert.ok(cancelledRow, 'the cancelled stream has its row');
      assert.ok(Number(cancelledRow.completion_tokens) > 0, 'billed for what was generated');
      assert.ok(Number(cancelledRow.completion_tokens) < 20);
      const seed = await harness.query('SELECT model_id, COUNT(*) AS n FROM api_logs GROUP BY model_id');
      assert.deepEqual(
        seed.map((row) => [row.model_id, Number(row.n)]),
        [['m', 5]],
        "the seed's query works",
      );
    });
  });
}

describe('graceful shutdown under load', () => {
  test('requests in flight when the gateway closes are all answered and all logged', async () => {
    const harness = openSqliteHarness();
    const gateway = await startGateway({
      modelsYaml: modelsYaml(),
      dependencies: { requestLog: harness.store },
    });
    try {
      const arrived = () => a.stats().chatRequests + b.stats().chatRequests;
      const before = arrived();
      const inFlight = Array.from({ length: 20 }, (_, index) =>
        post(gateway, { stream: index % 2 === 0, sim: { ttft_ms: 500 } }),
      );
      // Close only once every request is upstream: a connection whose request has not arrived yet is idle
      // to the server and dropped by close, which is not what this test is about.
      while (arrived() - before < 20) await new Promise((resolve) => setTimeout(resolve, 5));
      const closing = gateway.close();
      const replies = await Promise.all(inFlight);
      await closing;
      assert.ok(replies.every((reply) => reply.status === 200));
      const [count] = await harness.query('SELECT COUNT(*) AS n FROM api_logs');
      assert.equal(Number(count?.n), 20, 'requests sent = rows written');
    } finally {
      await harness.dispose();
    }
  });
});

describe('GET /api/v1/generation', () => {
  test("returns a logged request in OpenRouter's GenerationResponse shape; unknown ids are 404", async () => {
    const harness = openSqliteHarness();
    const gateway = await startGateway({
      modelsYaml: modelsYaml(),
      dependencies: { requestLog: harness.store },
    });
    try {
      const reply = await post(gateway, { stream: true });
      const usage = usageOf(reply.text);
      const response = await fetch(`${gateway.origin}/api/v1/generation?id=${reply.id ?? ''}`);
      assert.equal(response.status, 200);
      const { data } = (await response.json()) as { data: Record<string, unknown> };
      assert.equal(data.id, reply.id);
      assert.equal(data.model, 'm');
      assert.equal(data.streamed, true);
      assert.equal(data.finish_reason, 'stop');
      assert.equal(data.native_finish_reason, 'stop');
      assert.equal(data.tokens_prompt, usage.prompt_tokens);
      assert.equal(data.tokens_completion, usage.completion_tokens);
      const cost = usage.prompt_tokens * PROMPT_PRICE + usage.completion_tokens * COMPLETION_PRICE;
      assert.ok(Math.abs(Number(data.total_cost) - cost) < 1e-12);
      assert.equal(data.http_referer, 'https://app.example');
      assert.match(String(data.created_at), /^\d{4}-\d\d-\d\dT/);
      const unknown = await fetch(`${gateway.origin}/api/v1/generation?id=gen-nope`);
      assert.equal(unknown.status, 404);
      const missing = await fetch(`${gateway.origin}/api/v1/generation`);
      assert.equal(missing.status, 400);
    } finally {
      await gateway.close();
      await harness.dispose();
    }
  });
});

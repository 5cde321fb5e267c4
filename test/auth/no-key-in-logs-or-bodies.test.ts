import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { describeConfig } from '../../src/cli/check-config-command.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { eventually, startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';
import { ADMIN_KEY, call, chatBody, type JsonReply } from './auth-helpers.js';

// Every log line and every response body of a run that exercises auth, budgets, limits and upstream
// failures, searched for the provider key and every client key: none may appear (the creation answer
// shows its own key once, by design).
const PROVIDER_KEY = 'sk-provider-secret-0123456789abcdef';
let simulator: Simulator;
let gateway: GatewayUnderTest;
const lines: string[] = [];
const bodies: { label: string; text: string }[] = [];
const clientKeys: string[] = [];

before(async () => {
  simulator = await startSimulator({ models: ['sim-model'], responseTokens: 4, apiKey: PROVIDER_KEY });
  gateway = await startGateway({
    modelsYaml: `models:
  - id: guarded
    pricing: { prompt: "0.000001", completion: "0.000002" }
    route:
      - { kind: openai_compat, base_url: "${simulator.url}", provider_model_id: sim-model, api_key: "\${SIM_KEY}" }
  - id: wrong-credentials
    route:
      - { kind: openai_compat, base_url: "${simulator.url}", provider_model_id: sim-model, api_key: "sk-wrong-provider-key-9876543210" }
`,
    environment: { SIM_KEY: PROVIDER_KEY, ADMIN_API_KEY: ADMIN_KEY, METRICS_REQUIRE_AUTH: 'true' },
    dependencies: {
      logger: pino(
        { level: 'trace' },
        new Writable({
          write(chunk: Buffer, _encoding, callback) {
            lines.push(...chunk.toString().split('\n').filter(Boolean));
            callback();
          },
        }),
      ),
    },
  });
});

after(async () => {
  await gateway.close();
  await simulator.close();
});

async function record(label: string, reply: Promise<JsonReply>): Promise<JsonReply> {
  const answered = await reply;
  bodies.push({ label, text: answered.text });
  return answered;
}

describe('no key in logs, error bodies, /routing, check-config or metrics', () => {
  test('a run through every auth outcome leaks neither the provider key nor a client key', async () => {
    const { origin } = gateway;
    const created = [];
    for (const body of [
      { name: 'plain' },
      { name: 'disabled', disabled: true },
      { name: 'narrow', allowed_models: ['nothing-*'] },
      { name: 'broke', limit: 0.000001 },
      { name: 'slow', limits: { rpm: 1 } },
      { name: 'fenced', allowed_ips: ['203.0.113.1'] },
    ]) {
      const reply = await call(origin, '/admin/keys', { key: ADMIN_KEY, body });
      assert.equal(reply.status, 201);
      const key = String(reply.json.key);
      clientKeys.push(key);
      // The creation answer holds its own key (shown once) and nothing else secret.
      assert.ok(!reply.text.includes(PROVIDER_KEY));
      created.push(key);
    }
    const [plain = '', disabled = '', narrow = '', broke = '', slow = '', fenced = ''] = created;
    await record('ok', call(origin, '/v1/chat/completions', { key: plain, body: chatBody('guarded') }));
    await record(
      'stream',
      call(origin, '/v1/chat/completions', { key: plain, body: chatBody('guarded', { stream: true }) }),
    );
    await record('no key', call(origin, '/v1/chat/completions', { key: null, body: chatBody('guarded') }));
    await record(
      'unknown key',
      call(origin, '/v1/chat/completions', { key: `${plain}x`, body: chatBody('guarded') }),
    );
    await record(
      'disabled',
      call(origin, '/v1/chat/completions', { key: disabled, body: chatBody('guarded') }),
    );
    await record('model', call(origin, '/v1/chat/completions', { key: narrow, body: chatBody('guarded') }));
    await record('budget', call(origin, '/v1/chat/completions', { key: broke, body: chatBody('guarded') }));
    await record('rpm 1', call(origin, '/v1/chat/completions', { key: slow, body: chatBody('guarded') }));
    await record('rpm 2', call(origin, '/v1/chat/completions', { key: slow, body: chatBody('guarded') }));
    await record('ip', call(origin, '/v1/chat/completions', { key: fenced, body: chatBody('guarded') }));
    await record(
      'bad body',
      call(origin, '/v1/chat/completions', { key: plain, body: { model: 'guarded' } }),
    );
    // Last: the upstream's 401 cools down its provider (every route of this test shares it).
    await record(
      'upstream 401',
      call(origin, '/v1/chat/completions', { key: plain, body: chatBody('wrong-credentials') }),
    );
    await record('key info', call(origin, '/api/v1/key', { key: plain }));
    await record('credits', call(origin, '/api/v1/credits', { key: plain }));
    await record('models', call(origin, '/v1/models', { key: plain }));
    await record('admin list', call(origin, '/admin/keys', { key: ADMIN_KEY }));
    await record('admin with client key', call(origin, '/admin/keys', { key: plain }));
    await record('routing', call(origin, '/routing', { key: ADMIN_KEY }));
    await record('providers', call(origin, '/v1/providers/status', { key: ADMIN_KEY }));
    await record('health', call(origin, '/health'));
    await record('metrics', call(origin, '/metrics', { key: ADMIN_KEY }));
    // ok, stream, upstream 401 and the first rpm request reached the pipeline; the others were refused before.
    await eventually(() => gateway.records.length >= 4);
    await gateway.app.requestLog?.flush();
    const checkConfig = describeConfig(gateway.config);
    assert.match(checkConfig, /key=sk-…cdef/, 'check-config shows the provider key masked');

    const codes = Object.fromEntries(
      bodies.map(({ label, text }) => [
        label,
        (JSON.parse(text.startsWith('{') ? text : '{}') as { error?: { code: number } }).error?.code ?? 'ok',
      ]),
    );
    assert.deepEqual(codes, {
      ok: 'ok',
      stream: 'ok',
      'upstream 401': 502,
      'no key': 401,
      'unknown key': 401,
      disabled: 403,
      model: 403,
      budget: 402,
      'rpm 1': 'ok',
      'rpm 2': 429,
      ip: 403,
      'bad body': 400,
      'key info': 'ok',
      credits: 'ok',
      models: 'ok',
      'admin list': 'ok',
      'admin with client key': 403,
      routing: 'ok',
      providers: 'ok',
      health: 'ok',
      metrics: 'ok',
    });
    assert.ok(lines.length > 5, 'the run was logged');
    const secrets = [
      PROVIDER_KEY,
      'sk-wrong-provider-key-9876543210',
      ADMIN_KEY,
      ...clientKeys,
      // The random part alone, in case something strips the prefix.
      ...clientKeys.map((key) => key.slice(3)),
    ];
    const haystacks = [
      ...lines.map((line, index) => ({ label: `log line ${index}`, text: line })),
      ...bodies,
      { label: 'check-config', text: checkConfig },
    ];
    for (const { label, text } of haystacks) {
      for (const secret of secrets) {
        assert.ok(
          !text.includes(secret),
          `${label} contains a secret (${secret.slice(0, 6)}…): ${text.slice(0, 300)}`,
        );
      }
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';

let local: Simulator;
let remote: Simulator;
let gateway: GatewayUnderTest;

before(async () => {
  local = await startSimulator({ models: ['Local-8B'] });
  remote = await startSimulator({ models: ['remote-8b'], apiKey: 'sk-remote-secret-1234' });
  gateway = await startGateway({
    modelsYaml: `providers:
  cloud: { kind: openai_compat, name: Cloud Co, base_url: "${remote.url}", api_key: "\${CLOUD_KEY}" }
models:
  - id: acme/chat-8b
    name: Acme Chat 8B
    description: Test model
    aliases: [chat-8b]
    context_length: 32768
    max_output_length: 2048
    supports_tools: true
    tokenizer: Llama3
    pricing: { prompt: "0.0000001", completion: "0.0000002" }
    route:
      - { kind: vllm, base_url: "${local.url}", provider_model_id: Local-8B }
      - { provider: cloud, provider_model_id: remote-8b }
  - id: acme/plain
    supported_params: [temperature, max_tokens]
    route: [{ kind: vllm, base_url: "${local.url}", provider_model_id: Local-8B }]
`,
    routingYaml: `routing_strategy: fixed
routing_parameter: { local_fraction: 0.75 }
local_deployment: [{ endpoint: "${local.url}", models: [acme/chat-8b] }]
remote_deployment: [{ endpoint: "${remote.url}", models: [acme/chat-8b] }]
`,
    environment: { CLOUD_KEY: 'sk-remote-secret-1234', ADMIN_API_KEY: 'admin-secret' },
    // Deterministic draws: every other request lands on the 25 % remote share.
    dependencies: {
      random: (() => {
        let draw = 0;
        return () => (draw++ % 2 === 0 ? 0.1 : 0.9);
      })(),
    },
  });
});

after(async () => {
  await gateway.close();
  await local.close();
  await remote.close();
});

async function getJson(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${gateway.origin}${path}`, { headers });
  return {
    status: response.status,
    text: await response.clone().text(),
    json: (await response.json()) as Record<string, unknown>,
  };
}

describe('catalog', () => {
  test('GET /api/v1/models follows the OpenRouter Model schema', async () => {
    const { json } = await getJson('/api/v1/models');
    const data = json.data as Record<string, unknown>[];
    assert.equal(data.length, 2);
    const model = data[0]!;
    for (const field of [
      'id',
      'canonical_slug',
      'name',
      'created',
      'description',
      'context_length',
      'per_request_limits',
      'supported_parameters',
    ]) {
      assert.ok(field in model, field);
    }
    assert.equal(model.id, 'acme/chat-8b');
    assert.equal(typeof model.created, 'number');
    assert.deepEqual(model.architecture, {
      modality: 'text->text',
      input_modalities: ['text'],
      output_modalities: ['text'],
      tokenizer: 'Llama3',
      instruct_type: null,
    });
    const pricing = model.pricing as Record<string, unknown>;
    assert.equal(pricing.prompt, '0.0000001');
    assert.ok(
      Object.values(pricing).every((value) => typeof value === 'string' && !Number.isNaN(Number(value))),
    );
    assert.deepEqual(model.top_provider, {
      context_length: 32768,
      max_completion_tokens: 2048,
      is_moderated: false,
    });
    assert.ok((model.supported_parameters as string[]).includes('tools'));
  });

  test('?supported_parameters= keeps models supporting all of them', async () => {
    const tools = (await getJson('/v1/models?supported_parameters=tools')).json.data as { id: string }[];
    assert.deepEqual(
      tools.map((model) => model.id),
      ['acme/chat-8b'],
    );
    const both = (await getJson('/v1/models?supported_parameters=temperature,max_tokens')).json
      .data as unknown[];
    assert.equal(both.length, 2);
  });

  test('endpoints list one entry per route; unknown model → 404', async () => {
    const { json } = await getJson('/api/v1/models/acme/chat-8b/endpoints');
    const endpoints = (json.data as { endpoints: Record<string, unknown>[] }).endpoints;
    assert.deepEqual(
      endpoints.map((endpoint) => [endpoint.provider_name, endpoint.tag, endpoint.status]),
      [
        ['vLLM', 'vllm', 0],
        ['Cloud Co', 'cloud', 0],
      ],
    );
    assert.equal((await getJson('/api/v1/models/acme/nothing/endpoints')).status, 404);
  });
});

describe('service info', () => {
  test('GET / and GET /health', async () => {
    const root = await getJson('/');
    assert.equal(root.json.name, 'HybridInference');
    const health = await getJson('/health');
    assert.equal(health.json.status, 'ok');
    assert.deepEqual((health.json.routes as { enabled: number }).enabled, 3);
    assert.ok('storage' in health.json);
  });

  test('GET /routing shows live weights, needs the admin key, never shows secrets', async () => {
    assert.equal((await getJson('/routing')).status, 401);
    assert.equal((await getJson('/routing', { authorization: 'Bearer wrong' })).status, 403);
    const { json, text } = await getJson('/routing', { authorization: 'Bearer admin-secret' });
    assert.equal(json.strategy, 'fixed');
    const routes = (
      json.models as Record<string, { routes: { id: string; weight: number; local: boolean }[] }>
    )['acme/chat-8b']!.routes;
    assert.deepEqual(
      routes.map((route) => [route.id, route.local, route.weight]),
      [
        ['vllm/acme/chat-8b', true, 0.75],
        ['cloud/acme/chat-8b', false, 0.25],
      ],
    );
    assert.doesNotMatch(text, /sk-remote-secret/);
  });
});

describe('what the upstream receives', () => {
  test('OpenRouter-only fields are stripped, the alias resolves, unsupported params are dropped', async () => {
    const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'acme/plain',
        messages: [{ role: 'user', content: 'hi' }],
        models: ['acme/plain'],
        provider: { order: ['vllm'] },
        route: 'fallback',
        transforms: ['middle-out'],
        plugins: [{ id: 'web' }],
        usage: { include: true },
        temperature: 0.3,
        top_k: 5,
        chat_template_kwargs: { enable_thinking: false },
      }),
    });
    assert.equal(response.status, 200);
    const sent = local.stats().lastRequestBody as Record<string, unknown>;
    for (const field of ['models', 'provider', 'route', 'transforms', 'plugins', 'usage', 'top_k']) {
      assert.ok(!(field in sent), `${field} must not reach the upstream`);
    }
    assert.equal(sent.model, 'Local-8B');
    assert.equal(sent.temperature, 0.3);
    assert.deepEqual(
      sent.chat_template_kwargs,
      { enable_thinking: false },
      'vendor extras pass through to vLLM',
    );
  });

  test('remote routes get their key as a bearer token; it never appears in responses', async () => {
    for (let index = 0; index < 12; index += 1) {
      const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat-8b', messages: [{ role: 'user', content: `q${index}` }] }),
      });
      const text = await response.text();
      assert.equal(response.status, 200, text);
      assert.doesNotMatch(text, /sk-remote-secret/);
    }
    assert.equal(remote.stats().chatRequests, 6, 'draws ≥ 0.75 go to the 25 % remote share');
    assert.equal(remote.stats().lastRequestHeaders?.authorization, 'Bearer sk-remote-secret-1234');
  });
});

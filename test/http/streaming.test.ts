import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request as httpRequest } from 'node:http';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { readSse } from '../helpers/read-sse.js';
import { eventually, startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';

let primary: Simulator;
let backup: Simulator;
let gateway: GatewayUnderTest;

before(async () => {
  primary = await startSimulator({ models: ['up'], responseTokens: 8 });
  backup = await startSimulator({ models: ['up-backup'], responseTokens: 8 });
  gateway = await startGateway({
    modelsYaml: `models:
  - id: solo
    route: [{ kind: vllm, base_url: "${primary.url}", provider_model_id: up }]
  - id: duo
    route:
      - { kind: vllm, base_url: "${primary.url}", provider_model_id: up, rank: 1 }
      - { kind: openai_compat, base_url: "${backup.url}", provider_model_id: up-backup, rank: 2 }
`,
    routingYaml: `routing_strategy: ranked
retry: { attempts: 0, backoff_ms: 1, max_backoff_ms: 1 }
timeouts: { keep_alive_ms: 5000, ttft_ms: 5000, idle_ms: 5000 }
`,
  });
});

after(async () => {
  await gateway.close();
  await primary.close();
  await backup.close();
});

async function fault(simulator: Simulator, spec: Record<string, unknown>) {
  const response = await fetch(`${simulator.url.replace('/v1', '')}/control/faults`, {
    method: 'POST',
    body: JSON.stringify(spec),
  });
  assert.equal(response.status, 200);
}

function chat(body: Record<string, unknown>, path = '/v1/chat/completions') {
  return fetch(`${gateway.origin}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hello there' }], stream: true, ...body }),
  });
}

describe('SSE streaming', () => {
  test('wire format: event-stream, data lines, usage chunk, exactly one [DONE] last', async () => {
    const response = await chat({ model: 'solo' }, '/api/v1/chat/completions');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(response.headers.get('x-gateway-route'), 'vllm/solo');
    const events = await readSse(response);
    assert.equal(events.data.at(-1), '[DONE]');
    assert.equal(events.data.filter((item) => item === '[DONE]').length, 1);
    const chunks = events.data.slice(0, -1).map((item) => JSON.parse(item) as Record<string, unknown>);
    const usage = chunks.at(-1)!;
    assert.deepEqual(usage.choices, []);
    assert.equal((usage.usage as { completion_tokens: number }).completion_tokens, 8);
    assert.equal(response.headers.get('x-generation-id'), chunks[0]!.id);
    assert.ok(
      chunks.every((chunk) => chunk.id === chunks[0]!.id && chunk.object === 'chat.completion.chunk'),
    );
  });

  test('keep-alive comments while the upstream is silent, then the content', async () => {
    const eager = await startGateway({
      modelsYaml: `models:\n  - id: solo\n    route: [{ kind: vllm, base_url: "${primary.url}", provider_model_id: up }]\n`,
      routingYaml: 'timeouts: { keep_alive_ms: 40 }\n',
    });
    await fault(primary, { delay_ms: 200, count: 1 });
    const response = await fetch(`${eager.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'solo', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const events = await readSse(response);
    await eager.close();
    assert.ok(events.comments.length >= 2, `got ${events.comments.length} keep-alive comments`);
    assert.ok(events.sequence[0]!.startsWith(':'), 'the first thing written is a keep-alive comment');
    assert.equal(events.data.at(-1), '[DONE]');
  });

  test('a failure before the first token falls back invisibly to the next route', async () => {
    await fault(primary, { status: 503, count: 1 });
    const response = await chat({ model: 'duo' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-gateway-route'), 'openai_compat/duo');
    assert.equal(response.headers.get('x-gateway-attempts'), '2');
    const events = await readSse(response);
    assert.ok(!events.data.some((item) => item.includes('"error"')));
  });

  test('pre-stream failure of every route → a JSON error status, not SSE', async () => {
    await fault(primary, { status: 500, count: 1 });
    const response = await chat({ model: 'solo' });
    assert.equal(response.status, 502);
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
  });

  test('mid-stream upstream failure ends with an error chunk and finish_reason error; no splice', async () => {
    await fault(primary, { drop_after_chunks: 3, count: 1 });
    const backupBefore = backup.stats().chatRequests;
    const response = await chat({ model: 'duo' });
    assert.equal(response.status, 200);
    const events = await readSse(response);
    const chunks = events.data
      .filter((item) => item !== '[DONE]')
      .map((item) => JSON.parse(item) as Record<string, unknown>);
    const failure = chunks.find((chunk) => 'error' in chunk)!;
    assert.ok(failure, 'an error chunk is sent');
    assert.equal(typeof (failure.error as { code: unknown }).code, 'number');
    assert.equal((failure.choices as { finish_reason: string }[])[0]!.finish_reason, 'error');
    assert.equal(backup.stats().chatRequests, backupBefore, 'never continued on another provider');
    await eventually(() => gateway.records.some((record) => record.interrupted));
  });

  test('client disconnect aborts the upstream request at once and is recorded as cancelled', async () => {
    await fetch(`${primary.url.replace('/v1', '')}/control/reset`, { method: 'POST' });
    const body = JSON.stringify({
      model: 'solo',
      stream: true,
      messages: [{ role: 'user', content: 'long one' }],
      sim: { tokens: 500, tokens_per_second: 50 },
    });
    await new Promise<void>((resolve, reject) => {
      const request = httpRequest(`${gateway.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      request.on('response', (response) => {
        response.once('data', () => {
          request.destroy();
          resolve();
        });
      });
      request.on('error', (error) => {
        if (!request.destroyed) reject(error);
      });
      request.end(body);
    });
    await eventually(() => primary.stats().cancelledRequests === 1, 2000);
    await eventually(() => gateway.records.some((record) => record.cancelled && record.stream));
    const cancelled = gateway.records.find((record) => record.cancelled)!;
    assert.ok((cancelled.usage?.completionTokens ?? 0) < 500, 'billed for what was generated only');
  });
});

describe('cancellation', () => {
  test('a client that leaves during a non-stream request is recorded as cancelled, not as a 500', async () => {
    const before = gateway.records.length;
    const controller = new AbortController();
    const pending = fetch(`${gateway.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'solo',
        messages: [{ role: 'user', content: 'x' }],
        sim: { ttft_ms: 2000 },
      }),
      signal: controller.signal,
    }).catch(() => null);
    await eventually(() => primary.stats().running + primary.stats().waiting > 0);
    controller.abort();
    await pending;
    await eventually(() => gateway.records.length > before);
    const record = gateway.records.at(-1)!;
    assert.equal(record.cancelled, true);
    assert.equal(record.errorType, 'cancelled');
    assert.equal(record.status, 499);
  });
});

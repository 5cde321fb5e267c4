import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createOpenAICompatibleAdapter } from '../../../src/adapters/openai-compatible/index.js';
import { GatewayError } from '../../../src/errors/index.js';
import type { ChatRequest } from '../../../src/spec/index.js';
import {
  createTestDependencies,
  createTestRoute,
  readFixture,
  sendJson,
  startFakeUpstream,
  type FakeUpstream,
} from './fake-upstream.js';

let upstream: FakeUpstream;
const testDependencies = createTestDependencies();
/** The next response body, chosen per test by fixture name or literal text. */
let nextBody = '';

before(async () => {
  upstream = await startFakeUpstream((request, response) => {
    if (request.url.endsWith('/models')) {
      sendJson(
        response,
        200,
        '{"object":"list","data":[{"id":"a","object":"model"},{"id":"b"},{"name":"x"}]}',
      );
      return;
    }
    sendJson(response, 200, nextBody);
  });
});

after(async () => {
  await testDependencies.close();
  await upstream.close();
});

const REQUEST: ChatRequest = {
  model: 'public/test-model',
  messages: [{ role: 'user', content: 'What is the capital of France?' }],
  temperature: 0.1,
  top_a: 0.2,
  provider: { order: ['x'] },
  models: ['other/model'],
  chat_template_kwargs: { enable_thinking: false },
};

function adapterFor(overrides: Parameters<typeof createTestRoute>[1] = {}) {
  return createOpenAICompatibleAdapter(
    createTestRoute(upstream.baseUrl, overrides),
    testDependencies.dependencies,
  );
}

const signal = new AbortController().signal;

test('vLLM: sends the converted request and returns the canonical result', async () => {
  nextBody = readFixture('vllm-chat.json');
  const result = await adapterFor().complete(REQUEST, { signal });

  const sent = upstream.requests.at(-1)!;
  assert.equal(sent.method, 'POST');
  assert.equal(sent.url, '/v1/chat/completions');
  assert.equal(sent.headers.authorization, 'Bearer sk-test-secret');
  assert.equal(sent.headers['content-type'], 'application/json');
  assert.deepEqual(upstream.lastBody(), {
    model: 'upstream/test-model',
    messages: REQUEST.messages,
    temperature: 0.1,
    chat_template_kwargs: { enable_thinking: false },
  });

  assert.deepEqual(result, {
    upstreamId: 'chatcmpl-8f2c1f7b9a6e4d0c8b1a2e3f4d5c6b7a',
    upstreamModel: 'meta-llama/Llama-3.1-8B-Instruct',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Paris is the capital of France.' },
        finishReason: 'stop',
        nativeFinishReason: 'stop',
      },
    ],
    usage: { promptTokens: 42, completionTokens: 8, totalTokens: 50, estimated: false },
    systemFingerprint: null,
  });
});

test('no authorization header without an API key; route headers are sent', async () => {
  nextBody = readFixture('vllm-chat.json');
  await adapterFor({ apiKey: '', headers: { 'x-title': 'gateway' } }).complete(REQUEST, { signal });
  const sent = upstream.requests.at(-1)!;
  assert.equal(sent.headers.authorization, undefined);
  assert.equal(sent.headers['x-title'], 'gateway');
});

test('vLLM tool calls: arguments are strings, missing ids synthesised, cached tokens read', async () => {
  nextBody = readFixture('vllm-chat-tool-calls.json');
  const result = await adapterFor().complete(REQUEST, { signal });
  const choice = result.choices[0]!;
  assert.equal(choice.finishReason, 'tool_calls');
  assert.equal(choice.message.content, null);
  assert.deepEqual(choice.message.tool_calls, [
    {
      id: 'chatcmpl-tool-5b1f0c2e9d8a4f37',
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city": "Paris"}' },
    },
    {
      id: 'call_0_1',
      type: 'function',
      function: { name: 'get_time', arguments: '{"zone":"Europe/Paris"}' },
    },
  ]);
  assert.equal(result.usage?.cachedTokens, 192);
  assert.equal(result.usage?.promptTokens, 210);
});

test('DeepSeek: reasoning_content becomes reasoning; reasoning tokens and cache hits are read', async () => {
  nextBody = readFixture('deepseek-reasoner.json');
  const result = await adapterFor({ kind: 'deepseek' }).complete(
    { ...REQUEST, max_completion_tokens: 100 },
    { signal },
  );
  assert.equal(upstream.lastBody().max_tokens, 100);
  const message = result.choices[0]!.message;
  assert.equal(message.reasoning, 'Compare the tenths digit: 1 < 9, so 9.11 < 9.9.');
  assert.equal(message.reasoning_content, undefined);
  assert.deepEqual(result.usage, {
    promptTokens: 64,
    completionTokens: 120,
    totalTokens: 184,
    cachedTokens: 0,
    reasoningTokens: 96,
    estimated: false,
  });
  assert.equal(result.systemFingerprint, 'fp_5417b77867_prod0225');

  nextBody = readFixture('deepseek-chat-cache-hit.json');
  const cached = await adapterFor({ kind: 'deepseek' }).complete(REQUEST, { signal });
  assert.deepEqual(cached.usage, {
    promptTokens: 1200,
    completionTokens: 4,
    totalTokens: 1204,
    cachedTokens: 1152,
    estimated: false,
  });
});

test('Groq: plain completion with Groq usage extras', async () => {
  nextBody = readFixture('groq-chat.json');
  const result = await adapterFor({ kind: 'groq' }).complete(REQUEST, { signal });
  assert.equal(result.choices[0]!.message.content, 'Fast inference makes interactive apps feel instant.');
  assert.deepEqual(result.usage, {
    promptTokens: 18,
    completionTokens: 9,
    totalTokens: 27,
    estimated: false,
  });
});

test('OpenRouter: reasoning, reasoning_details, native finish reason, cache write tokens', async () => {
  nextBody = readFixture('openrouter-chat.json');
  const result = await adapterFor({ kind: 'openrouter' }).complete(REQUEST, { signal });
  const choice = result.choices[0]!;
  assert.equal(choice.finishReason, 'tool_calls');
  assert.equal(choice.nativeFinishReason, 'tool_use');
  assert.equal(choice.message.reasoning, 'Need to call lookup.');
  assert.equal(Array.isArray(choice.message.reasoning_details), true);
  assert.equal(choice.message.tool_calls?.[0]?.function.arguments, '{"q":"cat"}');
  assert.deepEqual(result.usage, {
    promptTokens: 194,
    completionTokens: 42,
    totalTokens: 236,
    cachedTokens: 128,
    cacheWriteTokens: 0,
    reasoningTokens: 12,
    estimated: false,
  });
});

test('usage is null when the upstream sent none', async () => {
  nextBody =
    '{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}';
  const result = await adapterFor().complete(REQUEST, { signal });
  assert.equal(result.usage, null);
});

for (const [label, body] of [
  ['invalid JSON', '{"id":"x","choices":[{"index":0,'],
  ['no choices', '{"id":"x","choices":[]}'],
  ['not an object', '[1,2]'],
] as const) {
  test(`2xx with ${label} is invalid_response, not retryable`, async () => {
    nextBody = body;
    await assert.rejects(adapterFor().complete(REQUEST, { signal }), (error: unknown) => {
      assert.ok(error instanceof GatewayError);
      assert.equal(error.code, 'provider_unavailable');
      assert.equal(error.upstreamReason, 'invalid_response');
      assert.equal(error.isRetryable, false);
      assert.equal(error.upstreamStatus, 200);
      assert.deepEqual(error.metadata, { provider: 'test-provider', route: 'test-provider/test-model' });
      return true;
    });
  });
}

test('2xx carrying an error object is classified by its code', async () => {
  nextBody = readFixture('error-openrouter-500.json');
  await assert.rejects(adapterFor({ kind: 'openrouter' }).complete(REQUEST, { signal }), (error: unknown) => {
    assert.ok(error instanceof GatewayError);
    assert.equal(error.upstreamReason, 'server_error');
    assert.equal(error.isRetryable, true);
    return true;
  });
});

test('listModels returns the ids of GET /models', async () => {
  const adapter = adapterFor();
  assert.deepEqual(await adapter.listModels!({ signal }), ['a', 'b']);
  const sent = upstream.requests.at(-1)!;
  assert.equal(sent.method, 'GET');
  assert.equal(sent.url, '/v1/models');
});

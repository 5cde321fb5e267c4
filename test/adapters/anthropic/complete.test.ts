import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAnthropicAdapter } from '../../../src/adapters/anthropic/index.js';
import type { ChatRequest, RouteTarget } from '../../../src/spec/index.js';
import {
  createTestDependencies,
  sendJson,
  startFakeUpstream,
  type FakeUpstream,
} from '../openai-compatible/fake-upstream.js';
import { createAnthropicRoute, readAnthropicFixture } from './anthropic-fixtures.js';

let upstream: FakeUpstream;
const testDependencies = createTestDependencies();
/** The next answer of the fake upstream, chosen per test. */
let nextBody = '';
let nextHeaders: Record<string, string> = {};

before(async () => {
  upstream = await startFakeUpstream((request, response) => {
    if (request.url.startsWith('/v1/models')) {
      const isSecondPage = request.url.includes('after_id=');
      const page = isSecondPage
        ? '{"data":[{"type":"model","id":"claude-opus-4-1-20250805"}],"has_more":false,"first_id":"claude-opus-4-1-20250805","last_id":"claude-opus-4-1-20250805"}'
        : readAnthropicFixture('models.json').replace('"has_more": false', '"has_more": true');
      sendJson(response, 200, page);
      return;
    }
    sendJson(response, 200, nextBody, nextHeaders);
  });
});

after(async () => {
  await testDependencies.close();
  await upstream.close();
});

const REQUEST: ChatRequest = {
  model: 'anthropic/claude-sonnet-4.5',
  messages: [
    { role: 'system', content: 'Answer in one sentence.' },
    { role: 'user', content: 'What is the capital of France?' },
  ],
  temperature: 0.2,
  max_tokens: 256,
  provider: { order: ['anthropic'] },
};

function adapterFor(overrides: Partial<RouteTarget> = {}) {
  return createAnthropicAdapter(
    createAnthropicRoute(upstream.baseUrl, overrides),
    testDependencies.dependencies,
  );
}

const signal = new AbortController().signal;

test('sends POST /v1/messages with x-api-key, anthropic-version, trace headers, and returns the text', async () => {
  nextBody = readAnthropicFixture('message-text.json');
  nextHeaders = {};
  const result = await adapterFor({ headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' } }).complete(
    REQUEST,
    {
      signal,
      traceHeaders: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    },
  );

  const sent = upstream.requests.at(-1)!;
  assert.equal(sent.method, 'POST');
  assert.equal(sent.url, '/v1/messages');
  assert.equal(sent.headers['x-api-key'], 'sk-ant-test');
  assert.equal(sent.headers['anthropic-version'], '2023-06-01');
  assert.equal(sent.headers['anthropic-beta'], 'prompt-caching-2024-07-31');
  assert.equal(sent.headers['content-type'], 'application/json');
  assert.equal(sent.headers.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  assert.equal(sent.headers.authorization, undefined, 'Anthropic takes the key in x-api-key only');
  assert.deepEqual(upstream.lastBody(), {
    model: 'claude-sonnet-4-5-20250929',
    max_tokens: 256,
    system: 'Answer in one sentence.',
    messages: [{ role: 'user', content: 'What is the capital of France?' }],
    temperature: 0.2,
  });

  assert.deepEqual(result, {
    upstreamId: 'msg_01XFDUDYJgAACzvnptvVoYEL',
    upstreamModel: 'claude-sonnet-4-5-20250929',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Paris is the capital of France.' },
        finishReason: 'stop',
        nativeFinishReason: 'end_turn',
      },
    ],
    usage: {
      promptTokens: 14,
      completionTokens: 10,
      totalTokens: 24,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      estimated: false,
    },
    systemFingerprint: null,
  });
});

test('without an API key no x-api-key header is sent', async () => {
  nextBody = readAnthropicFixture('message-text.json');
  await adapterFor({ apiKey: '' }).complete(REQUEST, { signal });
  assert.equal(upstream.requests.at(-1)!.headers['x-api-key'], undefined);
});

test('tool_use: tool calls with ids and JSON-string arguments; cache reads count in the prompt', async () => {
  nextBody = readAnthropicFixture('message-tool-use.json');
  const result = await adapterFor().complete(REQUEST, { signal });
  const choice = result.choices[0]!;
  assert.equal(choice.finishReason, 'tool_calls');
  assert.equal(choice.nativeFinishReason, 'tool_use');
  assert.deepEqual(choice.message, {
    role: 'assistant',
    content: "I'll check the current weather in Paris for you.",
    tool_calls: [
      {
        id: 'toolu_01A09q90qw90lq917835lq9',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"location":"Paris, France","unit":"celsius"}' },
      },
    ],
  });
  assert.deepEqual(result.usage, {
    promptTokens: 412 + 1536,
    completionTokens: 71,
    totalTokens: 412 + 1536 + 71,
    cachedTokens: 1536,
    cacheWriteTokens: 0,
    estimated: false,
  });
});

test('thinking: reasoning text, and reasoning_details with the signature and the redacted block', async () => {
  nextBody = readAnthropicFixture('message-thinking.json');
  const result = await adapterFor().complete(
    { ...REQUEST, reasoning: { max_tokens: 2048 }, max_tokens: 4000 },
    { signal },
  );
  assert.deepEqual(upstream.lastBody().thinking, { type: 'enabled', budget_tokens: 2048 });
  assert.equal(upstream.lastBody().temperature, undefined);
  assert.deepEqual(result.choices[0]!.message, {
    role: 'assistant',
    content: '27 × 453 = 12,231.',
    reasoning: '27 * 453 = 27 * 400 + 27 * 53 = 10800 + 1431 = 12231.',
    reasoning_details: [
      {
        type: 'reasoning.text',
        text: '27 * 453 = 27 * 400 + 27 * 53 = 10800 + 1431 = 12231.',
        signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds0UpVKDNo6Bw6qjJ2bUv5Ghc=',
        format: 'anthropic-claude-v1',
        index: 0,
      },
      {
        type: 'reasoning.encrypted',
        data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB8URj2pLmN3kJ8w',
        format: 'anthropic-claude-v1',
        index: 1,
      },
    ],
  });
  assert.deepEqual(result.usage, {
    promptTokens: 48 + 2048,
    completionTokens: 186,
    totalTokens: 48 + 2048 + 186,
    cachedTokens: 0,
    cacheWriteTokens: 2048,
    estimated: false,
  });
});

test('reasoning.exclude: thinking stays on upstream, the reasoning is not returned', async () => {
  nextBody = readAnthropicFixture('message-thinking.json');
  const result = await adapterFor().complete(
    { ...REQUEST, reasoning: { effort: 'low', exclude: true }, max_tokens: 8000 },
    { signal },
  );
  assert.deepEqual(upstream.lastBody().thinking, { type: 'enabled', budget_tokens: 1600 });
  assert.deepEqual(result.choices[0]!.message, { role: 'assistant', content: '27 × 453 = 12,231.' });
});

test('thinking_tokens in output_tokens_details become reasoningTokens; unknown blocks are skipped', async () => {
  nextBody = JSON.stringify({
    id: 'msg_x',
    type: 'message',
    role: 'assistant',
    model: 'claude-opus-4-7',
    content: [
      { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'x' } },
      { type: 'text', text: 'Done' },
    ],
    stop_reason: 'pause_turn',
    stop_sequence: null,
    usage: {
      input_tokens: 10,
      output_tokens: 50,
      cache_read_input_tokens: null,
      output_tokens_details: { thinking_tokens: 30 },
    },
  });
  const result = await adapterFor().complete(REQUEST, { signal });
  assert.deepEqual(result.choices[0]!.message, { role: 'assistant', content: 'Done' });
  assert.equal(result.choices[0]!.finishReason, 'stop');
  assert.equal(result.choices[0]!.nativeFinishReason, 'pause_turn');
  assert.deepEqual(result.usage, {
    promptTokens: 10,
    completionTokens: 50,
    totalTokens: 60,
    reasoningTokens: 30,
    estimated: false,
  });
});

test('a spent Anthropic quota on a success is reported with the time to its reset', async () => {
  nextBody = readAnthropicFixture('message-text.json');
  const resetAt = new Date(Date.now() + 42_000).toISOString();
  nextHeaders = {
    'anthropic-ratelimit-requests-remaining': '12',
    'anthropic-ratelimit-requests-reset': new Date(Date.now() + 5_000).toISOString(),
    'anthropic-ratelimit-input-tokens-remaining': '0',
    'anthropic-ratelimit-input-tokens-reset': resetAt,
  };
  const reported: number[] = [];
  await adapterFor().complete(REQUEST, { signal, onQuotaExhausted: (resetMs) => reported.push(resetMs) });
  nextHeaders = {};
  assert.equal(reported.length, 1);
  assert.ok(reported[0]! > 30_000 && reported[0]! <= 42_000, `reset in ${reported[0]} ms`);

  await adapterFor().complete(REQUEST, { signal, onQuotaExhausted: (resetMs) => reported.push(resetMs) });
  assert.equal(reported.length, 1, 'quota left: nothing reported');
});

test('a 200 that is not a message is invalid_response; an error envelope in a 200 is classified', async () => {
  nextHeaders = {};
  nextBody = '{"id":"msg_1","type":"message"}';
  await assert.rejects(adapterFor().complete(REQUEST, { signal }), {
    upstreamReason: 'invalid_response',
    upstreamStatus: 200,
  });
  nextBody = 'not json';
  await assert.rejects(adapterFor().complete(REQUEST, { signal }), { upstreamReason: 'invalid_response' });
  nextBody = readAnthropicFixture('error-529-overloaded.json');
  await assert.rejects(adapterFor().complete(REQUEST, { signal }), {
    upstreamReason: 'server_error',
    isRetryable: true,
  });
});

test('listModels: GET /v1/models with the key, following has_more pages', async () => {
  const models = await adapterFor().listModels!({ signal });
  assert.deepEqual(models, [
    'claude-sonnet-4-5-20250929',
    'claude-haiku-4-5-20251001',
    'claude-opus-4-1-20250805',
  ]);
  const [first, second] = upstream.requests.slice(-2);
  assert.equal(first!.method, 'GET');
  assert.equal(first!.url, '/v1/models?limit=1000');
  assert.equal(second!.url, '/v1/models?limit=1000&after_id=claude-haiku-4-5-20251001');
  assert.equal(first!.headers['x-api-key'], 'sk-ant-test');
  assert.equal(first!.headers['anthropic-version'], '2023-06-01');
});

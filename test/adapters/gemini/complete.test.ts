import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createGeminiAdapter } from '../../../src/adapters/gemini/index.js';
import type { ChatRequest } from '../../../src/spec/index.js';
import {
  createGeminiRoute,
  createTestDependencies,
  readGeminiFixture,
  sendJson,
  startFakeUpstream,
  type FakeUpstream,
} from './fake-gemini.js';

let upstream: FakeUpstream;
const testDependencies = createTestDependencies();
/** The next response body, chosen per test by fixture name. */
let nextBody = '';
const signal = new AbortController().signal;

before(async () => {
  upstream = await startFakeUpstream((request, response) => {
    if (request.url.startsWith('/v1beta/models?')) {
      const page = request.url.includes('pageToken=') ? 'list-models-page-2.json' : 'list-models-page-1.json';
      sendJson(response, 200, readGeminiFixture(page));
      return;
    }
    sendJson(response, 200, nextBody);
  });
});

after(async () => {
  await testDependencies.close();
  await upstream.close();
});

function adapterFor(overrides: Parameters<typeof createGeminiRoute>[1] = {}) {
  return createGeminiAdapter(createGeminiRoute(upstream.baseUrl, overrides), testDependencies.dependencies);
}

const REQUEST: ChatRequest = {
  model: 'google/gemini-2.5-flash',
  messages: [
    { role: 'system', content: 'Answer in one sentence.' },
    { role: 'user', content: 'What is the capital of France?' },
  ],
  max_tokens: 64,
  temperature: 0.2,
  provider: { order: ['google-ai-studio'] },
};

describe('complete', () => {
  test('POSTs generateContent with the key in x-goog-api-key (never the URL) and the exact body', async () => {
    nextBody = readGeminiFixture('generate-content-text.json');
    const result = await adapterFor().complete(REQUEST, {
      signal,
      traceHeaders: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    });

    const sent = upstream.requests.at(-1)!;
    assert.equal(sent.method, 'POST');
    assert.equal(sent.url, '/v1beta/models/gemini-2.5-flash:generateContent');
    assert.ok(!sent.url.includes('key'), 'no key in the URL');
    assert.equal(sent.headers['x-goog-api-key'], 'test-gemini-key');
    assert.equal(sent.headers.authorization, undefined);
    assert.equal(sent.headers['content-type'], 'application/json');
    assert.equal(sent.headers.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    assert.deepEqual(upstream.lastBody(), {
      contents: [{ role: 'user', parts: [{ text: 'What is the capital of France?' }] }],
      systemInstruction: { parts: [{ text: 'Answer in one sentence.' }] },
      generationConfig: { maxOutputTokens: 64, temperature: 0.2 },
    });

    assert.deepEqual(result, {
      upstreamId: 'mT0ZaPnQLcKFm9IP0pS4sA8',
      upstreamModel: 'gemini-2.0-flash',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Paris is the capital of France.' },
          finishReason: 'stop',
          nativeFinishReason: 'STOP',
        },
      ],
      usage: { promptTokens: 9, completionTokens: 7, totalTokens: 16, estimated: false },
      systemFingerprint: null,
    });
  });

  test('function calls become tool_calls with unique ids, JSON-string arguments and the thought signature', async () => {
    nextBody = readGeminiFixture('generate-content-tool-calls.json');
    const result = await adapterFor().complete(
      {
        ...REQUEST,
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
      },
      { signal },
    );
    const choice = result.choices[0]!;
    assert.equal(choice.finishReason, 'tool_calls');
    assert.equal(choice.nativeFinishReason, 'STOP');
    assert.equal(choice.message.content, null);
    const calls = choice.message.tool_calls!;
    assert.equal(calls.length, 2);
    assert.match(calls[0]!.id, /^call_[0-9a-f]{24}$/);
    assert.notEqual(calls[0]!.id, calls[1]!.id);
    assert.deepEqual(
      calls.map((call) => ({ ...call, id: 'x' })),
      [
        {
          id: 'x',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
          extra_content: {
            google: { thought_signature: 'CiQB0e2Kb7rPq0Zb2sQeYw1t3mN8vXkq9dJ4hF6aLs5uTr2cWgQKXwHR7Ypb' },
          },
        },
        {
          id: 'x',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"city":"London","unit":"celsius"}' },
        },
      ],
    );
    assert.deepEqual(result.usage, {
      promptTokens: 74,
      completionTokens: 97,
      totalTokens: 171,
      reasoningTokens: 61,
      estimated: false,
    });
  });

  test('thought parts become reasoning; thoughts and cached tokens are in usage', async () => {
    nextBody = readGeminiFixture('generate-content-thinking.json');
    const result = await adapterFor().complete({ ...REQUEST, reasoning: { effort: 'low' } }, { signal });
    assert.deepEqual(upstream.lastBody().generationConfig, {
      maxOutputTokens: 64,
      temperature: 0.2,
      thinkingConfig: { thinkingBudget: 1024, includeThoughts: true },
    });
    assert.deepEqual(result.choices[0]!.message, {
      role: 'assistant',
      content: 'The capital of France is Paris.',
      reasoning:
        '**Recalling a well-known fact**\n\nThe user wants the capital of France. That is Paris; no calculation is needed.\n',
    });
    assert.deepEqual(result.usage, {
      promptTokens: 2061,
      completionTokens: 133,
      totalTokens: 2194,
      reasoningTokens: 125,
      cachedTokens: 2040,
      estimated: false,
    });
  });

  test('MAX_TOKENS with no parts (all spent thinking) → length, null content', async () => {
    nextBody = readGeminiFixture('generate-content-max-tokens.json');
    const result = await adapterFor().complete(REQUEST, { signal });
    assert.deepEqual(result.choices, [
      {
        index: 0,
        message: { role: 'assistant', content: null },
        finishReason: 'length',
        nativeFinishReason: 'MAX_TOKENS',
      },
    ]);
    assert.deepEqual(result.usage, {
      promptTokens: 12,
      completionTokens: 49,
      totalTokens: 61,
      reasoningTokens: 49,
      estimated: false,
    });
  });

  test('a blocked prompt is a content_filter answer, not a failure', async () => {
    nextBody = readGeminiFixture('generate-content-blocked-prompt.json');
    const result = await adapterFor().complete(REQUEST, { signal });
    assert.deepEqual(result.choices, [
      {
        index: 0,
        message: { role: 'assistant', content: null },
        finishReason: 'content_filter',
        nativeFinishReason: 'PROHIBITED_CONTENT',
      },
    ]);
    assert.equal(result.usage?.promptTokens, 15);
  });

  test('a provider model id that names its collection is used as is', async () => {
    nextBody = readGeminiFixture('generate-content-text.json');
    await adapterFor({ providerModelId: 'tunedModels/my-model-7' }).complete(REQUEST, { signal });
    assert.equal(upstream.requests.at(-1)!.url, '/v1beta/tunedModels/my-model-7:generateContent');
  });
});

test('listModels: every page of GET /models with the header key, names without `models/`', async () => {
  const before = upstream.requests.length;
  const models = await adapterFor().listModels!({ signal });
  assert.deepEqual(models, ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-embedding-001']);
  const sent = upstream.requests.slice(before);
  assert.deepEqual(
    sent.map((request) => [request.method, request.url]),
    [
      ['GET', '/v1beta/models?pageSize=1000'],
      ['GET', '/v1beta/models?pageSize=1000&pageToken=Chxtb2RlbHMvZ2VtaW5pLTIuNS1wcm8%3D'],
    ],
  );
  for (const request of sent) assert.equal(request.headers['x-goog-api-key'], 'test-gemini-key');
});

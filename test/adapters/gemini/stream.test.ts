import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createGeminiAdapter } from '../../../src/adapters/gemini/index.js';
import { GatewayError } from '../../../src/errors/index.js';
import type { ChatRequest, StreamPart } from '../../../src/spec/index.js';
import {
  collectParts,
  contentOf,
  createGeminiRoute,
  createTestDependencies,
  readGeminiFixture,
  sendJson,
  sendSse,
  startFakeUpstream,
  type FakeUpstream,
} from './fake-gemini.js';

let upstream: FakeUpstream;
const testDependencies = createTestDependencies();
/** What the next request gets: an SSE fixture, optionally left open, or a JSON body. */
let nextAnswer: { readonly sse?: string; readonly json?: string; readonly end?: boolean } = {};
const signal = new AbortController().signal;

before(async () => {
  upstream = await startFakeUpstream((_request, response) => {
    if (nextAnswer.json !== undefined) sendJson(response, 200, nextAnswer.json);
    else sendSse(response, nextAnswer.sse ?? '', { end: nextAnswer.end ?? true });
  });
});

after(async () => {
  await testDependencies.close();
  await upstream.close();
});

const adapter = () => createGeminiAdapter(createGeminiRoute(upstream.baseUrl), testDependencies.dependencies);

const REQUEST: ChatRequest = {
  model: 'google/gemini-2.5-flash',
  messages: [{ role: 'user', content: 'What is the capital of France?' }],
  stream: true,
  stream_options: { include_usage: true },
};

type DeltaPart = Extract<StreamPart, { kind: 'delta' }>;
const deltas = (parts: readonly StreamPart[]) =>
  parts.filter((part): part is DeltaPart => part.kind === 'delta');

test('POSTs streamGenerateContent?alt=sse with the header key; text deltas, finish, one usage part at the end', async () => {
  nextAnswer = { sse: readGeminiFixture('stream-text.sse') };
  const parts = await collectParts(
    adapter().stream(REQUEST, { signal, traceHeaders: { traceparent: '00-aa-bb-01' } }),
  );

  const sent = upstream.requests.at(-1)!;
  assert.equal(sent.method, 'POST');
  assert.equal(sent.url, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
  assert.equal(sent.headers['x-goog-api-key'], 'test-gemini-key');
  assert.equal(sent.headers.traceparent, '00-aa-bb-01');
  assert.deepEqual(upstream.lastBody(), {
    contents: [{ role: 'user', parts: [{ text: 'What is the capital of France?' }] }],
  });

  assert.deepEqual(parts, [
    { kind: 'delta', index: 0, delta: { content: 'Paris' }, finishReason: null, nativeFinishReason: null },
    {
      kind: 'delta',
      index: 0,
      delta: { content: ' is the capital' },
      finishReason: null,
      nativeFinishReason: null,
    },
    {
      kind: 'delta',
      index: 0,
      delta: { content: ' of France.' },
      finishReason: null,
      nativeFinishReason: null,
    },
    { kind: 'delta', index: 0, delta: {}, finishReason: 'stop', nativeFinishReason: 'STOP' },
    { kind: 'usage', usage: { promptTokens: 9, completionTokens: 7, totalTokens: 16, estimated: false } },
  ]);
});

test('a function call streams as one complete tool-call delta; STOP becomes tool_calls', async () => {
  nextAnswer = { sse: readGeminiFixture('stream-function-call.sse') };
  const parts = await collectParts(adapter().stream(REQUEST, { signal }));
  const [delta, usage] = parts as [DeltaPart, StreamPart];
  assert.equal(parts.length, 2);
  assert.equal(delta.finishReason, 'tool_calls');
  assert.equal(delta.nativeFinishReason, 'STOP');
  const call = delta.delta.tool_calls![0]!;
  assert.match(call.id!, /^call_[0-9a-f]{24}$/);
  assert.deepEqual(
    { ...call, id: 'x' },
    {
      index: 0,
      id: 'x',
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
      extra_content: {
        google: { thought_signature: 'CiQB0e2Kb7rPq0Zb2sQeYw1t3mN8vXkq9dJ4hF6aLs5uTr2cWgQKXwHR7Ypb' },
      },
    },
  );
  assert.deepEqual(usage, {
    kind: 'usage',
    usage: {
      promptTokens: 74,
      completionTokens: 79,
      totalTokens: 153,
      reasoningTokens: 61,
      estimated: false,
    },
  });
});

test('thought parts stream as reasoning; the last repeated usageMetadata wins', async () => {
  nextAnswer = { sse: readGeminiFixture('stream-thinking.sse') };
  const parts = await collectParts(
    adapter().stream({ ...REQUEST, reasoning: { effort: 'high' } }, { signal }),
  );
  assert.deepEqual(upstream.lastBody().generationConfig, {
    thinkingConfig: { thinkingBudget: 24576, includeThoughts: true },
  });
  const reasoning = deltas(parts)
    .map((part) => part.delta.reasoning ?? '')
    .join('');
  assert.equal(
    reasoning,
    '**Recalling a well-known fact**\n\nThe user wants the capital of France. That is Paris; no calculation is needed.\n',
  );
  assert.equal(contentOf(parts), 'The capital of France is Paris.');
  assert.equal(deltas(parts).at(-1)!.finishReason, 'stop');
  const usageParts = parts.filter((part) => part.kind === 'usage');
  assert.deepEqual(usageParts, [
    {
      kind: 'usage',
      usage: {
        promptTokens: 2061,
        completionTokens: 133,
        totalTokens: 2194,
        reasoningTokens: 125,
        cachedTokens: 2040,
        estimated: false,
      },
    },
  ]);
  assert.equal(parts.at(-1)!.kind, 'usage');
});

test('an error event mid-stream throws the classified error after the parts before it', async () => {
  nextAnswer = { sse: readGeminiFixture('stream-error-mid-way.sse') };
  const seen: StreamPart[] = [];
  await assert.rejects(
    async () => {
      for await (const part of adapter().stream(REQUEST, { signal })) seen.push(part);
    },
    (error: unknown) =>
      error instanceof GatewayError &&
      error.upstreamReason === 'server_error' &&
      error.isRetryable &&
      error.upstreamStatus === 503,
  );
  assert.equal(contentOf(seen), 'Paris');
});

test('a stream that ends without a finish reason is interrupted (retryable)', async () => {
  nextAnswer = { sse: readGeminiFixture('stream-truncated.sse') };
  await assert.rejects(
    collectParts(adapter().stream(REQUEST, { signal })),
    (error: unknown) =>
      error instanceof GatewayError && error.upstreamReason === 'interrupted' && error.isRetryable,
  );
});

test('an empty 200 stream is an invalid response; a non-JSON event too', async () => {
  nextAnswer = { sse: '' };
  await assert.rejects(
    collectParts(adapter().stream(REQUEST, { signal })),
    (error: unknown) => error instanceof GatewayError && error.upstreamReason === 'invalid_response',
  );
  nextAnswer = { sse: 'data: {not json\r\n\r\n' };
  await assert.rejects(
    collectParts(adapter().stream(REQUEST, { signal })),
    (error: unknown) => error instanceof GatewayError && error.upstreamReason === 'invalid_response',
  );
});

test('a blocked prompt streams one empty content_filter delta, then usage', async () => {
  nextAnswer = { sse: readGeminiFixture('stream-blocked-prompt.sse') };
  const parts = await collectParts(adapter().stream(REQUEST, { signal }));
  assert.deepEqual(parts, [
    {
      kind: 'delta',
      index: 0,
      delta: {},
      finishReason: 'content_filter',
      nativeFinishReason: 'PROHIBITED_CONTENT',
    },
    { kind: 'usage', usage: { promptTokens: 15, completionTokens: 0, totalTokens: 15, estimated: false } },
  ]);
});

test('a JSON array answer (alt=sse ignored) is converted chunk by chunk', async () => {
  const chunks = readGeminiFixture('stream-text.sse')
    .split('\r\n\r\n')
    .filter((event) => event !== '')
    .map((event) => JSON.parse(event.slice('data: '.length)) as unknown);
  nextAnswer = { json: JSON.stringify(chunks) };
  const parts = await collectParts(adapter().stream(REQUEST, { signal }));
  assert.equal(contentOf(parts), 'Paris is the capital of France.');
  assert.equal(parts.at(-1)!.kind, 'usage');
});

test('aborting mid-stream rethrows the reason and closes the upstream connection', async () => {
  const firstEvent = readGeminiFixture('stream-text.sse').split('\r\n\r\n')[0]!;
  nextAnswer = { sse: `${firstEvent}\r\n\r\n`, end: false };
  const controller = new AbortController();
  const iterator = adapter().stream(REQUEST, { signal: controller.signal })[Symbol.asyncIterator]();
  const first = await iterator.next();
  assert.equal(first.done, false);
  const reason = new Error('client went away');
  controller.abort(reason);
  await assert.rejects(iterator.next(), (error: unknown) => error === reason);
  const closed = await upstream.requests.at(-1)!.closed;
  assert.equal(closed.finished, false);
});

test('stopping iteration early destroys the body', async () => {
  const firstEvent = readGeminiFixture('stream-text.sse').split('\r\n\r\n')[0]!;
  nextAnswer = { sse: `${firstEvent}\r\n\r\n`, end: false };
  for await (const part of adapter().stream(REQUEST, { signal })) {
    assert.equal(part.kind, 'delta');
    break;
  }
  const closed = await upstream.requests.at(-1)!.closed;
  assert.equal(closed.finished, false);
});

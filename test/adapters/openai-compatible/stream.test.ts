import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import type { AdapterTimeouts } from '../../../src/adapters/adapter.js';
import { createOpenAICompatibleAdapter } from '../../../src/adapters/openai-compatible/index.js';
import { GatewayError } from '../../../src/errors/index.js';
import type { ChatRequest, StreamPart } from '../../../src/spec/index.js';
import { eventually } from '../../helpers/start-gateway.js';
import {
  collectParts,
  contentOf,
  createTestDependencies,
  createTestRoute,
  readFixture,
  sendJson,
  sendSse,
  startFakeUpstream,
  type CapturedRequest,
  type FakeUpstream,
} from './fake-upstream.js';

type Responder = (request: CapturedRequest, response: ServerResponse) => void;

let upstream: FakeUpstream;
let respond: Responder = () => undefined;
const testDependencies = createTestDependencies();
const shortIdle = createTestDependencies({
  connectMs: 1000,
  ttftMs: 2000,
  idleMs: 100,
} satisfies AdapterTimeouts);
const singleConnection = createTestDependencies(undefined, 1);

before(async () => {
  upstream = await startFakeUpstream((request, response) => respond(request, response));
});

after(async () => {
  await Promise.all([testDependencies.close(), shortIdle.close(), singleConnection.close()]);
  await upstream.close();
});

const REQUEST: ChatRequest = {
  model: 'public/test-model',
  messages: [{ role: 'user', content: 'Hi' }],
  stream: true,
};
const signal = new AbortController().signal;

function adapterFor(overrides: Parameters<typeof createTestRoute>[1] = {}, dependencies = testDependencies) {
  return createOpenAICompatibleAdapter(
    createTestRoute(upstream.baseUrl, overrides),
    dependencies.dependencies,
  );
}

function serveFixture(name: string): void {
  respond = (_request, response) => sendSse(response, readFixture(name));
}

function deltas(parts: readonly StreamPart[]) {
  return parts.flatMap((part) => (part.kind === 'delta' ? [part] : []));
}

async function rejectsWith(
  promise: Promise<unknown>,
  expected: Partial<GatewayError>,
): Promise<GatewayError> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof GatewayError, `expected a GatewayError, got ${String(caught)}`);
  for (const [field, value] of Object.entries(expected)) {
    assert.deepEqual(Reflect.get(caught, field), value, field);
  }
  return caught;
}

test('vLLM: asks for a stream with usage and yields deltas, finish and one usage part', async () => {
  serveFixture('vllm-stream.sse');
  const parts = await collectParts(adapterFor().stream(REQUEST, { signal }));

  const body = upstream.lastBody();
  assert.equal(body.stream, true);
  assert.deepEqual(body.stream_options, { include_usage: true });
  assert.equal(body.model, 'upstream/test-model');

  assert.deepEqual(parts, [
    {
      kind: 'delta',
      index: 0,
      delta: { role: 'assistant', content: '' },
      finishReason: null,
      nativeFinishReason: null,
    },
    { kind: 'delta', index: 0, delta: { content: 'Bonjour' }, finishReason: null, nativeFinishReason: null },
    {
      kind: 'delta',
      index: 0,
      delta: { content: ' à tous — ça va ? 🙂' },
      finishReason: null,
      nativeFinishReason: null,
    },
    { kind: 'delta', index: 0, delta: { content: '' }, finishReason: 'stop', nativeFinishReason: 'stop' },
    { kind: 'usage', usage: { promptTokens: 17, completionTokens: 9, totalTokens: 26, estimated: false } },
  ]);
});

test('the connection is reused after [DONE], even when the body ends later', async () => {
  respond = (_request, response) => {
    sendSse(response, readFixture('vllm-stream.sse'), { end: false });
    setTimeout(() => response.end(), 30);
  };
  const adapter = adapterFor({}, singleConnection);
  await collectParts(adapter.stream(REQUEST, { signal }));
  const first = upstream.requests.at(-1)!;
  assert.deepEqual(await first.closed, { finished: true });
  await collectParts(adapter.stream(REQUEST, { signal }));
  assert.equal(upstream.requests.at(-1)!.remotePort, first.remotePort);
});

test('vLLM tool-call deltas pass through with their index, id and argument pieces', async () => {
  serveFixture('vllm-stream-tool-calls.sse');
  const parts = deltas(await collectParts(adapterFor().stream(REQUEST, { signal })));
  const fragments = parts.flatMap((part) => part.delta.tool_calls ?? []);
  assert.deepEqual(fragments, [
    { id: 'chatcmpl-tool-9e8d7c6b', type: 'function', index: 0, function: { name: 'get_weather' } },
    { index: 0, function: { arguments: '{"city": ' } },
    { index: 0, function: { arguments: '"Paris"}' } },
  ]);
  assert.equal(parts.at(-1)!.finishReason, 'tool_calls');
});

test('DeepSeek: reasoning_content streams as reasoning; usage from the last content chunk', async () => {
  serveFixture('deepseek-reasoner-stream.sse');
  const parts = await collectParts(adapterFor({ kind: 'deepseek' }).stream(REQUEST, { signal }));
  const reasoning = deltas(parts)
    .map((part) => part.delta.reasoning ?? '')
    .join('');
  assert.equal(reasoning, 'Compare tenths: 1 < 9.');
  assert.equal(contentOf(parts), '9.11 is smaller.');
  for (const part of deltas(parts)) assert.equal('reasoning_content' in part.delta, false);
  assert.deepEqual(parts.at(-1), {
    kind: 'usage',
    usage: {
      promptTokens: 64,
      completionTokens: 40,
      totalTokens: 104,
      cachedTokens: 64,
      reasoningTokens: 30,
      estimated: false,
    },
  });
  assert.equal(parts.filter((part) => part.kind === 'usage').length, 1);
});

test('Groq: usage from x_groq, empty finishing delta kept', async () => {
  serveFixture('groq-stream.sse');
  const parts = await collectParts(adapterFor({ kind: 'groq' }).stream(REQUEST, { signal }));
  assert.equal(contentOf(parts), 'Fast and cheap.');
  const last = deltas(parts).at(-1)!;
  assert.deepEqual(last.delta, {});
  assert.equal(last.finishReason, 'stop');
  assert.deepEqual(parts.at(-1), {
    kind: 'usage',
    usage: { promptTokens: 18, completionTokens: 4, totalTokens: 22, estimated: false },
  });
});

test('OpenRouter: comments skipped, reasoning kept, native finish reason', async () => {
  serveFixture('openrouter-stream.sse');
  const parts = await collectParts(adapterFor({ kind: 'openrouter' }).stream(REQUEST, { signal }));
  const first = deltas(parts)[0]!;
  assert.equal(first.delta.reasoning, 'Think');
  assert.equal(Array.isArray(first.delta.reasoning_details), true);
  assert.equal(contentOf(parts), 'Hello!');
  const finish = deltas(parts).at(-1)!;
  assert.equal(finish.finishReason, 'stop');
  assert.equal(finish.nativeFinishReason, 'eos');
  assert.equal(parts.at(-1)?.kind, 'usage');
});

test('an error event mid-stream throws after the parts before it (OpenRouter shape)', async () => {
  serveFixture('openrouter-stream-error.sse');
  const parts: StreamPart[] = [];
  const iterate = async () => {
    for await (const part of adapterFor({ kind: 'openrouter' }).stream(REQUEST, { signal })) parts.push(part);
  };
  await rejectsWith(iterate(), { upstreamReason: 'server_error', isRetryable: true, upstreamStatus: 502 });
  assert.equal(contentOf(parts), 'Partial');
});

test('a vLLM error event maps its code', async () => {
  serveFixture('error-vllm-stream-event.sse');
  await rejectsWith(collectParts(adapterFor().stream(REQUEST, { signal })), {
    code: 'provider_unavailable',
    upstreamReason: 'server_error',
    upstreamStatus: 503,
  });
});

test('an error event without a status is an interruption', async () => {
  respond = (_request, response) =>
    sendSse(response, 'data: {"error":{"message":"boom","type":"internal_failure"}}\n\n');
  const error = await rejectsWith(collectParts(adapterFor().stream(REQUEST, { signal })), {
    upstreamReason: 'interrupted',
    isRetryable: true,
  });
  assert.match(error.message, /internal_failure/);
  assert.doesNotMatch(error.message, /boom/);
});

const ROLE_CHUNK =
  'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"finish_reason":null}]}\n\n';

test('a connection dropped mid-stream is interrupted and retryable', async () => {
  respond = (_request, response) => {
    sendSse(response, ROLE_CHUNK, { end: false });
    setTimeout(() => response.socket?.destroy(), 10);
  };
  await rejectsWith(collectParts(adapterFor().stream(REQUEST, { signal })), {
    code: 'provider_unavailable',
    upstreamReason: 'interrupted',
    isRetryable: true,
  });
});

test('a body that ends without [DONE] and without a finish reason is interrupted', async () => {
  respond = (_request, response) => sendSse(response, ROLE_CHUNK);
  await rejectsWith(collectParts(adapterFor().stream(REQUEST, { signal })), {
    upstreamReason: 'interrupted',
  });
});

test('a body that ends without [DONE] after a finish reason is complete', async () => {
  respond = (_request, response) =>
    sendSse(response, `${ROLE_CHUNK}data: {"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}`);
  const parts = await collectParts(adapterFor().stream(REQUEST, { signal }));
  assert.equal(deltas(parts).at(-1)!.finishReason, 'length');
});

for (const [label, body] of [
  ['no data events', ': keep-alive\n\n: keep-alive\n\n'],
  ['only [DONE]', 'data: [DONE]\n\n'],
  ['an event that is not JSON', 'data: {"choices":[\n\n'],
] as const) {
  test(`a stream with ${label} is invalid_response`, async () => {
    respond = (_request, response) => sendSse(response, body);
    await rejectsWith(collectParts(adapterFor().stream(REQUEST, { signal })), {
      upstreamReason: 'invalid_response',
      isRetryable: false,
    });
  });
}

test('silence longer than idleMs is a retryable timeout', async () => {
  respond = (_request, response) => sendSse(response, ROLE_CHUNK, { end: false });
  await rejectsWith(collectParts(adapterFor({}, shortIdle).stream(REQUEST, { signal })), {
    code: 'timeout',
    upstreamReason: 'timeout',
    isRetryable: true,
  });
});

test('abort mid-stream rethrows the signal reason and closes the upstream connection', async () => {
  respond = (_request, response) => sendSse(response, ROLE_CHUNK, { end: false });
  const controller = new AbortController();
  const iterator = adapterFor().stream(REQUEST, { signal: controller.signal })[Symbol.asyncIterator]();
  const first = await iterator.next();
  assert.equal(first.done, false);
  const pending = iterator.next();
  controller.abort();
  await assert.rejects(pending, (error: unknown) => error === controller.signal.reason);
  assert.deepEqual(await upstream.requests.at(-1)!.closed, { finished: false });
});

test('abort before the response rethrows the signal reason', async () => {
  respond = () => undefined;
  const controller = new AbortController();
  const reason = new Error('client went away');
  setTimeout(() => controller.abort(reason), 20);
  await assert.rejects(
    collectParts(adapterFor().stream(REQUEST, { signal: controller.signal })),
    (error) => error === reason,
  );
  assert.deepEqual(await upstream.requests.at(-1)!.closed, { finished: false });
});

test('stopping iteration early destroys the upstream body', async () => {
  respond = (_request, response) => sendSse(response, ROLE_CHUNK.repeat(3), { end: false });
  for await (const part of adapterFor().stream(REQUEST, { signal })) {
    assert.equal(part.kind, 'delta');
    break;
  }
  assert.deepEqual(await upstream.requests.at(-1)!.closed, { finished: false });
});

test('a JSON answer to a stream request becomes parts', async () => {
  respond = (_request, response) => sendJson(response, 200, readFixture('vllm-chat-tool-calls.json'));
  const parts = await collectParts(adapterFor().stream(REQUEST, { signal }));
  const [delta, usage] = parts;
  assert.equal(delta?.kind, 'delta');
  if (delta?.kind === 'delta') {
    assert.equal(delta.delta.role, 'assistant');
    assert.equal(delta.delta.tool_calls?.[1]?.index, 1);
    assert.equal(delta.finishReason, 'tool_calls');
  }
  assert.equal(usage?.kind, 'usage');
});

test('an upstream that never ends its event fails the stream as an invalid response, memory bounded', async () => {
  let upstreamClosed = false;
  respond = (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.on('close', () => (upstreamClosed = true));
    response.write(ROLE_CHUNK);
    // 17 MiB of one `data:` line, in 1 MiB writes, and no line end.
    const piece = 'x'.repeat(1024 * 1024);
    response.write('data: ');
    for (let index = 0; index < 17; index += 1) response.write(piece);
  };
  const parts: StreamPart[] = [];
  const iterate = async () => {
    for await (const part of adapterFor().stream(REQUEST, { signal })) parts.push(part);
  };
  const error = await rejectsWith(iterate(), { upstreamReason: 'invalid_response', upstreamStatus: 200 });
  assert.match(error.message, /a stream event exceeds 16777216 bytes/);
  assert.equal(parts.length, 1, 'the role chunk came first');
  await eventually(() => upstreamClosed);
});

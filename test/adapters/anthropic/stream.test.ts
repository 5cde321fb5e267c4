import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import { createAnthropicAdapter } from '../../../src/adapters/anthropic/index.js';
import { GatewayError } from '../../../src/errors/index.js';
import type { ChatRequest, StreamPart } from '../../../src/spec/index.js';
import {
  collectParts,
  contentOf,
  createTestDependencies,
  sendJson,
  sendSse,
  startFakeUpstream,
  type CapturedRequest,
  type FakeUpstream,
} from '../openai-compatible/fake-upstream.js';
import { createAnthropicRoute, readAnthropicFixture } from './anthropic-fixtures.js';

type Responder = (request: CapturedRequest, response: ServerResponse) => void;

let upstream: FakeUpstream;
let respond: Responder = () => undefined;
const testDependencies = createTestDependencies();
const singleConnection = createTestDependencies(undefined, 1);

before(async () => {
  upstream = await startFakeUpstream((request, response) => respond(request, response));
});

after(async () => {
  await Promise.all([testDependencies.close(), singleConnection.close()]);
  await upstream.close();
});

const REQUEST: ChatRequest = {
  model: 'anthropic/claude-sonnet-4.5',
  messages: [{ role: 'user', content: 'Hi' }],
  stream: true,
  stream_options: { include_usage: true },
};
const signal = new AbortController().signal;

function adapterFor(dependencies = testDependencies) {
  return createAnthropicAdapter(createAnthropicRoute(upstream.baseUrl), dependencies.dependencies);
}

function serveFixture(name: string): void {
  respond = (_request, response) => sendSse(response, readAnthropicFixture(name));
}

function delta(change: Record<string, unknown>): StreamPart {
  return { kind: 'delta', index: 0, delta: change, finishReason: null, nativeFinishReason: null };
}

const MESSAGE_START =
  'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5-20250929","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":9,"output_tokens":1}}}\n\n' +
  'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n' +
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}\n\n';

test('text stream: POSTs stream: true to /v1/messages; text deltas, the finish on the last delta, then usage', async () => {
  serveFixture('stream-text.sse');
  const parts = await collectParts(adapterFor().stream(REQUEST, { signal }));

  const sent = upstream.requests.at(-1)!;
  assert.equal(sent.url, '/v1/messages');
  assert.equal(sent.headers['x-api-key'], 'sk-ant-test');
  assert.equal(sent.headers['anthropic-version'], '2023-06-01');
  assert.deepEqual(upstream.lastBody(), {
    model: 'claude-sonnet-4-5-20250929',
    max_tokens: 4096,
    messages: [{ role: 'user', content: 'Hi' }],
    stream: true,
  });

  assert.deepEqual(parts, [
    delta({ content: 'Hello' }),
    delta({ content: '! How can I help you today?' }),
    { kind: 'delta', index: 0, delta: {}, finishReason: 'stop', nativeFinishReason: 'end_turn' },
    {
      kind: 'usage',
      usage: {
        promptTokens: 25,
        completionTokens: 12,
        totalTokens: 37,
        cachedTokens: 0,
        cacheWriteTokens: 0,
        estimated: false,
      },
    },
  ]);
});

test('tool_use stream: first fragment with index, id, type and name, then argument pieces; index counts tools', async () => {
  serveFixture('stream-tool-use.sse');
  const parts = await collectParts(adapterFor().stream(REQUEST, { signal }));
  assert.deepEqual(parts, [
    delta({ content: "Okay, let's check the weather for San Francisco, CA:" }),
    delta({
      tool_calls: [
        {
          index: 0,
          id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
          type: 'function',
          function: { name: 'get_weather', arguments: '' },
        },
      ],
    }),
    delta({ tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] }),
    delta({ tool_calls: [{ index: 0, function: { arguments: ' "San Fra' } }] }),
    delta({ tool_calls: [{ index: 0, function: { arguments: 'ncisco, CA"' } }] }),
    delta({ tool_calls: [{ index: 0, function: { arguments: ', "unit": "fah' } }] }),
    delta({ tool_calls: [{ index: 0, function: { arguments: 'renheit"}' } }] }),
    delta({
      tool_calls: [
        {
          index: 1,
          id: 'toolu_01VjMNDcTFSz3Z4nPZLHYkXq',
          type: 'function',
          function: { name: 'get_time', arguments: '' },
        },
      ],
    }),
    // get_time streamed no input: `{}` keeps its arguments parseable.
    delta({ tool_calls: [{ index: 1, function: { arguments: '{}' } }] }),
    { kind: 'delta', index: 0, delta: {}, finishReason: 'tool_calls', nativeFinishReason: 'tool_use' },
    {
      kind: 'usage',
      usage: {
        promptTokens: 472 + 2048,
        completionTokens: 89,
        totalTokens: 472 + 2048 + 89,
        cachedTokens: 2048,
        cacheWriteTokens: 0,
        estimated: false,
      },
    },
  ]);
  const argumentsOfFirst = parts
    .flatMap((part) => (part.kind === 'delta' ? (part.delta.tool_calls ?? []) : []))
    .filter((call) => call.index === 0)
    .map((call) => call.function?.arguments ?? '')
    .join('');
  assert.deepEqual(JSON.parse(argumentsOfFirst), { location: 'San Francisco, CA', unit: 'fahrenheit' });
});

test('thinking stream: reasoning deltas, then one reasoning_details entry with the signature, then text', async () => {
  serveFixture('stream-thinking.sse');
  const parts = await collectParts(adapterFor().stream(REQUEST, { signal }));
  const thinking =
    'I need to find the GCD of 1071 and 462 using the Euclidean algorithm.\n\n' +
    '1071 = 2 × 462 + 147, 462 = 3 × 147 + 21, 147 = 7 × 21 + 0. So the GCD is 21.';
  assert.deepEqual(parts, [
    delta({ reasoning: 'I need to find the GCD of 1071 and 462 using the Euclidean algorithm.\n\n' }),
    delta({ reasoning: '1071 = 2 × 462 + 147, 462 = 3 × 147 + 21, 147 = 7 × 21 + 0. So the GCD is 21.' }),
    delta({
      reasoning_details: [
        {
          type: 'reasoning.text',
          text: thinking,
          signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds0UpVKDNo6Bw6qjJ2bUv5Ghc=',
          format: 'anthropic-claude-v1',
          index: 0,
        },
      ],
    }),
    delta({ content: 'The greatest common divisor of 1071 and 462 is **21**.' }),
    { kind: 'delta', index: 0, delta: {}, finishReason: 'stop', nativeFinishReason: 'end_turn' },
    {
      kind: 'usage',
      usage: {
        promptTokens: 48,
        completionTokens: 142,
        totalTokens: 190,
        cachedTokens: 0,
        cacheWriteTokens: 0,
        estimated: false,
      },
    },
  ]);
});

test('reasoning.exclude: no reasoning parts', async () => {
  serveFixture('stream-thinking.sse');
  const parts = await collectParts(
    adapterFor().stream({ ...REQUEST, reasoning: { effort: 'high', exclude: true } }, { signal }),
  );
  assert.ok(parts.every((part) => part.kind !== 'delta' || part.delta.reasoning === undefined));
  assert.ok(parts.every((part) => part.kind !== 'delta' || part.delta.reasoning_details === undefined));
  assert.equal(contentOf(parts), 'The greatest common divisor of 1071 and 462 is **21**.');
});

test('an error event mid-stream throws after the parts before it; overloaded_error is retryable', async () => {
  serveFixture('stream-error-overloaded.sse');
  const seen: StreamPart[] = [];
  await assert.rejects(
    (async () => {
      for await (const part of adapterFor().stream(REQUEST, { signal })) seen.push(part);
    })(),
    (error: unknown) => {
      assert.ok(error instanceof GatewayError);
      assert.equal(error.upstreamReason, 'server_error');
      assert.equal(error.isRetryable, true);
      assert.equal(error.upstreamStatus, 529);
      return true;
    },
  );
  assert.deepEqual(seen, [delta({ content: 'Once upon' })]);
});

test('an error event of another type is classified like its status', async () => {
  respond = (_request, response) =>
    sendSse(
      response,
      MESSAGE_START +
        'event: error\ndata: {"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}\n\n',
    );
  await assert.rejects(collectParts(adapterFor().stream(REQUEST, { signal })), {
    upstreamReason: 'rate_limited',
    code: 'rate_limit_exceeded',
  });
  respond = (_request, response) =>
    sendSse(response, MESSAGE_START + 'event: error\ndata: {"type":"error","error":{"type":"mystery"}}\n\n');
  await assert.rejects(collectParts(adapterFor().stream(REQUEST, { signal })), {
    upstreamReason: 'interrupted',
    isRetryable: true,
  });
});

test('a body that ends after message_delta without message_stop still completes', async () => {
  respond = (_request, response) =>
    sendSse(
      response,
      MESSAGE_START +
        'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":3}}\n\n',
    );
  const parts = await collectParts(adapterFor().stream(REQUEST, { signal }));
  assert.deepEqual(parts.slice(-2), [
    { kind: 'delta', index: 0, delta: {}, finishReason: 'length', nativeFinishReason: 'max_tokens' },
    { kind: 'usage', usage: { promptTokens: 9, completionTokens: 3, totalTokens: 12, estimated: false } },
  ]);
});

test('a body that ends mid-message is interrupted (retryable); an empty one is invalid', async () => {
  respond = (_request, response) => sendSse(response, MESSAGE_START);
  await assert.rejects(collectParts(adapterFor().stream(REQUEST, { signal })), {
    upstreamReason: 'interrupted',
    isRetryable: true,
  });
  respond = (_request, response) => sendSse(response, ': nothing here\n\n');
  await assert.rejects(collectParts(adapterFor().stream(REQUEST, { signal })), {
    upstreamReason: 'invalid_response',
  });
  respond = (_request, response) => sendSse(response, 'event: message_start\ndata: {not json\n\n');
  await assert.rejects(collectParts(adapterFor().stream(REQUEST, { signal })), {
    upstreamReason: 'invalid_response',
  });
});

test('an HTTP error before the stream is thrown at the first next()', async () => {
  respond = (_request, response) =>
    sendJson(response, 529, readAnthropicFixture('error-529-overloaded.json'));
  await assert.rejects(collectParts(adapterFor().stream(REQUEST, { signal })), {
    upstreamReason: 'server_error',
    upstreamStatus: 529,
    isRetryable: true,
  });
});

test('a JSON message answering a stream request becomes parts', async () => {
  respond = (_request, response) => sendJson(response, 200, readAnthropicFixture('message-tool-use.json'));
  const parts = await collectParts(adapterFor().stream(REQUEST, { signal }));
  assert.equal(parts.length, 2);
  const [first, usage] = parts;
  assert.equal(first?.kind === 'delta' && first.finishReason, 'tool_calls');
  assert.equal(first?.kind === 'delta' && first.delta.tool_calls?.[0]?.id, 'toolu_01A09q90qw90lq917835lq9');
  assert.equal(usage?.kind === 'usage' && usage.usage.cachedTokens, 1536);
});

test('the connection is reused after message_stop', async () => {
  serveFixture('stream-text.sse');
  const adapter = adapterFor(singleConnection);
  await collectParts(adapter.stream(REQUEST, { signal }));
  const first = upstream.requests.at(-1)!;
  assert.deepEqual(await first.closed, { finished: true });
  await collectParts(adapter.stream(REQUEST, { signal }));
  assert.equal(upstream.requests.at(-1)!.remotePort, first.remotePort);
});

test('abort mid-stream rethrows the signal reason and closes the upstream connection', async () => {
  respond = (_request, response) => sendSse(response, MESSAGE_START, { end: false });
  const controller = new AbortController();
  const iterator = adapterFor().stream(REQUEST, { signal: controller.signal })[Symbol.asyncIterator]();
  const first = await iterator.next();
  assert.deepEqual(first.value, delta({ content: 'Hi' }));
  const pending = iterator.next();
  controller.abort();
  await assert.rejects(pending, (error: unknown) => error === controller.signal.reason);
  assert.deepEqual(await upstream.requests.at(-1)!.closed, { finished: false });
});

test('stopping iteration early destroys the upstream body', async () => {
  respond = (_request, response) => sendSse(response, MESSAGE_START, { end: false });
  for await (const part of adapterFor().stream(REQUEST, { signal })) {
    assert.equal(part.kind, 'delta');
    break;
  }
  assert.deepEqual(await upstream.requests.at(-1)!.closed, { finished: false });
});

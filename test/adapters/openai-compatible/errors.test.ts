import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { AdapterDependencies } from '../../../src/adapters/adapter.js';
import { createOpenAICompatibleAdapter } from '../../../src/adapters/openai-compatible/index.js';
import { GatewayError } from '../../../src/errors/index.js';
import type { ChatRequest, RouteTarget } from '../../../src/spec/index.js';
import {
  collectParts,
  createTestDependencies,
  createTestRoute,
  readFixture,
  sendJson,
  startFakeUpstream,
  type FakeUpstream,
  type UpstreamHandler,
} from './fake-upstream.js';

let upstream: FakeUpstream;
let respond: UpstreamHandler = () => undefined;
const testDependencies = createTestDependencies();
const shortTtft = createTestDependencies({ connectMs: 1000, ttftMs: 50, idleMs: 2000 });

before(async () => {
  upstream = await startFakeUpstream((request, response) => respond(request, response));
});

after(async () => {
  await Promise.all([testDependencies.close(), shortTtft.close()]);
  await upstream.close();
});

const REQUEST: ChatRequest = { model: 'public/test-model', messages: [{ role: 'user', content: 'Hi' }] };
const signal = new AbortController().signal;
const METADATA = { provider: 'test-provider', route: 'test-provider/test-model' };

function adapterFor(
  route: Partial<RouteTarget> = {},
  dependencies: AdapterDependencies = testDependencies.dependencies,
) {
  return createOpenAICompatibleAdapter(createTestRoute(upstream.baseUrl, route), dependencies);
}

async function failureOf(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GatewayError, `expected a GatewayError, got ${String(error)}`);
    assert.deepEqual(error.metadata, METADATA);
    assert.doesNotMatch(error.message, /sk-test|secret|127\.0\.0\.1/);
    return error;
  }
  assert.fail('expected the call to fail');
}

function answer(status: number, body: string, headers: Record<string, string> = {}): void {
  respond = (_request, response) => sendJson(response, status, body, headers);
}

test('429 with Retry-After: rate limited, wait parsed, upstream text not quoted', async () => {
  answer(429, readFixture('error-openai-429.json'), { 'retry-after': '2' });
  const error = await failureOf(adapterFor({ kind: 'groq' }).complete(REQUEST, { signal }));
  assert.equal(error.code, 'rate_limit_exceeded');
  assert.equal(error.upstreamReason, 'rate_limited');
  assert.equal(error.retryAfterMs, 2000);
  assert.equal(error.upstreamStatus, 429);
  assert.equal(error.isRetryable, false);
  assert.doesNotMatch(error.message, /org_01abc/);
});

test('429 with x-ratelimit-reset-requests: 2m59s', async () => {
  answer(429, readFixture('error-openai-429.json'), {
    'x-ratelimit-reset-requests': '2m59s',
    'x-ratelimit-remaining-requests': '0',
    'x-ratelimit-reset-tokens': '7.66s',
  });
  const error = await failureOf(adapterFor({ kind: 'groq' }).complete(REQUEST, { signal }));
  assert.equal(error.retryAfterMs, 179_000);
});

test('429 before a stream starts is thrown from the stream', async () => {
  answer(429, readFixture('error-openai-429.json'), { 'retry-after': '1' });
  const error = await failureOf(collectParts(adapterFor().stream(REQUEST, { signal })));
  assert.equal(error.upstreamReason, 'rate_limited');
  assert.equal(error.retryAfterMs, 1000);
});

test('500 is a retryable server error', async () => {
  answer(500, readFixture('error-openrouter-500.json'));
  const error = await failureOf(adapterFor().complete(REQUEST, { signal }));
  assert.equal(error.code, 'provider_unavailable');
  assert.equal(error.status, 502);
  assert.equal(error.upstreamReason, 'server_error');
  assert.equal(error.isRetryable, true);
  assert.equal(error.upstreamStatus, 500);
});

test('503 with Retry-After keeps the wait; HTML bodies are not quoted', async () => {
  respond = (_request, response) => {
    response.writeHead(503, { 'content-type': 'text/html', 'retry-after': '5' });
    response.end('<html><body>Service Unavailable</body></html>');
  };
  const error = await failureOf(adapterFor().complete(REQUEST, { signal }));
  assert.equal(error.upstreamReason, 'server_error');
  assert.equal(error.retryAfterMs, 5000);
  assert.doesNotMatch(error.message, /html/i);
});

test('upstream 504 is code timeout', async () => {
  answer(504, '{"error":{"message":"upstream timed out"}}');
  const error = await failureOf(adapterFor().complete(REQUEST, { signal }));
  assert.equal(error.code, 'timeout');
  assert.equal(error.isRetryable, true);
});

for (const status of [401, 403]) {
  test(`${status} is an auth error that never exposes the key`, async () => {
    answer(status, readFixture('error-openai-401.json'));
    const error = await failureOf(
      adapterFor({ kind: 'openai', providerName: 'OpenAI' }).complete(REQUEST, { signal }),
    );
    assert.equal(error.code, 'provider_unavailable');
    assert.equal(error.upstreamReason, 'auth_error');
    assert.equal(error.isRetryable, false);
    assert.equal(error.message, `Upstream OpenAI rejected the gateway's credentials (HTTP ${status}).`);
    assert.equal(JSON.stringify(error).includes('cret'), false);
  });
}

test('404 is model_not_found', async () => {
  answer(404, readFixture('error-vllm-404-model.json'));
  const error = await failureOf(adapterFor().complete(REQUEST, { signal }));
  assert.equal(error.upstreamReason, 'model_not_found');
  assert.equal(error.isRetryable, false);
  assert.equal(error.upstreamStatus, 404);
  assert.match(error.message, /upstream\/test-model/);
});

test('400 whose body says the model does not exist is model_not_found (DeepSeek)', async () => {
  answer(400, readFixture('error-deepseek-model-not-exist.json'));
  const error = await failureOf(adapterFor({ kind: 'deepseek' }).complete(REQUEST, { signal }));
  assert.equal(error.upstreamReason, 'model_not_found');
  assert.equal(error.code, 'provider_unavailable');
});

test('400 in the vLLM shape: request rejected with the upstream message and param', async () => {
  answer(400, readFixture('error-vllm-400.json'));
  const error = await failureOf(adapterFor().complete(REQUEST, { signal }));
  assert.equal(error.code, 'invalid_request');
  assert.equal(error.status, 400);
  assert.equal(error.upstreamReason, 'request_rejected');
  assert.equal(error.isRetryable, false);
  assert.equal(error.param, 'temperature');
  assert.equal(
    error.message,
    'TestProvider rejected the request: temperature must be non-negative, got -1.0.',
  );
});

test('400 in the OpenAI shape carries its param', async () => {
  answer(400, readFixture('error-openai-400-param.json'));
  const error = await failureOf(adapterFor({ kind: 'openai' }).complete(REQUEST, { signal }));
  assert.equal(error.param, 'max_tokens');
  assert.match(error.message, /Invalid type for 'max_tokens'/);
});

test('422 in the Mistral shape: unprocessable, param from the validation location', async () => {
  answer(422, readFixture('error-mistral-422.json'));
  const error = await failureOf(
    adapterFor({ kind: 'mistral', providerName: 'Mistral' }).complete(REQUEST, { signal }),
  );
  assert.equal(error.code, 'unprocessable');
  assert.equal(error.param, 'top_k');
  assert.equal(error.message, 'Mistral rejected the request: Extra inputs are not permitted');
});

test('413 with a plain-text body; long messages are truncated', async () => {
  respond = (_request, response) => {
    response.writeHead(413, { 'content-type': 'text/plain' });
    response.end(`Request too large: ${'x'.repeat(1000)}`);
  };
  const error = await failureOf(adapterFor().complete(REQUEST, { signal }));
  assert.equal(error.code, 'payload_too_large');
  assert.ok(error.message.length < 400);
  assert.ok(error.message.endsWith('…'));
});

test('a huge error body is cut at 64 KB and its connection released', async () => {
  respond = (_request, response) => {
    response.writeHead(500, { 'content-type': 'application/json' });
    response.write(`{"error":{"message":"${'y'.repeat(256 * 1024)}`);
  };
  const error = await failureOf(adapterFor().complete(REQUEST, { signal }));
  assert.equal(error.upstreamReason, 'server_error');
  assert.deepEqual(await upstream.requests.at(-1)!.closed, { finished: false });
});

test('connection refused is a retryable connection error', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const adapter = createOpenAICompatibleAdapter(
    createTestRoute(`http://127.0.0.1:${port}/v1`),
    testDependencies.dependencies,
  );
  const error = await failureOf(adapter.complete(REQUEST, { signal }));
  assert.equal(error.code, 'provider_unavailable');
  assert.equal(error.upstreamReason, 'connection_error');
  assert.equal(error.isRetryable, true);
  assert.equal(error.upstreamStatus, null);
  assert.match(error.message, /ECONNREFUSED/);
});

test('a stream with no response headers within ttftMs is a retryable timeout', async () => {
  respond = () => undefined;
  const started = Date.now();
  const error = await failureOf(
    collectParts(adapterFor({}, shortTtft.dependencies).stream(REQUEST, { signal })),
  );
  assert.equal(error.code, 'timeout');
  assert.equal(error.upstreamReason, 'timeout');
  assert.equal(error.isRetryable, true);
  assert.match(error.message, /50 ms/);
  assert.ok(Date.now() - started < 1500);
});

test('a non-stream call waits past ttftMs for its headers (the overall deadline bounds it)', async () => {
  respond = (_request, response) => {
    setTimeout(() => sendJson(response, 200, readFixture('vllm-chat.json')), 120);
  };
  const result = await adapterFor({}, shortTtft.dependencies).complete(REQUEST, { signal });
  assert.equal(result.choices.length, 1);
});

test('402 (no credit at the provider) is an auth error', async () => {
  answer(402, '{"error":{"message":"Insufficient Balance","type":"unknown_error"}}');
  const error = await failureOf(
    adapterFor({ kind: 'deepseek', providerName: 'DeepSeek' }).complete(REQUEST, { signal }),
  );
  assert.equal(error.upstreamReason, 'auth_error');
  assert.equal(
    error.message,
    "Upstream DeepSeek reports no credit left on the gateway's account (HTTP 402).",
  );
});

test('an unexpected status is a non-retryable server error', async () => {
  answer(405, '{"detail":"Method Not Allowed"}');
  const error = await failureOf(adapterFor().complete(REQUEST, { signal }));
  assert.equal(error.upstreamReason, 'server_error');
  assert.equal(error.isRetryable, false);
  assert.equal(error.upstreamStatus, 405);
});

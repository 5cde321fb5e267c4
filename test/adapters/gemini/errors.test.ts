import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createGeminiAdapter } from '../../../src/adapters/gemini/index.js';
import { GatewayError } from '../../../src/errors/index.js';
import type { ChatRequest } from '../../../src/spec/index.js';
import {
  collectParts,
  createGeminiRoute,
  createTestDependencies,
  readGeminiFixture,
  sendJson,
  startFakeUpstream,
  type FakeUpstream,
} from './fake-gemini.js';

let upstream: FakeUpstream;
const testDependencies = createTestDependencies();
let nextError: { status: number; body: string; headers?: Record<string, string> } = { status: 500, body: '' };
const signal = new AbortController().signal;

before(async () => {
  upstream = await startFakeUpstream((_request, response) => {
    sendJson(response, nextError.status, nextError.body, nextError.headers);
  });
});

after(async () => {
  await testDependencies.close();
  await upstream.close();
});

const adapter = () => createGeminiAdapter(createGeminiRoute(upstream.baseUrl), testDependencies.dependencies);
const REQUEST: ChatRequest = {
  model: 'google/gemini-2.5-flash',
  messages: [{ role: 'user', content: 'Hi' }],
};

interface Expected {
  readonly code: string;
  readonly status: number;
  readonly upstreamStatus: number;
  readonly upstreamReason: string;
  readonly isRetryable: boolean;
  readonly retryAfterMs: number | null;
  readonly message?: RegExp;
}

async function failureOf(call: () => Promise<unknown>): Promise<GatewayError> {
  try {
    await call();
  } catch (error) {
    assert.ok(error instanceof GatewayError, `expected a GatewayError, got ${String(error)}`);
    return error;
  }
  throw new Error('the call did not fail');
}

function assertError(error: GatewayError, expected: Expected): void {
  const { message, ...fields } = expected;
  assert.deepEqual(
    {
      code: error.code,
      status: error.status,
      upstreamStatus: error.upstreamStatus,
      upstreamReason: error.upstreamReason,
      isRetryable: error.isRetryable,
      retryAfterMs: error.retryAfterMs,
    },
    fields,
  );
  if (message !== undefined) assert.match(error.message, message);
  assert.ok(!error.message.includes('test-gemini-key'), 'the key never reaches a message');
}

const CASES: [string, string, number, Expected][] = [
  [
    '429 RESOURCE_EXHAUSTED waits RetryInfo.retryDelay (7s)',
    'error-429-resource-exhausted.json',
    429,
    {
      code: 'rate_limit_exceeded',
      status: 429,
      upstreamStatus: 429,
      upstreamReason: 'rate_limited',
      isRetryable: false,
      retryAfterMs: 7000,
    },
  ],
  [
    '429 with a fractional retryDelay (0.5s)',
    'error-429-retry-fraction.json',
    429,
    {
      code: 'rate_limit_exceeded',
      status: 429,
      upstreamStatus: 429,
      upstreamReason: 'rate_limited',
      isRetryable: false,
      retryAfterMs: 500,
    },
  ],
  [
    '400 INVALID_ARGUMENT is the request’s fault: final, Google’s message quoted',
    'error-400-invalid-argument.json',
    400,
    {
      code: 'invalid_request',
      status: 400,
      upstreamStatus: 400,
      upstreamReason: 'request_rejected',
      isRetryable: false,
      retryAfterMs: null,
      message: /rejected the request: Invalid JSON payload received\. Unknown name "additionalProperties"/,
    },
  ],
  [
    '400 API_KEY_INVALID blames the gateway’s key: auth_error, not the client',
    'error-400-api-key-invalid.json',
    400,
    {
      code: 'provider_unavailable',
      status: 502,
      upstreamStatus: 400,
      upstreamReason: 'auth_error',
      isRetryable: false,
      retryAfterMs: null,
      message: /credentials/,
    },
  ],
  [
    '400 FAILED_PRECONDITION (region, billing) is the account’s problem: auth_error',
    'error-400-failed-precondition.json',
    400,
    {
      code: 'provider_unavailable',
      status: 502,
      upstreamStatus: 400,
      upstreamReason: 'auth_error',
      isRetryable: false,
      retryAfterMs: null,
    },
  ],
  [
    '403 PERMISSION_DENIED → auth_error',
    'error-403-permission-denied.json',
    403,
    {
      code: 'provider_unavailable',
      status: 502,
      upstreamStatus: 403,
      upstreamReason: 'auth_error',
      isRetryable: false,
      retryAfterMs: null,
    },
  ],
  [
    '404 NOT_FOUND → model_not_found',
    'error-404-not-found.json',
    404,
    {
      code: 'provider_unavailable',
      status: 502,
      upstreamStatus: 404,
      upstreamReason: 'model_not_found',
      isRetryable: false,
      retryAfterMs: null,
      message: /does not serve model 'gemini-2\.5-flash'/,
    },
  ],
  [
    '503 UNAVAILABLE → retryable server_error',
    'error-503-unavailable.json',
    503,
    {
      code: 'provider_unavailable',
      status: 502,
      upstreamStatus: 503,
      upstreamReason: 'server_error',
      isRetryable: true,
      retryAfterMs: null,
    },
  ],
];

describe('non-2xx answers are classified once, in the adapter (DESIGN.md §5)', () => {
  for (const [name, fixture, status, expected] of CASES) {
    test(`complete: ${name}`, async () => {
      nextError = { status, body: readGeminiFixture(fixture) };
      assertError(await failureOf(() => adapter().complete(REQUEST, { signal })), expected);
    });
    test(`stream: ${name}`, async () => {
      nextError = { status, body: readGeminiFixture(fixture) };
      assertError(await failureOf(() => collectParts(adapter().stream(REQUEST, { signal }))), expected);
    });
  }

  test('a 429 without retryDelay falls back to the Retry-After header', async () => {
    nextError = {
      status: 429,
      body: '{"error":{"code":429,"message":"Resource exhausted.","status":"RESOURCE_EXHAUSTED"}}',
      headers: { 'retry-after': '3' },
    };
    const error = await failureOf(() => adapter().complete(REQUEST, { signal }));
    assert.equal(error.retryAfterMs, 3000);
  });

  test('a 500 with an HTML body is still a retryable server error', async () => {
    nextError = { status: 500, body: '<html><body>Internal error</body></html>' };
    const error = await failureOf(() => adapter().complete(REQUEST, { signal }));
    assert.equal(error.upstreamReason, 'server_error');
    assert.equal(error.isRetryable, true);
  });

  test('a 200 body that is not JSON, or holds no candidates, is an invalid response', async () => {
    nextError = { status: 200, body: 'not json' };
    const notJson = await failureOf(() => adapter().complete(REQUEST, { signal }));
    assert.equal(notJson.upstreamReason, 'invalid_response');
    nextError = { status: 200, body: '{"usageMetadata":{"promptTokenCount":3}}' };
    const empty = await failureOf(() => adapter().complete(REQUEST, { signal }));
    assert.equal(empty.upstreamReason, 'invalid_response');
  });
});

test('an unreachable upstream is a retryable connection error', async () => {
  const route = createGeminiRoute('http://127.0.0.1:1/v1');
  const error = await failureOf(() =>
    createGeminiAdapter(route, testDependencies.dependencies).complete(REQUEST, { signal }),
  );
  assert.equal(error.upstreamReason, 'connection_error');
  assert.equal(error.isRetryable, true);
});

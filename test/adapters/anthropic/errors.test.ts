import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAnthropicAdapter } from '../../../src/adapters/anthropic/index.js';
import {
  anthropicLimitResetMs,
  exhaustedQuotaResetMs,
} from '../../../src/adapters/anthropic/rate-limit-headers.js';
import { GatewayError } from '../../../src/errors/index.js';
import type { ChatRequest } from '../../../src/spec/index.js';
import {
  createTestDependencies,
  sendJson,
  startFakeUpstream,
  type FakeUpstream,
} from '../openai-compatible/fake-upstream.js';
import { createAnthropicRoute, readAnthropicFixture } from './anthropic-fixtures.js';

let upstream: FakeUpstream;
const testDependencies = createTestDependencies();
let nextStatus = 500;
let nextBody = '';
let nextHeaders: Record<string, string> = {};

before(async () => {
  upstream = await startFakeUpstream((_request, response) =>
    sendJson(response, nextStatus, nextBody, nextHeaders),
  );
});

after(async () => {
  await testDependencies.close();
  await upstream.close();
});

const REQUEST: ChatRequest = {
  model: 'anthropic/claude-sonnet-4.5',
  messages: [{ role: 'user', content: 'Hi' }],
};
const signal = new AbortController().signal;

async function failureOf(
  status: number,
  body: string,
  headers: Record<string, string> = {},
): Promise<GatewayError> {
  nextStatus = status;
  nextBody = body;
  nextHeaders = headers;
  const adapter = createAnthropicAdapter(
    createAnthropicRoute(upstream.baseUrl),
    testDependencies.dependencies,
  );
  try {
    await adapter.complete(REQUEST, { signal });
  } catch (error) {
    assert.ok(error instanceof GatewayError, `a GatewayError, not ${String(error)}`);
    return error;
  }
  assert.fail('the call succeeded');
}

describe('Anthropic error responses (DESIGN.md §5)', () => {
  test('400 invalid_request_error is final and quotes the upstream message', async () => {
    const error = await failureOf(400, readAnthropicFixture('error-400-invalid-request.json'));
    assert.equal(error.code, 'invalid_request');
    assert.equal(error.status, 400);
    assert.equal(error.upstreamReason, 'request_rejected');
    assert.equal(error.upstreamStatus, 400);
    assert.equal(error.isRetryable, false);
    assert.match(error.message, /text content blocks must be non-empty/);
    assert.doesNotMatch(error.message, /req_011/, 'the request id stays out of the client message');
  });

  test('401 authentication_error and 403 permission_error are auth errors', async () => {
    const unauthorized = await failureOf(401, readAnthropicFixture('error-401-authentication.json'));
    assert.equal(unauthorized.upstreamReason, 'auth_error');
    assert.equal(unauthorized.isRetryable, false);
    assert.equal(unauthorized.upstreamStatus, 401);
    const forbidden = await failureOf(
      403,
      '{"type":"error","error":{"type":"permission_error","message":"Your API key does not have permission to use the specified resource."}}',
    );
    assert.equal(forbidden.upstreamReason, 'auth_error');
  });

  test('a 400 saying the credit balance is too low is an auth error (an operator must act), not final', async () => {
    const error = await failureOf(
      400,
      '{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."}}',
    );
    assert.equal(error.upstreamReason, 'auth_error');
    assert.equal(error.code, 'provider_unavailable');
  });

  test('404 not_found_error is model_not_found', async () => {
    const error = await failureOf(404, readAnthropicFixture('error-404-not-found.json'));
    assert.equal(error.upstreamReason, 'model_not_found');
    assert.match(error.message, /claude-sonnet-4-5-20250929/);
  });

  test('413 request_too_large is final', async () => {
    const error = await failureOf(413, readAnthropicFixture('error-413-request-too-large.json'));
    assert.equal(error.code, 'payload_too_large');
    assert.equal(error.upstreamReason, 'request_rejected');
  });

  test('429 rate_limit_error with retry-after → rate_limited with the wait', async () => {
    const error = await failureOf(429, readAnthropicFixture('error-429-rate-limit.json'), {
      'retry-after': '17',
    });
    assert.equal(error.code, 'rate_limit_exceeded');
    assert.equal(error.upstreamReason, 'rate_limited');
    assert.equal(error.retryAfterMs, 17_000);
    assert.doesNotMatch(error.message, /0a1b2c3d/, 'the organisation id stays out of the client message');
  });

  test('429 without retry-after: the wait comes from the exhausted anthropic-ratelimit reset', async () => {
    const error = await failureOf(429, readAnthropicFixture('error-429-rate-limit.json'), {
      'anthropic-ratelimit-tokens-remaining': '0',
      'anthropic-ratelimit-tokens-reset': new Date(Date.now() + 20_000).toISOString(),
    });
    assert.ok(error.retryAfterMs !== null && error.retryAfterMs > 10_000 && error.retryAfterMs <= 20_000);
  });

  test('500 api_error and 529 overloaded_error are retryable server errors', async () => {
    const overloaded = await failureOf(529, readAnthropicFixture('error-529-overloaded.json'));
    assert.equal(overloaded.upstreamReason, 'server_error');
    assert.equal(overloaded.isRetryable, true);
    assert.equal(overloaded.upstreamStatus, 529);
    const internal = await failureOf(
      500,
      '{"type":"error","error":{"type":"api_error","message":"Internal server error"}}',
    );
    assert.equal(internal.upstreamReason, 'server_error');
    assert.equal(internal.isRetryable, true);
  });

  test('an HTML error page is classified by its status alone', async () => {
    const error = await failureOf(413, '<html><body>413 Request Entity Too Large</body></html>');
    assert.equal(error.code, 'payload_too_large');
    assert.doesNotMatch(error.message, /html/);
  });

  test('a refused connection is a retryable connection_error', async () => {
    const adapter = createAnthropicAdapter(
      createAnthropicRoute('http://127.0.0.1:9/v1'),
      testDependencies.dependencies,
    );
    await assert.rejects(adapter.complete(REQUEST, { signal }), {
      upstreamReason: 'connection_error',
      isRetryable: true,
    });
  });
});

describe('anthropic-ratelimit headers', () => {
  const nowMs = Date.parse('2025-06-01T12:00:00Z');

  test('the longest reset among the exhausted limits; a minute when the reset is missing', () => {
    assert.equal(
      anthropicLimitResetMs(
        {
          'anthropic-ratelimit-requests-remaining': '0',
          'anthropic-ratelimit-requests-reset': '2025-06-01T12:00:05Z',
          'anthropic-ratelimit-output-tokens-remaining': '0',
          'anthropic-ratelimit-output-tokens-reset': '2025-06-01T12:00:30Z',
          'anthropic-ratelimit-input-tokens-remaining': '1000',
          'anthropic-ratelimit-input-tokens-reset': '2025-06-01T12:05:00Z',
        },
        nowMs,
      ),
      30_000,
    );
    assert.equal(anthropicLimitResetMs({ 'anthropic-ratelimit-tokens-remaining': '0' }, nowMs), 60_000);
    assert.equal(
      anthropicLimitResetMs(
        {
          'anthropic-ratelimit-tokens-remaining': '0',
          'anthropic-ratelimit-tokens-reset': '2025-06-01T11:59:00Z',
        },
        nowMs,
      ),
      0,
    );
    assert.equal(anthropicLimitResetMs({ 'anthropic-ratelimit-requests-remaining': '3' }, nowMs), null);
  });

  test('exhaustedQuotaResetMs also reads the generic x-ratelimit headers of proxies', () => {
    assert.equal(
      exhaustedQuotaResetMs(
        { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '7.5s' },
        nowMs,
      ),
      7500,
    );
    assert.equal(exhaustedQuotaResetMs({}, nowMs), null);
  });
});

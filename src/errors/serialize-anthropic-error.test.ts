import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ERROR_STATUS, type ErrorCode } from './error-code.js';
import { GatewayError } from './gateway-error.js';
import { serializeAnthropicError } from './serialize-anthropic-error.js';

describe('serializeAnthropicError', () => {
  test("each status gets Anthropic's type for it", () => {
    const expected: Partial<Record<ErrorCode, string>> = {
      invalid_request: 'invalid_request_error',
      authentication: 'authentication_error',
      payment_required: 'billing_error',
      permission_denied: 'permission_error',
      not_found: 'not_found_error',
      payload_too_large: 'request_too_large',
      rate_limit_exceeded: 'rate_limit_error',
      gateway_overloaded: 'rate_limit_error',
      server: 'api_error',
      provider_unavailable: 'api_error',
      no_route_available: 'overloaded_error',
      timeout: 'timeout_error',
    };
    for (const [code, type] of Object.entries(expected)) {
      const error = new GatewayError(code as ErrorCode, `failed: ${code}`, { param: 'model' });
      assert.deepEqual(serializeAnthropicError(error, 'gen-1'), {
        type: 'error',
        error: { type, message: `failed: ${code}` },
        request_id: 'gen-1',
      });
    }
    for (const code of Object.keys(ERROR_STATUS) as ErrorCode[]) {
      assert.match(
        serializeAnthropicError(new GatewayError(code, 'x')).error.type,
        /_error$|^request_too_large$/,
      );
    }
  });
});

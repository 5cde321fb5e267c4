import { GatewayError, toGatewayError } from '../errors/index.js';

interface FrameworkError {
  readonly code?: unknown;
  readonly statusCode?: unknown;
  readonly message?: unknown;
}

/**
 * Fastify's own errors (body parsing, limits, content type) in the gateway's terms, with messages that say
 * what to fix. Anything unrecognised becomes a generic 500 (its details go to the log only).
 */
export function mapFrameworkError(error: unknown, bodyLimitBytes: number): GatewayError {
  if (error instanceof GatewayError) return error;
  const framework = (error ?? {}) as FrameworkError;
  switch (framework.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError(
        'payload_too_large',
        `The request body is larger than the ${bodyLimitBytes}-byte limit; send less, or raise MAX_REQUEST_BODY_BYTES.`,
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new GatewayError('invalid_request', 'The request body is empty; send a JSON object.', {
        param: 'body',
      });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new GatewayError('invalid_request', 'The Content-Length header does not match the body.', {
        param: 'body',
      });
    default:
      break;
  }
  if (error instanceof SyntaxError || framework.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    const detail = typeof framework.message === 'string' ? framework.message : 'invalid JSON';
    return new GatewayError('invalid_request', `Malformed JSON body (${detail}); send a valid JSON object.`, {
      param: 'body',
    });
  }
  if (framework.statusCode === 400 && typeof framework.message === 'string') {
    return new GatewayError('invalid_request', framework.message, { param: 'body' });
  }
  return toGatewayError(error);
}

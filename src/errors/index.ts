export { ERROR_STATUS, statusOf, type ErrorCode } from './error-code.js';
export {
  GatewayError,
  isGatewayError,
  toGatewayError,
  type GatewayErrorOptions,
  type UpstreamFailureReason,
} from './gateway-error.js';
export { serializeError, errorHeaders, type ErrorBody } from './serialize-error.js';

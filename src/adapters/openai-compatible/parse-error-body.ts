import { isRecord, stringOrNull } from './is-record.js';

/** What an upstream error body says, whatever its shape. Every field is null when the body did not say. */
export interface UpstreamErrorDetails {
  /** Human-readable message (untruncated). */
  readonly message: string | null;
  /** The request field at fault. */
  readonly param: string | null;
  /** A string code or type such as `model_not_found`, `invalid_request_error`. */
  readonly code: string | null;
  /** A numeric HTTP-like status carried in the body (`"code": 429` in OpenRouter and vLLM bodies). */
  readonly status: number | null;
}

const THREE_DIGITS_PATTERN = /^\d{3}$/;
const NO_DETAILS: UpstreamErrorDetails = { message: null, param: null, code: null, status: null };

/**
 * Reads an error response body. Understands the OpenAI shape `{"error":{message,type,param,code}}` (also
 * OpenRouter's with a numeric code), the vLLM/Mistral shape `{"object":"error",message,type,param,code}`
 * (Mistral's `message` may itself be a validation object), `{"error":"..."}`, FastAPI's `{"detail":...}`,
 * and plain text (first line; HTML pages are not quoted).
 */
export function parseErrorBody(text: string): UpstreamErrorDetails {
  const trimmed = text.trim();
  if (trimmed === '') return NO_DETAILS;
  if (trimmed.startsWith('{')) {
    try {
      return readErrorDetails(JSON.parse(trimmed));
    } catch {
      // Not JSON after all: fall through to plain text.
    }
  }
  if (trimmed.startsWith('<')) return NO_DETAILS;
  const firstLine = trimmed.split('\n', 1)[0] ?? '';
  return { ...NO_DETAILS, message: firstLine.trim() };
}

/** Error details from a parsed body or from a stream's error event. */
export function readErrorDetails(value: unknown): UpstreamErrorDetails {
  if (!isRecord(value)) return NO_DETAILS;
  if (isRecord(value.error)) return readErrorObject(value.error);
  if (typeof value.error === 'string') return { ...NO_DETAILS, message: value.error };
  if ('message' in value || value.object === 'error') return readErrorObject(value);
  if ('detail' in value) return readValidationDetail(value.detail);
  return NO_DETAILS;
}

function readErrorObject(error: Record<string, unknown>): UpstreamErrorDetails {
  const messageDetails = readMessage(error.message);
  const code = error.code;
  const status = readStatus(code) ?? readStatus(error.status);
  return {
    message: messageDetails.message,
    param: stringOrNull(error.param) ?? messageDetails.param,
    code: typeof code === 'string' && status === null ? code : stringOrNull(error.type),
    status,
  };
}

function readMessage(message: unknown): { message: string | null; param: string | null } {
  if (typeof message === 'string') return { message, param: null };
  if (message === undefined || message === null) return { message: null, param: null };
  if (isRecord(message) && 'detail' in message) return readValidationDetail(message.detail);
  return { message: JSON.stringify(message), param: null };
}

/** FastAPI/pydantic validation errors: `detail` is a string or `[{loc: ['body', 'field'], msg}]`. */
function readValidationDetail(detail: unknown): UpstreamErrorDetails {
  if (typeof detail === 'string') return { ...NO_DETAILS, message: detail };
  const first: unknown = Array.isArray(detail) ? detail[0] : detail;
  if (!isRecord(first)) return NO_DETAILS;
  const location = Array.isArray(first.loc) ? first.loc.filter((part) => part !== 'body') : [];
  return {
    ...NO_DETAILS,
    message: stringOrNull(first.msg),
    param: location.length > 0 ? location.join('.') : null,
    code: stringOrNull(first.type),
  };
}

function readStatus(value: unknown): number | null {
  const status = typeof value === 'string' && THREE_DIGITS_PATTERN.test(value) ? Number(value) : value;
  return typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599
    ? status
    : null;
}

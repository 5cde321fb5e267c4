import type { ServerResponse } from 'node:http';

/** Sends a complete JSON response with an explicit length, so keep-alive connections stay reusable. */
export function sendJson(
  response: ServerResponse,
  status: number,
  bodyText: string,
  extraHeaders?: Record<string, string>,
): void {
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(bodyText),
    ...extraHeaders,
  });
  response.end(bodyText);
}

/** vLLM's own error type names by status (its `ErrorResponse.type`). */
function vllmErrorType(status: number): string {
  if (status === 404) return 'NotFoundError';
  if (status >= 500) return 'InternalServerError';
  return 'BadRequestError';
}

/** vLLM's error shape: `{"object":"error","message","type","param","code"}`. */
export function sendVllmError(
  response: ServerResponse,
  status: number,
  message: string,
  param: string | null = null,
): void {
  const body = { object: 'error', message, type: vllmErrorType(status), param, code: status };
  sendJson(response, status, JSON.stringify(body));
}

/** OpenAI-style `{"error":{message,type,param,code}}`, used for injected faults (hosted-API look). */
export function sendOpenAiError(
  response: ServerResponse,
  status: number,
  message: string,
  extraHeaders?: Record<string, string>,
): void {
  const type =
    status === 429
      ? 'rate_limit_error'
      : status === 503
        ? 'service_unavailable'
        : status >= 500
          ? 'server_error'
          : 'invalid_request_error';
  sendJson(
    response,
    status,
    JSON.stringify({ error: { message, type, param: null, code: status } }),
    extraHeaders,
  );
}

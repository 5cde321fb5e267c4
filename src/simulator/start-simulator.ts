import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleChatCompletion } from './handle-chat-completion.js';
import { handleControlRequest } from './handle-control-request.js';
import { sendJson } from './send-json.js';
import {
  createSimulatorContext,
  kvCacheUsage,
  snapshotStats,
  type SimulatorContext,
  type SimulatorStats,
} from './simulator-context.js';
import { resolveSimulatorOptions, type SimulatorOptions } from './simulator-options.js';

/** A running simulator. */
export interface Simulator {
  /** Base URL for OpenAI clients, `http://127.0.0.1:PORT/v1`. */
  readonly url: string;
  readonly port: number;
  /** Stops listening, cancels pending timers and closes every connection (hanging ones included). */
  close(): Promise<void>;
  /** Counters, queue gauges and the last chat request, same as `GET /control/stats`. */
  stats(): SimulatorStats;
}

/** Where to listen: `port` 0 (default) picks a free port, `host` defaults to 127.0.0.1. */
export interface ListenOptions {
  port?: number;
  host?: string;
}

const metricsContentType = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Starts a vLLM-like OpenAI-compatible server on plain `node:http` (it doubles as the "direct upstream"
 * baseline in benchmarks, so the hot path avoids frameworks and needless allocations).
 *
 * Endpoints (vLLM wire formats): `GET /health` (200 with an empty body; the `healthStatus` option or
 * `POST /control/health` changes the status), `GET /version` (`{"version":"sim"}`),
 * `GET /v1/models`, `POST /v1/chat/completions` (JSON or SSE), `GET /metrics` (Prometheus text with
 * vLLM's names). With `apiKey`, `/v1/*` needs `Authorization: Bearer <apiKey>`, else 401
 * `{"error":"Unauthorized"}`. Errors use vLLM's `{"object":"error","message","type","param","code"}`.
 *
 * Per-request knobs (non-standard body field, optional): `"sim": {"tokens": 5, "ttft_ms": 50,
 * "tokens_per_second": 100}` override `responseTokens`, `ttftMs` and `tokensPerSecond` for that request.
 * vLLM's `ignore_eos: true` makes the answer exactly `max_tokens` long.
 *
 * Control API for tests and fault injection (no auth, not counted in stats):
 * - `POST /control/faults` with one fault object or an array; faults queue up and each chat request
 *   consumes one use of the first: `{"status":503,"count":2}` answers 503 with an OpenAI-style
 *   `{"error":{message,type,param,code}}` body; `{"status":429,"retry_after_s":7,"count":1}` adds
 *   `Retry-After: 7`; `{"delay_ms":500,"count":3}` delays before headers (combinable with the others);
 *   `{"drop_after_chunks":3,"count":1}` ends the connection after 3 SSE events (non-stream: instead of
 *   the answer); `{"hang":true,"count":1}` never answers; `{"invalid_json":true,"count":1}` answers 200
 *   with a truncated body (or `data:` event). Optional `message` sets the error text. Without `count` a
 *   fault applies until cleared. Answers `{"faults":[...]}` (400 `{"error"}` for a malformed fault).
 * - `GET /control/faults` lists pending faults; `DELETE /control/faults` clears them.
 * - `POST /control/health` `{"status":503}` makes `GET /health` answer 503 (empty body) until
 *   `{"status":200}` or a reset; `{"status":503,"also_chat":true}` makes chat requests answer 503 too (a
 *   dead worker). Answers the state as `{"status","also_chat"}`; `GET /control/health` shows it.
 * - `GET /control/stats` → {@link SimulatorStats} (counters, running/waiting, health status and probes
 *   answered, last chat body and headers).
 * - `POST /control/reset` zeroes stats and metrics, restarts the `errorRate` PRNG and restores the
 *   health status to `healthStatus` (faults stay).
 */
export async function startSimulator(
  options: Partial<SimulatorOptions> & ListenOptions = {},
): Promise<Simulator> {
  const { port = 0, host = '127.0.0.1', ...simulatorOptions } = options;
  const context = createSimulatorContext(resolveSimulatorOptions(simulatorOptions));
  const createdSeconds = Math.floor(Date.now() / 1000);
  const modelsBody = JSON.stringify({
    object: 'list',
    data: context.options.models.map((id) => ({
      id,
      object: 'model',
      created: createdSeconds,
      owned_by: 'vllm',
      root: id,
      parent: null,
      max_model_len: 8192,
    })),
  });
  const expectedAuthorization =
    context.options.apiKey === undefined ? undefined : `Bearer ${context.options.apiKey}`;

  const routes = createRoutes(context, modelsBody);
  const server = createServer((request, response) => {
    route(context, routes, request, response, expectedAuthorization).catch(() => {
      if (!response.headersSent) sendJson(response, 500, JSON.stringify({ detail: 'Internal Server Error' }));
      else response.destroy();
    });
  });
  // Longer than typical client pools' idle timeouts, so the server is never the side that races a reuse.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${urlHost}:${address.port}/v1`,
    port: address.port,
    stats: () => snapshotStats(context),
    close: () =>
      new Promise<void>((resolve) => {
        for (const cancel of [...context.pendingCancels]) cancel();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

type RouteHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

/** The method and handler of every served path (built once; the hot path is one Map lookup). */
function createRoutes(
  context: SimulatorContext,
  modelsBody: string,
): Map<string, { method: string; handle: RouteHandler }> {
  return new Map<string, { method: string; handle: RouteHandler }>([
    [
      '/v1/chat/completions',
      { method: 'POST', handle: (request, response) => handleChatCompletion(context, request, response) },
    ],
    ['/v1/models', { method: 'GET', handle: (_request, response) => sendJson(response, 200, modelsBody) }],
    [
      '/health',
      {
        method: 'GET',
        handle: (_request, response) => {
          context.counters.healthChecks += 1;
          response.writeHead(context.health.status, { 'Content-Length': 0 });
          response.end();
        },
      },
    ],
    [
      '/version',
      { method: 'GET', handle: (_request, response) => sendJson(response, 200, '{"version":"sim"}') },
    ],
    ['/metrics', { method: 'GET', handle: (_request, response) => sendMetrics(context, response) }],
  ]);
}

function sendMetrics(context: SimulatorContext, response: ServerResponse): void {
  const { running, waiting } = context.queue;
  const text = context.metrics.render({ running, waiting, kvCacheUsage: kvCacheUsage(context) });
  response.writeHead(200, { 'Content-Type': metricsContentType, 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

async function route(
  context: SimulatorContext,
  routes: Map<string, { method: string; handle: RouteHandler }>,
  request: IncomingMessage,
  response: ServerResponse,
  expectedAuthorization: string | undefined,
): Promise<void> {
  const method = request.method ?? 'GET';
  const rawUrl = request.url ?? '/';
  const queryStart = rawUrl.indexOf('?');
  const path = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
  if (path.startsWith('/control/')) return handleControlRequest(context, method, path, request, response);
  context.counters.totalRequests += 1;
  // vLLM only guards /v1 paths; /health and /metrics stay open for probes and scrapers.
  if (
    expectedAuthorization !== undefined &&
    path.startsWith('/v1') &&
    request.headers.authorization !== expectedAuthorization
  ) {
    request.resume();
    return sendJson(response, 401, '{"error":"Unauthorized"}');
  }
  const target = routes.get(path);
  if (target === undefined) return sendJson(response, 404, '{"detail":"Not Found"}');
  if (method !== target.method) return sendJson(response, 405, '{"detail":"Method Not Allowed"}');
  return target.handle(request, response);
}

import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import type { AdapterDependencies, AdapterTimeouts } from '../../../src/adapters/adapter.js';
import type { AdapterKind, RouteTarget, StreamPart } from '../../../src/spec/index.js';

const FIXTURES = new URL('../../../src/adapters/openai-compatible/fixtures/', import.meta.url);

/** A recorded wire-format file from `src/adapters/openai-compatible/fixtures/`. */
export function readFixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

/** What the fake upstream received. */
export interface CapturedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The client's port: equal across requests when the connection was reused. */
  readonly remotePort: number | undefined;
  /** Resolves when the response closes; `finished` is false when the client went away first. */
  readonly closed: Promise<{ readonly finished: boolean }>;
}

export type UpstreamHandler = (request: CapturedRequest, response: ServerResponse) => void | Promise<void>;

export interface FakeUpstream {
  /** e.g. `http://127.0.0.1:39123/v1` */
  readonly baseUrl: string;
  readonly requests: CapturedRequest[];
  /** The parsed JSON body of the last request. */
  lastBody(): Record<string, unknown>;
  close(): Promise<void>;
}

/** A local HTTP server on port 0 standing in for an OpenAI-compatible upstream. */
export async function startFakeUpstream(handler: UpstreamHandler): Promise<FakeUpstream> {
  const requests: CapturedRequest[] = [];
  const server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      const closed = new Promise<{ finished: boolean }>((resolve) => {
        response.on('close', () => resolve({ finished: response.writableFinished }));
      });
      const captured: CapturedRequest = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(parts).toString('utf8'),
        remotePort: request.socket.remotePort,
        closed,
      };
      requests.push(captured);
      void Promise.resolve(handler(captured, response)).catch((error: unknown) => {
        response.destroy(error instanceof Error ? error : new Error(String(error)));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    lastBody() {
      const last = requests.at(-1);
      if (last === undefined) throw new Error('the fake upstream received no request');
      return JSON.parse(last.body) as Record<string, unknown>;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers with a JSON body. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(body);
}

/** Answers with an SSE body; `end: false` leaves the response open (for drops and silences). */
export function sendSse(
  response: ServerResponse,
  body: string,
  options: { readonly end?: boolean } = {},
): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  response.write(body);
  if (options.end ?? true) response.end();
}

export const TEST_TIMEOUTS: AdapterTimeouts = { connectMs: 1000, ttftMs: 2000, idleMs: 2000 };

/** Adapter dependencies backed by one real undici Pool per origin, as the app wires them. */
export function createTestDependencies(
  timeouts: AdapterTimeouts = TEST_TIMEOUTS,
  connectionsPerOrigin = 4,
): {
  readonly dependencies: AdapterDependencies;
  readonly close: () => Promise<void>;
} {
  const pools = new Map<string, Pool>();
  return {
    dependencies: {
      timeouts,
      dispatcherFor(origin) {
        let pool = pools.get(origin);
        if (pool === undefined) {
          pool = new Pool(origin, { connections: connectionsPerOrigin, connectTimeout: timeouts.connectMs });
          pools.set(origin, pool);
        }
        return pool;
      },
    },
    close: async () => {
      await Promise.all([...pools.values()].map((pool) => pool.destroy()));
    },
  };
}

/** A route for tests; every parameter of the universe is supported unless `supportedParameters` says otherwise. */
export function createTestRoute(
  baseUrl: string,
  overrides: Partial<RouteTarget> & { kind?: AdapterKind } = {},
): RouteTarget {
  return {
    id: 'test-provider/test-model',
    modelId: 'test-model',
    kind: 'vllm',
    provider: 'test-provider',
    providerName: 'TestProvider',
    baseUrl,
    apiKey: 'sk-test-secret',
    providerModelId: 'upstream/test-model',
    weight: 1,
    rank: 1,
    pricing: { prompt: '0', completion: '0' },
    isLocal: true,
    limits: { route: {}, model: {}, provider: {} },
    supportedParameters: new Set([
      'temperature',
      'top_p',
      'top_k',
      'min_p',
      'top_a',
      'max_tokens',
      'max_completion_tokens',
      'stop',
      'seed',
      'frequency_penalty',
      'presence_penalty',
      'repetition_penalty',
      'logit_bias',
      'logprobs',
      'top_logprobs',
      'tools',
      'tool_choice',
      'parallel_tool_calls',
      'response_format',
      'reasoning',
      'n',
    ]),
    contextLength: 8192,
    maxOutputTokens: 1024,
    headers: {},
    ...overrides,
  };
}

/** Drains a stream into an array. */
export async function collectParts(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

/** Concatenated `delta.content` of the parts. */
export function contentOf(parts: readonly StreamPart[]): string {
  return parts
    .map((part) =>
      part.kind === 'delta' && typeof part.delta.content === 'string' ? part.delta.content : '',
    )
    .join('');
}

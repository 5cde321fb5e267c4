import type { Simulator } from '../../src/simulator/index.js';

/** The admin key of every auth test gateway. */
export const ADMIN_KEY = 'admin-key-for-auth-tests-0123456789';

/** One priced model on the simulator (1e-6 USD per prompt token, 2e-6 per completion token) and a second one. */
export function pricedModels(simulator: Simulator, options: { maxOutput?: number } = {}): string {
  return `models:
  - id: sim/priced
    aliases: [priced]
    max_output_length: ${options.maxOutput ?? 1000}
    pricing: { prompt: "0.000001", completion: "0.000002" }
    route:
      - kind: vllm
        base_url: ${simulator.url}
        provider_model_id: sim-model
  - id: other/model
    pricing: { prompt: "0.000001", completion: "0.000002" }
    route:
      - kind: vllm
        base_url: ${simulator.url}
        provider_model_id: sim-model
`;
}

export interface JsonReply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: {
    data?: Record<string, unknown>;
    key?: string;
    error?: { code: number; type: string; message: string; metadata?: Record<string, unknown> };
    usage?: { prompt_tokens: number; completion_tokens: number; cost?: number };
    [field: string]: unknown;
  };
}

/** A JSON request; `key` goes in `Authorization: Bearer` unless null. */
export async function call(
  origin: string,
  path: string,
  options: {
    method?: string;
    key?: string | null;
    body?: unknown;
    headers?: Record<string, string>;
  } = {},
): Promise<JsonReply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined && options.key !== null) headers.authorization = `Bearer ${options.key}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${origin}${path}`, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  let json: JsonReply['json'] = {};
  try {
    json = JSON.parse(text) as JsonReply['json'];
  } catch {
    // Not JSON (an SSE stream): the text is enough.
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Creates a key through the admin API; returns its id and the key (shown once). */
export async function createKey(
  origin: string,
  body: Record<string, unknown>,
  adminKey: string | null = ADMIN_KEY,
): Promise<{ id: string; key: string }> {
  const reply = await call(origin, '/admin/keys', { key: adminKey, body });
  if (reply.status !== 201) throw new Error(`key creation failed: ${reply.status} ${reply.text}`);
  return { id: String(reply.json.data?.id), key: String(reply.json.key) };
}

/** A small chat request body for `model`. */
export function chatBody(model: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model, messages: [{ role: 'user', content: 'hello there' }], ...extra };
}

/** An OpenAI-compatible upstream that can hold its answers until released (a barrier for concurrency tests). */
export interface HeldUpstream {
  readonly url: string;
  /** Chat requests waiting for `release`. */
  readonly waiting: number;
  /** Holds every chat request from now on. */
  hold(): void;
  /** Answers the waiting requests and stops holding. */
  release(): void;
  close(): Promise<void>;
}

/** Every answer: 5 completion tokens, usage 6 + 5 (the simulator's count for "hello there"). */
export async function startHeldUpstream(): Promise<HeldUpstream> {
  const { createServer } = await import('node:http');
  let holding = false;
  let waiting: (() => void)[] = [];
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (request.method !== 'POST') {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[]}');
        return;
      }
      const answer = () =>
        response.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            id: 'cmpl-held',
            object: 'chat.completion',
            created: 1,
            model: 'sim-model',
            choices: [
              { index: 0, message: { role: 'assistant', content: 'a b c d e' }, finish_reason: 'stop' },
            ],
            usage: { prompt_tokens: 6, completion_tokens: 5, total_tokens: 11 },
          }),
        );
      if (holding) waiting.push(answer);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    get waiting() {
      return waiting.length;
    },
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      const answers = waiting;
      waiting = [];
      for (const answer of answers) answer();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Sends `count` requests at once while `upstream` holds its answers, and releases them only when every
 * request was either refused or reached the upstream: every reservation is decided while all the admitted
 * ones still hold their worst case.
 */
export async function burst(
  upstream: HeldUpstream,
  count: number,
  send: (index: number) => Promise<JsonReply>,
): Promise<JsonReply[]> {
  upstream.hold();
  let answeredEarly = 0;
  const replies = Array.from({ length: count }, (_, index) =>
    send(index).then((reply) => {
      answeredEarly += 1;
      return reply;
    }),
  );
  const deadline = Date.now() + 10_000;
  while (upstream.waiting + answeredEarly < count) {
    if (Date.now() > deadline) throw new Error('the burst did not settle');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  upstream.release();
  return Promise.all(replies);
}

/** The held upstream as a model (same prices as `pricedModels`). */
export function heldModel(upstream: HeldUpstream): string {
  return `  - id: held
    pricing: { prompt: "0.000001", completion: "0.000002" }
    route:
      - { kind: openai_compat, base_url: "${upstream.url}", provider_model_id: sim-model }
`;
}

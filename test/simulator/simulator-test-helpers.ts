import type { Simulator } from '../../src/simulator/index.js';

/** A small chat body for the default `sim-model`. */
export function chatBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'sim-model', messages: [{ role: 'user', content: 'Tell me something nice' }], ...extra };
}

/** POSTs `body` to `/v1/chat/completions`. */
export function postChat(
  simulator: Simulator,
  body: unknown,
  init: { headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Response> {
  return fetch(`${simulator.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: init.signal,
  });
}

/** The `data:` payloads of an SSE body, in order (`[DONE]` kept as the string). */
export function parseSseData(text: string): string[] {
  return text
    .split('\n\n')
    .filter((event) => event.startsWith('data: '))
    .map((event) => event.slice('data: '.length));
}

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: string;
  function: { name?: string; arguments: string };
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: null;
}

/** The fields of a `chat.completion.chunk` the tests read. */
export interface StreamChunk {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: {
    index: number;
    delta: { role?: string; content?: string; tool_calls?: ToolCallDelta[] };
    logprobs: null;
    finish_reason: string | null;
    stop_reason?: string | null;
  }[];
  usage?: Usage;
}

/** The fields of a non-stream `chat.completion` the tests read. */
export interface CompletionBody {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: {
    index: number;
    message: {
      role: string;
      content: string | null;
      tool_calls: { id: string; type: string; function: { name: string; arguments: string } }[];
      reasoning_content: null;
    };
    logprobs: null;
    finish_reason: string;
    stop_reason: string | null;
  }[];
  usage: Usage;
}

/** Parsed JSON chunks of an SSE body, without the `[DONE]` terminator. */
export function parseSseChunks(text: string): StreamChunk[] {
  return parseSseData(text)
    .filter((data) => data !== '[DONE]')
    .map((data) => JSON.parse(data) as StreamChunk);
}

/** Reads a non-stream completion body. */
export async function readCompletion(response: Response): Promise<CompletionBody> {
  return (await response.json()) as CompletionBody;
}

/** The server root (without `/v1`). */
export function rootUrl(simulator: Simulator): string {
  return simulator.url.slice(0, -'/v1'.length);
}

/** Polls `condition` every 5 ms until it holds, failing after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('waitFor: condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChunkReader } from '../../../src/adapters/dispatch-request.js';
import { createInterruptedError, type ErrorContext } from '../../../src/adapters/openai-compatible/error.js';
import {
  convertChunk,
  convertStream,
  type ConvertedChunk,
} from '../../../src/adapters/openai-compatible/convert-stream.js';
import { readPlainContent } from '../../../src/adapters/openai-compatible/fast-chunk.js';
import { SseParser } from '../../../src/adapters/sse-parser.js';
import { GatewayError } from '../../../src/errors/index.js';
import type { StreamPart } from '../../../src/spec/index.js';
import { createTestRoute, readFixture } from './fake-upstream.js';

const CONTEXT: ErrorContext = {
  route: createTestRoute('http://127.0.0.1:9'),
  timeouts: { connectMs: 1000, ttftMs: 1000, idleMs: 1000 },
};

/** A small deterministic PRNG (mulberry32): the same events on every run. */
function createRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const TEXTS = [
  '',
  'Hello',
  ' world',
  '.',
  ' à tous — ça va ? 🙂',
  '日本語',
  ' "quoted"',
  'back\\slash',
  'line\nbreak',
  '\ttab',
  'nul\u0000byte',
  '\u001f',
  '\u2028separator',
  '</script>',
  '{"content":"inner"}',
  '"},"logprobs":null,"finish_reason":null}]}',
  '\ud83d',
];

/** Ways upstreams write a JSON string: minimal escapes, Python's `ensure_ascii`, escaped slashes. */
const ENCODERS: ReadonlyArray<(text: string) => string> = [
  (text) => JSON.stringify(text),
  (text) =>
    JSON.stringify(text).replace(
      /[\u007f-\uffff]/g,
      (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
    ),
  (text) => JSON.stringify(text).replaceAll('/', '\\/'),
];

/** The pieces of a plain vLLM token; the arrays below vary each. */
const VLLM_HEAD =
  '{"id":"chatcmpl-3a1b","object":"chat.completion.chunk","created":1767225602,"model":"meta-llama/Llama-3.1-8B-Instruct",';
const PLAIN_OPENING = '"choices":[{"index":0,"delta":{"content":';
const PLAIN_CHOICE_TAIL = '},"logprobs":null,"finish_reason":null}';
const PLAIN_CHUNK_TAIL = ']}';

/** The part of a chunk before `choices`, as different servers write it. */
const HEADS = [
  VLLM_HEAD,
  '{"id":"chatcmpl-9d0e","object":"chat.completion.chunk","created":1767225608,"model":"llama-3.3-70b-versatile","system_fingerprint":"fp_3f3b593e33",',
  '{"id":"chatcmpl-B1","object":"chat.completion.chunk","created":1767225600,"model":"gpt-4o-mini","service_tier":"default","system_fingerprint":null,',
  '{"id":"gen-1767225610-abc","provider":"DeepInfra","model":"deepseek/deepseek-r1","object":"chat.completion.chunk","created":1767225610,',
  '{',
  '{"id":"x","object":"error",',
  '{"object":"chat.completion","id":"x",',
  '{"id":"x","created":1.5,',
  '{"id":"x","created":-1,',
  '{"id":"x","created":"1",',
  '{"id":"x","error":null,',
  '{"id":"x","error":{"message":"boom","code":500},',
  '{"id":"x","usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4},',
  '{"id":"x","x_groq":{"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}},',
  '{"id":"x","choices":[{"index":0,"delta":{"content":"first"}}],',
  '{"id":"x\\"y",',
  '{"id":"x" ,',
  '{ "id":"x",',
  '{"id":"x","unknown":1,',
  '{"id":null,"model":"m",',
  '{"id":"x",,',
  '{"id":"x"',
  '[',
];

/** Everything of the choice after the content string. */
const CHOICE_TAILS = [
  PLAIN_CHOICE_TAIL,
  '},"finish_reason":null}',
  '},"finish_reason":null,"logprobs":null}',
  '},"finish_reason":null,"native_finish_reason":null,"logprobs":null}',
  '},"logprobs":null,"finish_reason":"stop","stop_reason":null}',
  '},"logprobs":null,"finish_reason":"length"}',
  '},"logprobs":{"content":[{"token":"a","logprob":-0.1}]},"finish_reason":null}',
  '},"logprobs":null,"finish_reason":null,"stop_reason":"x"}',
  ',"reasoning_content":null},"logprobs":null,"finish_reason":null}',
  ',"role":"assistant"},"logprobs":null,"finish_reason":null}',
  ',"tool_calls":[{"index":0,"function":{"arguments":"{"}}]},"finish_reason":null}',
  '},"logprobs":null,"finish_reason":null',
  '} ,"finish_reason":null}',
];

/** What may follow the choices array. */
const CHUNK_TAILS = [
  PLAIN_CHUNK_TAIL,
  '],"usage":null}',
  '],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}',
  '],"x_groq":{"id":"req_01"}}',
  '],"obfuscation":"Zk3"}',
  '],"error":{"message":"late","code":502}}',
  ',{"index":1,"delta":{"content":"second"},"finish_reason":null}]}',
  ']}}',
  ']}x',
  ']} ',
  ']',
];

const DELTA_OPENINGS = [
  PLAIN_OPENING,
  '"choices":[{"index":1,"delta":{"content":',
  '"choices":[{"delta":{"content":',
  '"choices":[{"index":0,"delta":{"role":"assistant","content":',
  '"choices": [{"index":0,"delta":{"content":',
];

/** Real-shaped events, mostly plain tokens, with every oddity above mixed in. */
function generateEvents(count: number): string[] {
  const random = createRandom(20_260_101);
  const pick = <T>(values: readonly T[], plainShare = 0): T =>
    random() < plainShare ? (values[0] as T) : (values[Math.floor(random() * values.length)] as T);
  const events: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const text = random() < 0.5 ? pick(TEXTS.slice(0, 6)) : pick(TEXTS);
    events.push(
      pick(HEADS.slice(0, 4), 0.3) +
        pick(DELTA_OPENINGS, 0.7) +
        pick(ENCODERS, 0.7)(text) +
        pick(CHOICE_TAILS, 0.5) +
        pick(CHUNK_TAILS, 0.6),
    );
    if (random() < 0.3) {
      // Any head, even an invalid one, on an otherwise plain token.
      events.push(pick(HEADS) + PLAIN_OPENING + JSON.stringify(text) + PLAIN_CHOICE_TAIL + PLAIN_CHUNK_TAIL);
    }
  }
  return events;
}

/** The full path's answer, or the error it throws. */
function convertFully(data: string): ConvertedChunk | GatewayError {
  try {
    return convertChunk(data, CONTEXT);
  } catch (error) {
    assert.ok(error instanceof GatewayError, `not a GatewayError for ${data}`);
    return error;
  }
}

/** What the full path must give for an event the fast path read as `content`. */
function expectedFor(content: string): ConvertedChunk {
  return {
    parts:
      content === ''
        ? []
        : [{ kind: 'delta', index: 0, delta: { content }, finishReason: null, nativeFinishReason: null }],
    usage: null,
  };
}

test('the fast path reads exactly what the full parse reads, on thousands of real-shaped events', () => {
  const events = generateEvents(20_000);
  let taken = 0;
  for (const data of events) {
    const content = readPlainContent(data);
    if (content === undefined) continue;
    taken += 1;
    const full = convertFully(data);
    assert.ok(!(full instanceof GatewayError), `fast path took an event the full parse rejects: ${data}`);
    // Serialised, so that field order (which reaches the client's bytes) counts too.
    assert.equal(JSON.stringify(full), JSON.stringify(expectedFor(content)), data);
  }
  // Neither path is vacuous: most plain tokens go fast, and most of the rest do not.
  assert.ok(taken > events.length / 5, `only ${taken} of ${events.length} events took the fast path`);
  assert.ok(taken < events.length * 0.8, `${taken} of ${events.length} events took the fast path`);
});

test('every plain token of every fixture stream goes the fast path; all else the full parse', () => {
  const fixtures = [
    'vllm-stream.sse',
    'vllm-stream-tool-calls.sse',
    'groq-stream.sse',
    'deepseek-reasoner-stream.sse',
    'openrouter-stream.sse',
    'openrouter-stream-error.sse',
    'error-vllm-stream-event.sse',
  ];
  let taken = 0;
  for (const name of fixtures) {
    const parser = new SseParser();
    const events = [...parser.push(Buffer.from(readFixture(name))), ...parser.end()];
    for (const { data } of events) {
      if (data === '[DONE]') continue;
      const content = readPlainContent(data);
      if (content === undefined) continue;
      taken += 1;
      assert.equal(JSON.stringify(convertFully(data)), JSON.stringify(expectedFor(content)), data);
    }
  }
  assert.ok(taken >= 3, `only ${taken} fixture events took the fast path`);
});

test('the fast path reads a vLLM token and declines anything unusual', () => {
  const head =
    '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1767225602,"model":"m","choices":[{"index":0,';
  assert.equal(
    readPlainContent(`${head}"delta":{"content":" à — 🙂"},"logprobs":null,"finish_reason":null}]}`),
    ' à — 🙂',
  );
  assert.equal(readPlainContent(`${head}"delta":{"content":""},"finish_reason":null}]}`), '');
  const declined = [
    `${head}"delta":{"content":"a\\nb"},"logprobs":null,"finish_reason":null}]}`,
    `${head}"delta":{"content":"a"},"logprobs":null,"finish_reason":"stop"}]}`,
    `${head}"delta":{"reasoning_content":"a"},"logprobs":null,"finish_reason":null}]}`,
    `${head}"delta":{"content":"a"},"logprobs":null,"finish_reason":null}],"usage":{"prompt_tokens":1}}`,
    `${head}"delta":{"content":"a"},"logprobs":null,"finish_reason":null}]`,
    '{"object":"error","message":"boom","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}',
    '{"error":{"message":"boom"},"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}',
    'not json',
    '',
  ];
  for (const data of declined) assert.equal(readPlainContent(data), undefined, data);
});

/** A body that hands out the given batches, then ends. */
function createBody(batches: readonly Buffer[][]): ChunkReader & { destroyed: boolean } {
  let position = 0;
  return {
    destroyed: false,
    next: () => Promise.resolve(position < batches.length ? (batches[position++] as Buffer[]) : null),
    discardRest() {},
    destroy() {
      this.destroyed = true;
    },
  };
}

function describe(error: GatewayError): string {
  return `${error.code}: ${error.message}`;
}

/** Every part (or the error) convertStream yields for the events, delivered in the given batches. */
async function streamParts(batches: readonly Buffer[][]): Promise<Array<StreamPart | string>> {
  const results: Array<StreamPart | string> = [];
  try {
    const body = createBody(batches);
    for await (const part of convertStream(
      () => Promise.resolve({ kind: 'stream', body }),
      CONTEXT,
      new AbortController().signal,
    )) {
      results.push(part);
    }
  } catch (error) {
    results.push(error instanceof GatewayError ? describe(error) : String(error));
  }
  return results;
}

test('streams of mixed events give the same parts however the body is split', async () => {
  const random = createRandom(7);
  const events = generateEvents(400);
  for (let round = 0; round < 200; round += 1) {
    const start = Math.floor(random() * events.length);
    const chosen = events.slice(start, start + 1 + Math.floor(random() * 12));
    const text =
      chosen.map((data) => `data: ${data}\n\n`).join('') + (random() < 0.7 ? 'data: [DONE]\n\n' : '');
    const whole = await streamParts([[Buffer.from(text)]]);
    // The same bytes in random pieces and random batches of pieces.
    const bytes = Buffer.from(text);
    const batches: Buffer[][] = [];
    for (let offset = 0; offset < bytes.length;) {
      const batch: Buffer[] = [];
      const pieces = 1 + Math.floor(random() * 3);
      for (let piece = 0; piece < pieces && offset < bytes.length; piece += 1) {
        const size = 1 + Math.floor(random() * 200);
        batch.push(bytes.subarray(offset, offset + size));
        offset += size;
      }
      batches.push(batch);
    }
    assert.deepEqual(await streamParts(batches), whole, text);
    // The reference: each event through the full path alone, then the end-of-stream checks.
    const expected: Array<StreamPart | string> = [];
    let usage: ConvertedChunk['usage'] = null;
    let hasFinished = false;
    let failed = false;
    for (const data of chosen) {
      const full = convertFully(data);
      if (full instanceof GatewayError) {
        expected.push(describe(full));
        failed = true;
        break;
      }
      if (full.usage !== null) usage = full.usage;
      for (const part of full.parts) {
        if (part.finishReason !== null) hasFinished = true;
        expected.push(part);
      }
    }
    if (!failed) {
      if (!text.endsWith('[DONE]\n\n') && !hasFinished)
        expected.push(describe(createInterruptedError(CONTEXT)));
      else if (usage !== null) expected.push({ kind: 'usage', usage });
    }
    assert.equal(JSON.stringify(whole), JSON.stringify(expected), text);
  }
});

test('stopping iteration early destroys the body; a finished stream leaves it alone', async () => {
  const token = `data: ${VLLM_HEAD}${PLAIN_OPENING}"a"${PLAIN_CHOICE_TAIL}${PLAIN_CHUNK_TAIL}\n\n`;
  const open = (body: ChunkReader) => () => Promise.resolve({ kind: 'stream' as const, body });
  const early = createBody([[Buffer.from(token.repeat(3))], [Buffer.from(token)]]);
  const iterator = convertStream(open(early), CONTEXT, new AbortController().signal);
  assert.equal((await iterator.next()).done, false);
  assert.deepEqual(await iterator.return?.(), { done: true, value: undefined });
  assert.equal(early.destroyed, true);
  assert.deepEqual(await iterator.next(), { done: true, value: undefined });

  const finished = createBody([[Buffer.from(`${token}data: [DONE]\n\n`)]]);
  const parts: StreamPart[] = [];
  for await (const part of convertStream(open(finished), CONTEXT, new AbortController().signal))
    parts.push(part);
  assert.equal(parts.length, 1);
  assert.equal(finished.destroyed, false);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createInterruptedError, type ErrorContext } from '../../../src/adapters/openai-compatible/error.js';
import {
  convertChunk,
  convertStream,
  type ConvertedChunk,
} from '../../../src/adapters/openai-compatible/convert-stream.js';
import { readFastDelta, readFastUsage } from '../../../src/adapters/openai-compatible/fast-chunk.js';
import { SseParser } from '../../../src/adapters/sse-parser.js';
import { GatewayError } from '../../../src/errors/index.js';
import { createChunkFormatter } from '../../../src/simulator/create-chunk-formatter.js';
import type { ChatDelta, FinishReason, StreamPart } from '../../../src/spec/index.js';
import { takeReadyParts } from '../../../src/spec/index.js';
import type { ChunkReader } from '../../../src/adapters/dispatch-request.js';
import { chunkReaderOf } from '../../helpers/chunk-reader-of.js';
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

/** The fast path's answer in the full path's terms; undefined when it declines the event. */
function convertFast(data: string): ConvertedChunk | undefined {
  const part = readFastDelta(data);
  if (part !== undefined) return { parts: part === null ? [] : [part], usage: null };
  const usage = readFastUsage(data);
  return usage === undefined ? undefined : { parts: [], usage };
}

/**
 * Holds the fast path to the full path on one event: it declines, or it gives the full path's parts and usage.
 * Returns what the fast path gave.
 */
function assertFastMatchesFull(data: string): ConvertedChunk | undefined {
  const fast = convertFast(data);
  if (fast === undefined) return undefined;
  const full = convertFully(data);
  assert.ok(!(full instanceof GatewayError), `fast path took an event the full parse rejects: ${data}`);
  assert.deepStrictEqual(fast, full, data);
  // Serialised too, so that key order (which reaches the client's bytes) counts.
  assert.equal(JSON.stringify(fast), JSON.stringify(full), data);
  return fast;
}

test('the fast path reads exactly what the full parse reads, on thousands of real-shaped events', () => {
  const events = generateEvents(20_000);
  let taken = 0;
  for (const data of events) if (assertFastMatchesFull(data) !== undefined) taken += 1;
  // Neither path is vacuous: most plain tokens go fast, and most of the rest do not.
  assert.ok(taken > events.length / 5, `only ${taken} of ${events.length} events took the fast path`);
  assert.ok(taken < events.length * 0.8, `${taken} of ${events.length} events took the fast path`);
});

test("fixture events go the fast path with the full parse's result, or the full parse", () => {
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
      const fast = assertFastMatchesFull(data);
      if (fast !== undefined) taken += 1;
      // vLLM's streams without tool calls (also what the simulator sends) go the fast path from end to end.
      if (name === 'vllm-stream.sse') assert.ok(fast !== undefined, data);
    }
  }
  assert.ok(taken >= 13, `only ${taken} fixture events took the fast path`);
});

/** A delta part at index 0, as both paths make it. */
function deltaPart(
  delta: ChatDelta,
  finishReason: FinishReason | null = null,
  nativeFinishReason: string | null = finishReason,
): ConvertedChunk {
  return { parts: [{ kind: 'delta', index: 0, delta, finishReason, nativeFinishReason }], usage: null };
}

test('the fast path reads the opening, token, finish and usage chunks of vLLM, OpenAI and Groq', () => {
  const vllm =
    '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1767225602,"model":"m","choices":';
  const openai =
    '{"id":"chatcmpl-B1","object":"chat.completion.chunk","created":1767225600,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_560af6e559","choices":';
  const groq =
    '{"id":"chatcmpl-9d0e","object":"chat.completion.chunk","created":1767225608,"model":"llama-3.3-70b-versatile","system_fingerprint":"fp_3f3b593e33","choices":';
  const recognised: Array<[string, ConvertedChunk]> = [
    // vLLM (and the simulator): role, tokens, the last token with its finish reason, usage.
    [
      `${vllm}[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}`,
      deltaPart({ role: 'assistant', content: '' }),
    ],
    [
      `${vllm}[{"index":0,"delta":{"content":" à — 🙂"},"logprobs":null,"finish_reason":null}]}`,
      deltaPart({ content: ' à — 🙂' }),
    ],
    [`${vllm}[{"index":0,"delta":{"content":""},"finish_reason":null}]}`, { parts: [], usage: null }],
    [
      `${vllm}[{"index":0,"delta":{"content":" model"},"logprobs":null,"finish_reason":"stop","stop_reason":null}]}`,
      deltaPart({ content: ' model' }, 'stop'),
    ],
    [
      `${vllm}[{"index":0,"delta":{"content":""},"logprobs":null,"finish_reason":"tool_calls","stop_reason":128008}]}`,
      deltaPart({ content: '' }, 'tool_calls'),
    ],
    [
      `${vllm}[{"index":0,"delta":{"content":"."},"logprobs":null,"finish_reason":"stop","stop_reason":"</s>"}]}`,
      deltaPart({ content: '.' }, 'stop'),
    ],
    [
      `${vllm}[{"index":0,"delta":{"content":" the"},"logprobs":null,"finish_reason":"length","stop_reason":null}]}`,
      deltaPart({ content: ' the' }, 'length'),
    ],
    [
      `${vllm}[{"index":0,"delta":{"content":""},"logprobs":null,"finish_reason":"abort","stop_reason":null}]}`,
      deltaPart({ content: '' }, 'error', 'abort'),
    ],
    [
      `${vllm}[{"index":0,"delta":{"content":"x"},"logprobs":null,"finish_reason":"STOP_SEQUENCE"}]}`,
      deltaPart({ content: 'x' }, 'stop', 'STOP_SEQUENCE'),
    ],
    [
      `${vllm}[{"index":0,"delta":{"content":"x"},"logprobs":null,"finish_reason":"something_new"}]}`,
      deltaPart({ content: 'x' }, 'stop', 'something_new'),
    ],
    // An empty finish reason is no finish reason.
    [
      `${vllm}[{"index":0,"delta":{"content":"x"},"logprobs":null,"finish_reason":""}]}`,
      deltaPart({ content: 'x' }),
    ],
    [
      `${vllm}[{"index":0,"delta":{"content":""},"logprobs":null,"finish_reason":""}]}`,
      { parts: [], usage: null },
    ],
    [
      `${vllm}[],"usage":{"prompt_tokens":5,"total_tokens":21,"completion_tokens":16}}`,
      { parts: [], usage: { promptTokens: 5, completionTokens: 16, totalTokens: 21, estimated: false } },
    ],
    [
      `${vllm}[],"usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":7}}`,
      { parts: [], usage: { promptTokens: 0, completionTokens: 0, totalTokens: 7, estimated: false } },
    ],
    // OpenAI: the opening chunk with `refusal`, `usage: null` and `obfuscation` on every chunk, an empty last delta.
    [
      `${openai}[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"k1"}`,
      deltaPart({ role: 'assistant', content: '', refusal: null }),
    ],
    [
      `${openai}[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"Zk3"}`,
      deltaPart({ content: 'Hi' }),
    ],
    [
      `${openai}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null,"obfuscation":"a"}`,
      deltaPart({}, 'stop'),
    ],
    [`${openai}[{"index":0,"delta":{},"logprobs":null,"finish_reason":null}]}`, { parts: [], usage: null }],
    [
      `${openai}[{"index":0,"delta":{"content":"","refusal":null},"logprobs":null,"finish_reason":null}]}`,
      { parts: [], usage: null },
    ],
    [
      `${openai}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"content_filter"}]}`,
      deltaPart({}, 'content_filter'),
    ],
    // Groq: `x_groq` with only the request id; vLLM's old error-event fixture: role and text together.
    [
      `${groq}[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"x_groq":{"id":"req_01"}}`,
      deltaPart({ role: 'assistant', content: '' }),
    ],
    [
      `${vllm}[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}`,
      deltaPart({ role: 'assistant', content: 'Hi' }),
    ],
    // OpenRouter's member order, its own native finish reason first.
    [
      `${vllm}[{"index":0,"delta":{"content":"!"},"finish_reason":"stop","native_finish_reason":"eos","logprobs":null}]}`,
      deltaPart({ content: '!' }, 'stop', 'eos'),
    ],
    [
      `${vllm}[{"index":0,"delta":{"content":"!"},"finish_reason":"stop","native_finish_reason":null,"logprobs":null}]}`,
      deltaPart({ content: '!' }, 'stop'),
    ],
    [
      `${vllm}[{"index":0,"delta":{"content":"!"},"finish_reason":"stop","native_finish_reason":""}]}`,
      deltaPart({ content: '!' }, 'stop', ''),
    ],
  ];
  for (const [data, expected] of recognised) {
    assert.deepStrictEqual(convertFast(data), expected, data);
    assert.deepStrictEqual(assertFastMatchesFull(data), expected, data);
  }

  const head = `${vllm}[{"index":0,`;
  const declined = [
    `${head}"delta":{"content":"a\\nb"},"logprobs":null,"finish_reason":null}]}`,
    `${head}"delta":{"content":"a"},"logprobs":null,"finish_reason":"st\\u006fp"}]}`,
    `${head}"delta":{"reasoning_content":"a"},"logprobs":null,"finish_reason":null}]}`,
    `${head}"delta":{"content":"a","reasoning_content":null},"logprobs":null,"finish_reason":null}]}`,
    `${head}"delta":{"role":null,"content":""},"logprobs":null,"finish_reason":null}]}`,
    `${head}"delta":{"role":"assistant"},"logprobs":null,"finish_reason":null}]}`,
    `${head}"delta":{"content":"a","role":"assistant"},"logprobs":null,"finish_reason":null}]}`,
    `${head}"delta":{"content":null},"logprobs":null,"finish_reason":"stop"}]}`,
    `${head}"delta":{"content":"a"},"logprobs":{"content":[]},"finish_reason":"stop"}]}`,
    `${head}"delta":{"content":"a"},"logprobs":null,"finish_reason":"stop","stop_reason":-1}]}`,
    `${head}"delta":{"content":"a"},"logprobs":null,"finish_reason":"stop","stop_reason":"\\n"}]}`,
    `${head}"delta":{"content":"a"},"logprobs":null,"finish_reason":"stop","matched_stop":null}]}`,
    `${head}"delta":{"content":"a"},"logprobs":null}]}`,
    `${head}"delta":{"content":"a"},"finish_reason":"stop","finish_reason":null}]}`,
    `${head}"delta":{"content":"a"},"logprobs":null,"finish_reason":null}],"usage":{"prompt_tokens":1}}`,
    `${head}"delta":{"content":"a"},"logprobs":null,"finish_reason":null}],"usage":null,"usage":null}`,
    `${head}"delta":{"content":"a"},"logprobs":null,"finish_reason":null}],"x_groq":{"id":"r","usage":null}}`,
    `${head}"delta":{"content":"a"},"logprobs":null,"finish_reason":null}]`,
    `${vllm}[{"index":1,"delta":{"content":"a"},"logprobs":null,"finish_reason":"stop"}]}`,
    `${vllm}[{"delta":{"content":"a"},"logprobs":null,"finish_reason":"stop"}]}`,
    `${vllm}[],"usage":{"prompt_tokens":5,"total_tokens":21,"completion_tokens":16},"usage":null}`,
    `${vllm}[],"usage":{"prompt_tokens":5,"completion_tokens":16}}`,
    `${vllm}[],"usage":{"prompt_tokens":5,"total_tokens":21,"completion_tokens":16,"prompt_tokens_details":null}}`,
    `${vllm}[],"usage":{"prompt_tokens":5,"completion_tokens":16,"total_tokens":21,"prompt_tokens_details":{"cached_tokens":0}}}`,
    `${vllm}[],"usage":{"prompt_tokens":5,"total_tokens":21,"completion_tokens":1.5}}`,
    `${vllm}[],"usage":{"prompt_tokens":5,"total_tokens":21,"completion_tokens":1234567890123456}}`,
    `${vllm}[],"usage":null}`,
    `${vllm}[]}`,
    '{"object":"error","message":"boom","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}',
    '{"error":{"message":"boom"},"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":"stop"}]}',
    '{"error":{"message":"boom"},"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}',
    'not json',
    '',
  ];
  for (const data of declined) assert.equal(convertFast(data), undefined, data);
});

/** Values of the choice's members, the plain ones first. */
const FINISH_VALUES = [
  'null',
  '"stop"',
  '"length"',
  '"tool_calls"',
  '"content_filter"',
  '"abort"',
  '"eos"',
  '"end_turn"',
  '"STOP"',
  '"Max_Tokens"',
  '""',
  '"something_new"',
  '"stop "',
  '"ストップ"',
  '"st\\u006fp"',
  '"stop\\n"',
  '1',
  'true',
  '{}',
  '["stop"]',
];
const STOP_REASON_VALUES = [
  'null',
  '128008',
  '0',
  '"</s>"',
  '"<|eot_id|>"',
  '""',
  '"\\n"',
  '-1',
  '1.5',
  '1e3',
  '007',
  'true',
  '[]',
  '{"a":1}',
];
const NATIVE_VALUES = ['null', '"eos"', '"stop"', '""', '"STOP"', '"e\\"os"', '1', '{}'];
const LOGPROBS_VALUES = ['null', '{"content":[{"token":"a","logprob":-0.1}]}', '[]', '0', '""', 'false'];
const ROLE_MEMBERS = [
  '"role":"assistant"',
  '"role":null',
  '"role":"user"',
  '"role":"Assistant"',
  '"role":""',
  '"role":"\\u0061ssistant"',
];
const REFUSAL_MEMBERS = ['"refusal":null', '"refusal":"no"', '"refusal":""', '"refusal":[]'];
const DELTA_EXTRAS = [
  '"reasoning_content":null',
  '"reasoning_content":"r"',
  '"reasoning":null',
  '"tool_calls":[]',
  '"tool_calls":null',
  '"tool_calls":[{"index":0,"function":{"arguments":"{"}}]',
  '"function_call":null',
  '"audio":null',
];
const CHOICE_EXTRAS = ['"matched_stop":null', '"text":"x"', '"index":0', '"delta":{}', '"token_ids":null'];
const INDEX_MEMBERS = ['"index":0', '"index":1', '"index":-0', '"index":0.0', '"index":"0"', '"index":null'];
const COUNT_VALUES = [
  '5',
  '0',
  '16',
  '123456789012345',
  '1234567890123456',
  '12345678901234567890',
  '1.5',
  '-1',
  '1e3',
  '007',
  '"5"',
  'null',
  '5.0',
];
const USAGE_EXTRAS = [
  '"prompt_tokens_details":null',
  '"prompt_tokens_details":{"cached_tokens":3}',
  '"completion_tokens_details":{"reasoning_tokens":2}',
  '"prompt_cache_hit_tokens":1',
  '"cost":0.1',
];
/** Members after `choices`, the ones the fast path accepts first. */
const CHUNK_END_MEMBERS = [
  '"usage":null',
  '"obfuscation":"Zk3"',
  '"x_groq":{"id":"req_01"}',
  '"obfuscation":"a\\"b"',
  '"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}',
  '"x_groq":{"id":"req_01","usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}',
  '"x_groq":{}',
  '"error":null',
  '"error":{"message":"late","code":502}',
  '"object":"error"',
  '"choices":[]',
];
/** Characters a mutation writes: JSON's structure, escapes, whitespace, a control and a non-ASCII character. */
const MUTATION_CHARACTERS = [
  '"',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '0',
  '9',
  'a',
  'n',
  '\\',
  ' ',
  '\n',
  '\u0000',
  'é',
];

/** Near misses of the recognised shapes: each member varied, reordered, duplicated or dropped, then mangled. */
function generateNearMisses(count: number, seed: number): string[] {
  const random = createRandom(seed);
  const chance = (share: number): boolean => random() < share;
  const pick = <T>(values: readonly T[], firstShare = 0): T =>
    chance(firstShare) ? (values[0] as T) : (values[Math.floor(random() * values.length)] as T);
  const string = (text: string): string => pick(ENCODERS, 0.7)(text);
  /** Members in their written order, sometimes shuffled, one duplicated or one dropped. */
  const arrange = (members: string[]): string[] => {
    const arranged = [...members];
    if (chance(0.05) && arranged.length > 0) arranged.splice(Math.floor(random() * arranged.length), 1);
    if (chance(0.05) && arranged.length > 0) arranged.push(pick(arranged));
    if (chance(0.08)) arranged.sort(() => random() - 0.5);
    return arranged;
  };
  const object = (members: string[]): string => `{${arrange(members).join(',')}}`;

  const delta = (): string => {
    const members: string[] = [];
    const shape = random();
    // OpenAI's and Groq's last delta is empty; otherwise content, with a role on the opening chunk.
    if (shape < 0.15) return chance(0.9) ? '{}' : object([pick(DELTA_EXTRAS)]);
    if (shape < 0.55) members.push(pick(ROLE_MEMBERS, 0.7));
    const text = chance(0.5) ? pick(TEXTS.slice(0, 6)) : pick(TEXTS);
    members.push(
      chance(0.9)
        ? `"content":${string(text)}`
        : pick(['"content":null', '"content":[{"type":"text","text":"a"}]', '"content":1']),
    );
    if (chance(0.3)) members.push(pick(REFUSAL_MEMBERS, 0.7));
    if (chance(0.1)) members.push(pick(DELTA_EXTRAS));
    return object(members);
  };

  const choice = (): string => {
    const index = pick(INDEX_MEMBERS, 0.9);
    const logprobs = `"logprobs":${pick(LOGPROBS_VALUES, 0.9)}`;
    const finish = `"finish_reason":${chance(0.3) ? 'null' : pick(FINISH_VALUES)}`;
    const stopReason = `"stop_reason":${pick(STOP_REASON_VALUES, 0.4)}`;
    const native = `"native_finish_reason":${pick(NATIVE_VALUES, 0.3)}`;
    const head = [index, `"delta":${delta()}`];
    const orders: string[][] = [
      [...head, logprobs, finish],
      [...head, logprobs, finish, stopReason],
      [...head, finish],
      [...head, finish, logprobs],
      [...head, finish, native, logprobs],
      [...head, finish, native],
      [...head, logprobs, finish, stopReason, native, logprobs],
      [...head, logprobs, finish, pick(CHOICE_EXTRAS)],
    ];
    return object(pick(orders));
  };

  const usage = (): string => {
    const prompt = `"prompt_tokens":${pick(COUNT_VALUES, 0.6)}`;
    const completion = `"completion_tokens":${pick(COUNT_VALUES, 0.6)}`;
    const total = `"total_tokens":${pick(COUNT_VALUES, 0.6)}`;
    const members = pick([
      [prompt, total, completion],
      [prompt, completion, total],
    ]);
    if (chance(0.15)) members.push(pick(USAGE_EXTRAS));
    return chance(0.95) ? object(members) : pick(['null', '{}', '[]', '5']);
  };

  const events: string[] = [];
  for (let position = 0; position < count; position += 1) {
    let data = pick(HEADS.slice(0, 4), 0.3);
    if (chance(0.25)) {
      data += `"choices":[],"usage":${usage()}`;
    } else {
      data += `"choices":[${choice()}${chance(0.03) ? `,${choice()}` : ''}]`;
    }
    if (chance(0.4)) data += `,${pick(CHUNK_END_MEMBERS, 0.5)}`;
    if (chance(0.1)) data += `,${pick(CHUNK_END_MEMBERS)}`;
    data += '}';
    // A few bytes mangled: whitespace, stray escapes, broken structure, control characters.
    const mutations = chance(0.25) ? 1 + Math.floor(random() * 2) : 0;
    for (let mutation = 0; mutation < mutations; mutation += 1) {
      const at = Math.floor(random() * data.length);
      const kind = Math.floor(random() * 4);
      if (kind === 0) data = data.slice(0, at) + pick(MUTATION_CHARACTERS) + data.slice(at);
      else if (kind === 1) data = data.slice(0, at) + data.slice(at + 1);
      else if (kind === 2) data = data.slice(0, at) + pick(MUTATION_CHARACTERS) + data.slice(at + 1);
      else data = data.slice(0, at) + data.slice(at, at + 1).toUpperCase() + data.slice(at + 1);
    }
    events.push(data);
  }
  return events;
}

test('near misses of the role, finish and usage chunks: the fast path declines or matches the full parse', () => {
  const events = generateNearMisses(40_000, 2_026_0301);
  let declined = 0;
  let roles = 0;
  let finishes = 0;
  let emptyDeltas = 0;
  let usages = 0;
  for (const data of events) {
    const fast = assertFastMatchesFull(data);
    if (fast === undefined) {
      declined += 1;
      continue;
    }
    if (fast.usage !== null) usages += 1;
    const part = fast.parts[0];
    if (part?.delta.role !== undefined) roles += 1;
    if (part !== undefined && part.finishReason !== null) finishes += 1;
    if (part !== undefined && part.delta.content === undefined) emptyDeltas += 1;
  }
  // Neither path is vacuous: each recognised shape is taken often, and most near misses are declined.
  for (const [name, taken] of Object.entries({ roles, finishes, emptyDeltas, usages }))
    assert.ok(taken > 300, `only ${taken} ${name} took the fast path`);
  assert.ok(declined > events.length / 2, `only ${declined} of ${events.length} events were declined`);
});

test('every event of a simulated stream without tool calls goes the fast path', () => {
  const formatter = createChunkFormatter(
    'chatcmpl-384199e7fbd748f10000000000000001',
    1796000900,
    'meta/llama',
  );
  const events = [
    formatter.role(),
    formatter.content('pool', null, null),
    formatter.content(' à — 🙂', null, null),
    formatter.content(' a', 'stop', null),
    formatter.content('', 'stop', '</s>'),
    formatter.content(' b', 'length', null),
    formatter.toolCallArguments('{}', 'tool_calls'),
    formatter.usage(5, 16),
  ];
  for (const event of events) {
    const data = event.slice('data: '.length, -2);
    const fast = assertFastMatchesFull(data);
    assert.equal(fast === undefined, event.includes('tool_calls'), data);
  }
});

function describe(error: GatewayError): string {
  return `${error.code}: ${error.message}`;
}

/** Every part (or the error) convertStream yields for the events, delivered in the given batches. */
async function streamParts(batches: readonly Buffer[][]): Promise<Array<StreamPart | string>> {
  const results: Array<StreamPart | string> = [];
  try {
    const body = chunkReaderOf(batches);
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

/** The same, read as the gateway reads: one `next`, then every part `takeReady` hands over at once. */
async function streamPartsTakingReady(batches: readonly Buffer[][]): Promise<Array<StreamPart | string>> {
  const results: Array<StreamPart | string> = [];
  try {
    const body = chunkReaderOf(batches);
    const iterator = convertStream(
      () => Promise.resolve({ kind: 'stream', body }),
      CONTEXT,
      new AbortController().signal,
    );
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
      results.push(next.value);
      results.push(...takeReadyParts(iterator));
    }
  } catch (error) {
    results.push(error instanceof GatewayError ? describe(error) : String(error));
  }
  return results;
}

test('streams of mixed events give the same parts however the body is split', async () => {
  const random = createRandom(7);
  // Plain tokens interleaved with role, finish and usage chunks and their near misses.
  const nearMisses = generateNearMisses(400, 3);
  const events = generateEvents(400).flatMap((data, position) => [data, nearMisses[position] as string]);
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
    assert.deepEqual(await streamPartsTakingReady(batches), whole, `taking ready parts: ${text}`);
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
  const early = chunkReaderOf([[Buffer.from(token.repeat(3))], [Buffer.from(token)]]);
  const iterator = convertStream(open(early), CONTEXT, new AbortController().signal);
  assert.equal((await iterator.next()).done, false);
  assert.deepEqual(await iterator.return?.(), { done: true, value: undefined });
  assert.equal(early.destroyed, true);
  assert.deepEqual(await iterator.next(), { done: true, value: undefined });

  const finished = chunkReaderOf([[Buffer.from(`${token}data: [DONE]\n\n`)]]);
  const parts: StreamPart[] = [];
  for await (const part of convertStream(open(finished), CONTEXT, new AbortController().signal))
    parts.push(part);
  assert.equal(parts.length, 1);
  assert.equal(finished.destroyed, false);
});

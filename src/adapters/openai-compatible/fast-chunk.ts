import type { ChatDelta, StreamPart, Usage } from '../../spec/index.js';
import { mapFinishReason } from './map-finish-reason.js';

type DeltaPart = Extract<StreamPart, { kind: 'delta' }>;

/** The characters of a JSON string without escapes or control characters (which JSON.parse would reject raw). */
const PLAIN_TEXT = '[^"\\\\\\u0000-\\u001f]*';
const PLAIN_STRING = `"${PLAIN_TEXT}"`;

/** A token count, captured: at most 15 digits, so `Number` reads it exactly as JSON.parse does. */
const COUNT = '(0|[1-9][0-9]{0,14})';

/** Any non-negative JSON integer. */
const INTEGER = '(?:0|[1-9][0-9]*)';

/**
 * The head of a chunk the full parse reads nothing from: members with known keys and plain values (strings
 * without escapes, non-negative integers, null), each followed by a comma. No `error`, `usage`, `x_groq` or
 * second `choices`, and `object` only as `chat.completion.chunk`, so the full parse could neither throw nor
 * find usage in it; no whitespace, so nothing else can sit between the members.
 */
const HEAD_MEMBER =
  `"(?:id|model|system_fingerprint|service_tier|provider)":(?:${PLAIN_STRING}|null),` +
  '|"object":"chat\\.completion\\.chunk",' +
  `|"created":${INTEGER},`;

/**
 * The end of a chunk, after its choices and usage: OpenAI's `obfuscation` padding or Groq's `x_groq` with
 * only its request id, which the full path finds no usage in. Not `usage`: a second one would be the one
 * JSON.parse keeps.
 */
const CHUNK_END = `(?:,"obfuscation":${PLAIN_STRING}|,"x_groq":\\{"id":${PLAIN_STRING}\\})?\\}$`;

/**
 * The delta: empty (OpenAI's and Groq's last chunk), or `content` alone, after `role: "assistant"` (the
 * opening chunk) or before OpenAI's `refusal: null`. The empty groups capture '' when their member is there:
 * a presence flag without a substring allocation. Groups: 1 role, 2 content, 3 refusal.
 */
const DELTA = `"delta":\\{(?:(?:"role":"assistant",())?"content":"(${PLAIN_TEXT})"(?:,"refusal":null())?)?\\}`;

/**
 * The members after the delta in the orders vLLM, OpenAI, Groq, DeepSeek and OpenRouter write them.
 * `stop_reason` (vLLM) is never read by the full path, so any plain value will do; `logprobs` must be null,
 * or the part would carry it. A `logprobs: null` both before and after is a duplicate key whose last value,
 * the one JSON.parse keeps, is null too. Groups: 4 finish_reason, 5 native_finish_reason (when strings).
 */
const CHOICE_TAIL =
  `(?:,"logprobs":null)?,"finish_reason":(?:null|"(${PLAIN_TEXT})")` +
  `(?:,"stop_reason":(?:null|${INTEGER}|${PLAIN_STRING}))?` +
  `(?:,"native_finish_reason":(?:null|"(${PLAIN_TEXT})"))?` +
  '(?:,"logprobs":null)?';

/**
 * One plain choice at index 0, anchored at both ends. One regular expression is several times cheaper than
 * JSON.parse plus the objects it builds, and most events of a stream are this.
 */
const DELTA_CHUNK = new RegExp(
  `^\\{(?:${HEAD_MEMBER})*"choices":\\[\\{"index":0,${DELTA}${CHOICE_TAIL}\\}\\](?:,"usage":null)?${CHUNK_END}`,
);

/**
 * vLLM's closing usage chunk, with exactly the three counts convertUsage reads first and nothing it would
 * read next (cache, reasoning). Groups: 1 prompt, then 2 completion and 3 total, or 4 total and 5 completion.
 */
const USAGE_CHUNK = new RegExp(
  `^\\{(?:${HEAD_MEMBER})*"choices":\\[\\],"usage":\\{"prompt_tokens":${COUNT},` +
    `(?:"completion_tokens":${COUNT},"total_tokens":${COUNT}|"total_tokens":${COUNT},"completion_tokens":${COUNT})` +
    `\\}${CHUNK_END}`,
);

/**
 * The delta part of a stream event with one plain choice, read without `JSON.parse`: exactly the part the
 * full path (JSON.parse, then convertChoice in convert-stream) makes of it, down to the delta's keys and
 * their order. `null` when the full path would make no part (an empty token without a finish reason);
 * `undefined` for any other event — tool calls, reasoning, logprobs, usage, an error, escapes, whitespace,
 * unknown members, another index or role — which is left to the full parse. Never throws.
 */
export function readFastDelta(data: string): DeltaPart | null | undefined {
  const match = DELTA_CHUNK.exec(data);
  if (match === null) return undefined;
  const hasRole = match[1] !== undefined;
  const content = match[2];
  const rawFinishReason = match[4];
  const finishReason = rawFinishReason === undefined ? null : mapFinishReason(rawFinishReason);
  // isEmptyDelta: a null refusal and an empty content count as nothing, the role string does not.
  if (finishReason === null && !hasRole && (content === undefined || content === '')) return null;
  let delta: ChatDelta;
  if (content === undefined) delta = {};
  else if (match[3] === undefined) delta = hasRole ? { role: 'assistant', content } : { content };
  else delta = hasRole ? { role: 'assistant', content, refusal: null } : { content, refusal: null };
  return {
    kind: 'delta',
    index: 0,
    delta,
    finishReason,
    // As convertChoice: the raw value only once finished, OpenRouter's own native reason first.
    nativeFinishReason: finishReason === null ? null : (match[5] ?? rawFinishReason ?? null),
  };
}

/**
 * The usage of a stream event that is vLLM's plain closing usage chunk (`choices: []` and three token counts),
 * read without `JSON.parse`: what convertUsage makes of it. `undefined` for any other event. Never throws.
 */
export function readFastUsage(data: string): Usage | undefined {
  const match = USAGE_CHUNK.exec(data);
  if (match === null) return undefined;
  return {
    promptTokens: Number(match[1]),
    completionTokens: Number(match[2] ?? match[5]),
    totalTokens: Number(match[3] ?? match[4]),
    estimated: false,
  };
}

/** A JSON string without escapes or control characters (which JSON.parse would reject raw). */
const PLAIN_STRING = '"[^"\\\\\\u0000-\\u001f]*"';

/**
 * The head of a chunk the full parse reads nothing from: members with known keys and plain values (strings
 * without escapes, non-negative integers, null), each followed by a comma. No `error`, `usage`, `x_groq` or
 * second `choices`, and `object` only as `chat.completion.chunk`, so the full parse could neither throw nor
 * find usage in it; no whitespace, so nothing else can sit between the members.
 */
const HEAD_MEMBER =
  `"(?:id|model|system_fingerprint|service_tier|provider)":(?:${PLAIN_STRING}|null),` +
  '|"object":"chat\\.completion\\.chunk",' +
  '|"created":(?:0|[1-9][0-9]*),';

/** One choice at index 0 whose delta is only `content`, captured; no finish reason, logprobs or usage. */
const PLAIN_CHOICES =
  '"choices":\\[\\{"index":0,"delta":\\{"content":"([^"\\\\\\u0000-\\u001f]*)"\\}' +
  '(?:,"logprobs":null,"finish_reason":null|,"finish_reason":null|,"finish_reason":null,"logprobs":null)\\}\\]' +
  '(?:,"usage":null)?';

/**
 * A whole plain text token as vLLM, SGLang, OpenAI, Groq and DeepSeek send it, anchored at both ends. One
 * regular expression is several times cheaper than JSON.parse plus the objects it builds.
 */
const PLAIN_CONTENT_CHUNK = new RegExp(`^\\{(?:${HEAD_MEMBER})*${PLAIN_CHOICES}\\}$`);

/**
 * The text of a stream event that is exactly one plain content token, read without `JSON.parse`; `undefined`
 * for any other event. For such an event the full path (JSON.parse, then the choice conversion in
 * convert-stream) yields one delta part `{ content }` at index 0 with no finish reason, logprobs or usage,
 * and nothing else. Anything unusual — role, tool calls, reasoning, a finish reason, usage, an error, escapes
 * in the content, whitespace, unknown fields — is left to the full parse. Never throws.
 */
export function readPlainContent(data: string): string | undefined {
  return PLAIN_CONTENT_CHUNK.exec(data)?.[1];
}

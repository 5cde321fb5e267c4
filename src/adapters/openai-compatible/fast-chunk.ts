/**
 * The choice of a plain text token as vLLM, SGLang, OpenAI, Groq and DeepSeek send it, up to the opening quote
 * of the content. Everything before it is the chunk's head (id, object, created, model, ...).
 */
const CHOICE_HEAD = '"choices":[{"index":0,"delta":{"content":"';

/**
 * What may follow the content string for the event to be a plain token: no finish reason, no logprobs, no
 * usage. Compared whole and up to the end of the event, so nothing else can hide after it.
 */
const CHOICE_TAILS = [
  '},"logprobs":null,"finish_reason":null}]}',
  '},"finish_reason":null}]}',
  '},"logprobs":null,"finish_reason":null}],"usage":null}',
  '},"finish_reason":null,"logprobs":null}]}',
] as const;

/**
 * A head the full parse would read nothing from: `{` then members with known keys and plain values (strings
 * without escapes or control characters, non-negative integers, null), each followed by a comma. No `error`,
 * `usage`, `x_groq` or second `choices`, and `object` only as `chat.completion.chunk`, so the full parse could
 * neither throw nor find usage in it. Sticky: it must match from the first character.
 */
const CHUNK_HEAD =
  /\{(?:"(?:id|model|system_fingerprint|service_tier|provider)":(?:"[^"\\\u0000-\u001f]*"|null),|"object":"chat\.completion\.chunk",|"created":(?:0|[1-9][0-9]*),)*/y;

/** A JSON string's body without escapes or control characters, and its closing quote. Sticky. */
const PLAIN_STRING_REST = /[^"\\\u0000-\u001f]*"/y;

/**
 * Reads the text of a plain content token from a stream event's data without `JSON.parse`. The token's head
 * (id, created, model) repeats in every event of a stream, so the head seen last is validated once and then
 * only compared.
 *
 * `read` returns the content string when the event is exactly such a token — then the full parse (JSON.parse
 * and the choice conversion in convert-stream) would yield one delta part `{ content }` at index 0 with no
 * finish reason, logprobs or usage, and nothing else — and `undefined` for anything else (role, tool calls,
 * reasoning, finish reason, usage, errors, escapes in the content, whitespace, other fields): the caller then
 * parses the event fully. It never throws.
 */
export class FastChunkReader {
  /** The last head that passed CHUNK_HEAD, or '' before one did. */
  private head = '';

  read(data: string): string | undefined {
    let contentStart: number;
    if (this.head !== '' && data.startsWith(this.head) && data.startsWith(CHOICE_HEAD, this.head.length)) {
      contentStart = this.head.length + CHOICE_HEAD.length;
    } else {
      const headEnd = data.indexOf(CHOICE_HEAD);
      if (headEnd === -1) return undefined;
      CHUNK_HEAD.lastIndex = 0;
      // The sticky pattern always matches at least `{` or fails; it must end exactly where the choices begin.
      if (!CHUNK_HEAD.test(data) || CHUNK_HEAD.lastIndex !== headEnd) return undefined;
      this.head = data.slice(0, headEnd);
      contentStart = headEnd + CHOICE_HEAD.length;
    }
    PLAIN_STRING_REST.lastIndex = contentStart;
    if (!PLAIN_STRING_REST.test(data)) return undefined;
    const tailStart = PLAIN_STRING_REST.lastIndex;
    const tailLength = data.length - tailStart;
    for (const tail of CHOICE_TAILS) {
      if (tail.length === tailLength && data.endsWith(tail)) return data.slice(contentStart, tailStart - 1);
    }
    return undefined;
  }
}

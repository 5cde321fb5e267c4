/** One SSE event of a Messages API stream: its `event:` name and parsed `data:` payload. */
export interface AnthropicEvent {
  readonly event: string;
  readonly data: Record<string, unknown>;
}

/** The events of a Messages stream in order, plus the SSE comments (`: keep-alive`) in `sequence`. */
export interface AnthropicStream {
  readonly events: AnthropicEvent[];
  /** Event names and comments (prefixed ':') in arrival order. */
  readonly sequence: string[];
}

/** Reads a whole Messages API SSE body; throws on a line that is neither `event:`, `data:` nor a comment. */
export async function readAnthropicStream(response: Response): Promise<AnthropicStream> {
  const text = await response.text();
  const events: AnthropicEvent[] = [];
  const sequence: string[] = [];
  for (const block of text.split('\n\n')) {
    if (block === '') continue;
    let name: string | null = null;
    let data: string | null = null;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) sequence.push(line);
      else if (line.startsWith('event: ')) name = line.slice(7);
      else if (line.startsWith('data: ')) data = line.slice(6);
      else throw new Error(`unexpected SSE line: ${line}`);
    }
    if (name === null && data === null) continue;
    if (name === null || data === null) throw new Error(`incomplete SSE event: ${block}`);
    events.push({ event: name, data: JSON.parse(data) as Record<string, unknown> });
    sequence.push(name);
  }
  return { events, sequence };
}

/** POSTs a JSON body (or raw text) to the gateway. */
export function post(origin: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${origin}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'test-key' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

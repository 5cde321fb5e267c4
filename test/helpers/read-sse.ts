/** Raw SSE events of a response body: comments (`: ...`) and `data:` payloads, in order. */
export interface SseEvents {
  readonly comments: string[];
  readonly data: string[];
  /** Everything in arrival order, comments prefixed with ':'. */
  readonly sequence: string[];
}

export async function readSse(response: Response): Promise<SseEvents> {
  const text = await response.text();
  const comments: string[] = [];
  const data: string[] = [];
  const sequence: string[] = [];
  for (const block of text.split('\n\n')) {
    if (block === '') continue;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        comments.push(line);
        sequence.push(line);
      } else if (line.startsWith('data: ')) {
        data.push(line.slice(6));
        sequence.push(line.slice(6));
      } else throw new Error(`unexpected SSE line: ${line}`);
    }
  }
  return { comments, data, sequence };
}

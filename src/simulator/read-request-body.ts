import type { IncomingMessage } from 'node:http';

/** Largest request body accepted, in bytes; long prompts fit, runaway uploads do not. */
export const maxRequestBodyBytes = 16 * 1024 * 1024;

/** Result of reading a body: the text, `too_large`, or `aborted` when the client went away. */
export type ReadBodyResult = { ok: true; text: string } | { ok: false; reason: 'too_large' | 'aborted' };

/** Collects the request body as UTF-8 text without blocking and without an intermediate stream library. */
export function readRequestBody(request: IncomingMessage): Promise<ReadBodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let totalBytes = 0;
    let settled = false;
    const settle = (result: ReadBodyResult): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    request.on('data', (chunk: Buffer) => {
      totalBytes += chunk.length;
      if (totalBytes > maxRequestBodyBytes) {
        settle({ ok: false, reason: 'too_large' });
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      const text =
        chunks.length === 1 ? (chunks[0]?.toString('utf8') ?? '') : Buffer.concat(chunks).toString('utf8');
      settle({ ok: true, text });
    });
    request.on('error', () => settle({ ok: false, reason: 'aborted' }));
    request.on('close', () => settle({ ok: false, reason: 'aborted' }));
  });
}

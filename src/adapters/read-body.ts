import type { ChunkReader } from './dispatch-request.js';
import {
  convertTransportError,
  createInvalidResponseError,
  type ErrorContext,
} from './openai-compatible/error.js';
import type { CancelSignal } from '../spec/index.js';

/** Enough of an error body for its message; the rest is discarded with the connection. */
const ERROR_BODY_LIMIT_BYTES = 64 * 1024;

/**
 * The largest 2xx body read whole (a non-stream completion, a model list): far above any real answer, so a
 * broken upstream that never stops sending fails the attempt instead of filling memory.
 */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * The whole body of a 2xx response as text; a failure while reading is a timeout or an interruption, a body
 * over `maxBytes` an invalid response (the transfer is stopped).
 */
export async function readBodyText(
  body: ChunkReader,
  context: ErrorContext,
  signal: CancelSignal,
  maxBytes = MAX_BODY_BYTES,
): Promise<string> {
  const chunks: Buffer[] = [];
  let sizeBytes = 0;
  try {
    for (let batch = await body.next(); batch !== null; batch = await body.next()) {
      for (const chunk of batch) {
        chunks.push(chunk);
        sizeBytes += chunk.length;
      }
      if (sizeBytes > maxBytes) break;
    }
  } catch (error) {
    throw signal.aborted ? signal.reason : convertTransportError(error, 'body', context);
  }
  if (sizeBytes > maxBytes) {
    body.destroy();
    throw createInvalidResponseError(`the response body exceeds ${maxBytes} bytes`, context);
  }
  return chunks.length === 1
    ? (chunks[0] as Buffer).toString('utf8')
    : Buffer.concat(chunks).toString('utf8');
}

/** Up to 64 KB of an error body as text; a read failure keeps what arrived (the status already tells the story). */
export async function readErrorBody(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let sizeBytes = 0;
  try {
    // Leaving the loop early destroys the body, so an oversized body does not keep the connection busy.
    for await (const chunk of body) {
      chunks.push(chunk);
      sizeBytes += chunk.length;
      if (sizeBytes >= ERROR_BODY_LIMIT_BYTES) break;
    }
  } catch {
    // Partial text is enough for a message.
  }
  return Buffer.concat(chunks).toString('utf8', 0, Math.min(sizeBytes, ERROR_BODY_LIMIT_BYTES));
}

import { convertTransportError, type ErrorContext } from './openai-compatible/error.js';
import type { CancelSignal } from '../spec/index.js';

/** Enough of an error body for its message; the rest is discarded with the connection. */
const ERROR_BODY_LIMIT_BYTES = 64 * 1024;

/** The whole body of a 2xx response as text; a failure while reading is a timeout or an interruption. */
export async function readBodyText(
  body: { text(): Promise<string> },
  context: ErrorContext,
  signal: CancelSignal,
): Promise<string> {
  try {
    return await body.text();
  } catch (error) {
    throw signal.aborted ? signal.reason : convertTransportError(error, 'body', context);
  }
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

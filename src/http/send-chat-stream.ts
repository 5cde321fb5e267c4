import { once } from 'node:events';
import type { FastifyReply } from 'fastify';
import { toGatewayError } from '../errors/index.js';
import type { ChatStream } from '../gateway/chat-service.js';
import { createChunkWriter, DONE_EVENT } from '../gateway/serialize-chunk.js';

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  // Tells nginx-style proxies not to buffer the stream.
  'x-accel-buffering': 'no',
} as const;

const KEEP_ALIVE_EVENT = ': keep-alive\n\n';

export interface SendChatStreamOptions {
  readonly id: string;
  readonly requestedModel: string;
  /** Silence after which a `: keep-alive` comment is written. */
  readonly keepAliveMs: number;
  readonly signal: AbortSignal;
}

/**
 * Writes a chat stream as SSE. Nothing is written until the route commits, so a failure before the first
 * token still gets a proper JSON error status (thrown to the error handler). Only when the wait exceeds
 * `keepAliveMs` are the headers sent early, with a keep-alive comment; a later failure then arrives as an
 * SSE error event, the only way left to report it.
 */
export async function sendChatStream(
  reply: FastifyReply,
  pending: Promise<ChatStream>,
  options: SendChatStreamOptions,
): Promise<void> {
  const raw = reply.raw;
  let headersSent = false;
  let wroteSinceTick = false;
  const start = (headers: Record<string, string>) => {
    reply.hijack();
    raw.writeHead(200, { ...SSE_HEADERS, ...headers });
    headersSent = true;
  };
  const timer = setInterval(() => {
    if (!wroteSinceTick && !raw.destroyed) {
      if (!headersSent) start({ 'x-generation-id': options.id });
      raw.write(KEEP_ALIVE_EVENT);
    }
    wroteSinceTick = false;
  }, options.keepAliveMs);
  try {
    let stream: ChatStream;
    try {
      stream = await pending;
    } catch (thrown) {
      if (options.signal.aborted) {
        if (!headersSent) reply.hijack();
        raw.destroy();
        return;
      }
      if (!headersSent) throw thrown;
      const writer = createChunkWriter({
        id: options.id,
        created: Math.floor(Date.now() / 1000),
        model: options.requestedModel,
        provider: '',
      });
      raw.end(writer.error(toGatewayError(thrown)) + DONE_EVENT);
      return;
    }
    if (!headersSent) start(stream.headers);
    for await (const event of stream.events) {
      wroteSinceTick = true;
      if (!raw.write(event)) await once(raw, 'drain', { signal: options.signal });
    }
    raw.end();
  } catch (thrown) {
    if (!headersSent) throw thrown;
    raw.destroy();
  } finally {
    clearInterval(timer);
  }
}

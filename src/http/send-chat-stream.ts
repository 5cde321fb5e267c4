import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import { toGatewayError } from '../errors/index.js';
import type { ChatStream } from '../gateway/chat-service.js';
import type { StreamFormat } from '../gateway/stream-events.js';
import type { KeepAliveEntry, KeepAliveTicker } from './keep-alive-ticker.js';
import type { CancelSignal } from '../spec/index.js';

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  // Tells nginx-style proxies not to buffer the stream.
  'x-accel-buffering': 'no',
} as const;

/** Before the stream started, every format gets a comment: an event could not precede the format's opening. */
const KEEP_ALIVE_COMMENT = ': keep-alive\n\n';

export interface SendChatStreamOptions {
  readonly id: string;
  readonly requestedModel: string;
  readonly keepAlive: KeepAliveTicker;
  readonly signal: CancelSignal;
  /** The wire format of the events (chat-completion chunks, Anthropic events). */
  readonly format: StreamFormat;
}

/** Resolves when `raw` drains; rejects with the signal's reason when the client goes away first. */
function drained(raw: ServerResponse, signal: CancelSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    const onAbort = () => {
      raw.removeListener('drain', onDrain);
      reject(signal.reason);
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    raw.once('drain', onDrain);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Writes a chat stream as SSE in `options.format`. Nothing is written until the route commits, so a failure before the first
 * token still gets a proper JSON error status (thrown to the error handler). Only when the wait outlasts the
 * keep-alive period are the headers sent early, with a keep-alive comment; a later failure then arrives as
 * an SSE error event, the only way left to report it.
 *
 * Events that become ready in the same tick (one upstream read often carries many tokens) are joined and
 * leave in one write: relayed as they arrive, without a socket write per token.
 */
export async function sendChatStream(
  reply: FastifyReply,
  pending: Promise<ChatStream>,
  options: SendChatStreamOptions,
): Promise<void> {
  const raw = reply.raw;
  const { format } = options;
  let headersSent = false;
  let started = false;
  let batch = '';
  let flushScheduled = false;
  const start = (headers: Record<string, string>) => {
    reply.hijack();
    raw.writeHead(200, { ...SSE_HEADERS, ...headers });
    headersSent = true;
  };
  const flush = () => {
    flushScheduled = false;
    if (batch === '' || raw.destroyed) return;
    const text = batch;
    batch = '';
    raw.write(text);
  };
  // Starts as "wrote": the first tick only clears it, so a comment (which commits the 200 status) never
  // comes before one full period of silence.
  const keepAlive: KeepAliveEntry = {
    wroteSinceTick: true,
    onSilence: () => {
      if (raw.destroyed) return;
      if (!headersSent) start({ 'x-generation-id': options.id });
      raw.write(started ? format.keepAliveEvent : KEEP_ALIVE_COMMENT);
    },
  };
  options.keepAlive.add(keepAlive);
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
      const identity = {
        id: options.id,
        created: Math.floor(Date.now() / 1000),
        model: options.requestedModel,
        provider: '',
      };
      raw.end(format.failureBody(toGatewayError(thrown), identity));
      return;
    }
    if (!headersSent) start(stream.headers);
    started = true;
    await stream.pipe(format.createEncoder(stream.identity), (event) => {
      keepAlive.wroteSinceTick = true;
      batch += event;
      if (!flushScheduled) {
        flushScheduled = true;
        // Runs once the microtasks queued by this upstream read have all run: one write per read.
        process.nextTick(flush);
      }
      // Asked at each event rather than remembered from the write that returned false: a write the kernel
      // took at once has drained before the next event, and its 'drain' will not come again.
      if (!raw.writableNeedDrain) return undefined;
      return drained(raw, options.signal);
    });
    // The last events (usage, `[DONE]`) leave with the end of the response: one write instead of two.
    const rest = batch;
    batch = '';
    if (rest === '' || raw.destroyed) raw.end();
    else raw.end(rest);
  } catch (thrown) {
    if (!headersSent) throw thrown;
    raw.destroy();
  } finally {
    options.keepAlive.delete(keepAlive);
  }
}

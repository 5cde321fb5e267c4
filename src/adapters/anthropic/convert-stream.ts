import type { CancelSignal, StreamPart } from '../../spec/index.js';
import {
  convertTransportError,
  createInvalidResponseError,
  type ErrorContext,
} from '../openai-compatible/error.js';
import { convertResultToParts, type OpenedStream } from '../openai-compatible/convert-stream.js';
import { SseParser } from '../sse-parser.js';
import { StreamEventConverter } from './stream-event-converter.js';

export type { OpenedStream } from '../openai-compatible/convert-stream.js';

/**
 * Canonical parts from an Anthropic Messages SSE body (opened by `open` on the first `next`), as they arrive;
 * StreamEventConverter decides what each event yields. When `open` found one JSON message instead of a stream
 * (a proxy that ignored `stream`), its parts are yielded instead.
 *
 * Throws GatewayError: the error of an `error` event; `invalid_response` for an empty stream or data that is not
 * JSON; `interrupted` (retryable) when the body ends before `message_stop` without a stop reason, or breaks;
 * `timeout` when the upstream goes silent for `idleMs`. When `signal` aborts, its reason is rethrown as is. The
 * body is destroyed when iteration stops early or fails; after `message_stop` the rest is drained in the
 * background so the keep-alive connection returns to its pool.
 */
export async function* convertStream(
  open: () => Promise<OpenedStream>,
  context: ErrorContext,
  signal: CancelSignal,
  options: { readonly includeReasoning: boolean },
): AsyncGenerator<StreamPart, void, undefined> {
  const opened = await open();
  if (opened.kind === 'result') {
    yield* convertResultToParts(opened.result);
    return;
  }
  const { body } = opened;
  const converter = new StreamEventConverter(context, options.includeReasoning);
  const parser = new SseParser({ tooLarge: (detail) => createInvalidResponseError(detail, context) });
  let isReleased = false;
  try {
    for (;;) {
      let batch: Buffer[] | null;
      try {
        batch = await body.next();
      } catch (error) {
        isReleased = true;
        throw signal.aborted ? signal.reason : convertTransportError(error, 'body', context);
      }
      if (batch === null) isReleased = true;
      for (const event of batch === null ? parser.end() : parser.pushBatch(batch)) {
        const parts = converter.convert(event);
        if (converter.isStopped) {
          // Whatever follows `message_stop` is read without making the consumer wait, so undici can reuse the
          // connection.
          if (!isReleased) body.discardRest();
          isReleased = true;
          yield* parts;
          return;
        }
        yield* parts;
      }
      if (batch === null) {
        yield* converter.end();
        return;
      }
    }
  } finally {
    if (!isReleased) body.destroy();
  }
}

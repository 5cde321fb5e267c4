import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { CancelSignal } from '../spec/index.js';

/** Pulls a response body in batches: each call returns every chunk that arrived since the previous one. */
export interface ChunkReader {
  /** Waits for at least one chunk; null once the body ended. Rejects with the transfer's error. */
  next(): Promise<Buffer[] | null>;
  /** Reads the rest of the body and throws it away, so the connection can return to its pool. */
  discardRest(): void;
  /** Stops the transfer. */
  destroy(error?: Error): void;
}

/** Above this many unread bytes the upstream is paused until the consumer catches up. */
const HIGH_WATER_BYTES = 64 * 1024;

/**
 * The body of a dispatched response, fed straight from undici's handler callbacks: no Readable stream in
 * between. Read it in batches (`next`) or chunk by chunk (async iteration).
 */
export class DispatchedBody implements ChunkReader, AsyncIterable<Buffer> {
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private ended = false;
  private discarding = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  private controller: Dispatcher.DispatchController | null = null;
  /** Whether we paused the transfer (undici may push more chunks after pause, and during resume). */
  private isPaused = false;

  /** @internal */ attach(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
  }

  /** @internal */ push(chunk: Buffer): void {
    if (this.discarding) return;
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    if (this.queuedBytes > HIGH_WATER_BYTES && !this.isPaused) {
      this.isPaused = true;
      this.controller?.pause();
    }
    this.notify();
  }

  /** @internal */ end(): void {
    this.ended = true;
    this.notify();
  }

  /** @internal */ fail(error: Error): void {
    this.failure = error;
    this.notify();
  }

  async next(): Promise<Buffer[] | null> {
    while (this.queue.length === 0 && !this.ended && this.failure === null) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    if (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      this.queuedBytes = 0;
      // resume() can push the next chunks at once (and pause again): the count is reset before, not after.
      this.resumeTransfer();
      return batch;
    }
    if (this.failure !== null) throw this.failure;
    return null;
  }

  discardRest(): void {
    this.discarding = true;
    this.queue = [];
    this.queuedBytes = 0;
    this.resumeTransfer();
  }

  /** Stops the transfer; the connection is closed rather than reused. */
  destroy(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    if (this.controller !== null && !this.controller.aborted) {
      this.controller.abort(error ?? new Error('response body discarded'));
    }
    this.notify();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    let finished = false;
    try {
      for (let batch = await this.next(); batch !== null; batch = await this.next()) yield* batch;
      finished = true;
    } finally {
      if (!finished) this.destroy();
    }
  }

  private resumeTransfer(): void {
    if (!this.isPaused) return;
    this.isPaused = false;
    this.controller?.resume();
  }

  private notify(): void {
    const waiting = this.wake;
    this.wake = null;
    waiting?.();
  }
}

export interface DispatchedResponse {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: DispatchedBody;
}

/**
 * Sends a request with undici's handler API and resolves at the response headers. Cheaper per chunk than
 * `request()`, whose body is a Readable stream: the streaming hot path reads the chunks from the callbacks.
 * Rejects with the signal's reason on abort, or with undici's error (connect, headers timeout, ...).
 */
export function dispatchRequest(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  signal: CancelSignal,
): Promise<DispatchedResponse> {
  return new Promise((resolve, reject) => {
    const body = new DispatchedBody();
    /** The promise is resolved or rejected; later failures go to the body. */
    let settled = false;
    let controller: Dispatcher.DispatchController | null = null;
    const onAbort = () => {
      const reason = signal.reason;
      if (controller !== null && !controller.aborted) controller.abort(reason);
      if (!settled) {
        settled = true;
        reject(reason);
      } else body.fail(reason);
    };
    const cleanup = () => signal.removeEventListener('abort', onAbort);
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(dispatchController) {
        controller = dispatchController;
        body.attach(dispatchController);
        if (signal.aborted) dispatchController.abort(signal.reason);
      },
      onResponseStart(_controller, statusCode, headers) {
        // 1xx informational answers precede the real one.
        if (statusCode < 200) return;
        settled = true;
        resolve({ statusCode, headers, body });
      },
      onResponseData(_controller, chunk) {
        body.push(chunk);
      },
      onResponseEnd() {
        cleanup();
        body.end();
      },
      onResponseError(_controller, error) {
        cleanup();
        if (!settled) {
          settled = true;
          reject(error);
        } else body.fail(error);
      },
    };
    dispatcher.dispatch(options, handler);
  });
}

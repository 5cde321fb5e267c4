import { GatewayError } from '../errors/index.js';
import type { CancelSignal } from '../spec/index.js';

export interface RequestQueueSettings {
  readonly maxConcurrent: number;
  readonly maxWaiting: number;
  readonly timeoutMs: number;
  /** Told about every refusal (for the metrics). */
  readonly onReject?: (reason: 'queue_full' | 'request_queue_timeout') => void;
  /** Told how long each admitted request waited for its slot, ms (0 when a slot was free). */
  readonly onAdmit?: (waitedMs: number) => void;
  /** Clock for the wait; default `Date.now`. */
  readonly now?: () => number;
}

/** Gives the slot back; safe to call more than once. */
export type ReleaseSlot = () => void;

interface Waiter {
  grant: (release: ReleaseSlot) => void;
  queuedAt: number;
  reject: (error: GatewayError) => void;
  timer: NodeJS.Timeout | null;
  signal: CancelSignal;
  onAbort: () => void;
}

export interface RequestQueue {
  /**
   * A slot for one request: at once while fewer than `maxConcurrent` run, else after waiting in FIFO order.
   * Rejects with 429 `gateway_overloaded` when the queue is full or the wait times out, and with the signal's
   * reason when the client leaves while waiting (it leaves the queue at once).
   */
  acquire(signal: CancelSignal): Promise<ReleaseSlot> | ReleaseSlot;
  readonly running: number;
  readonly waiting: number;
}

function overloaded(reason: 'queue_full' | 'request_queue_timeout', message: string): GatewayError {
  return new GatewayError('gateway_overloaded', message, {
    metadata: { reason, error_type: 'gateway_overloaded' },
    retryAfterMs: 1000,
  });
}

/**
 * The admission queue of one gateway process (`MAX_CONCURRENT_REQUESTS`, `REQUEST_QUEUE_MAX_WAITING_REQUESTS`,
 * `REQUEST_QUEUE_TIMEOUT_SECONDS`). `acquire` returns the release function directly when a slot is free, so
 * the common case costs no promise.
 */
export function createRequestQueue(settings: RequestQueueSettings): RequestQueue {
  let running = 0;
  const waiters: Waiter[] = [];
  const now = settings.now ?? Date.now;

  const makeRelease = (): ReleaseSlot => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The slot passes straight to the first waiter: `running` does not drop, so nobody can jump the queue.
      const next = waiters.shift();
      if (next === undefined) {
        running -= 1;
        return;
      }
      if (next.timer !== null) clearTimeout(next.timer);
      next.signal.removeEventListener('abort', next.onAbort);
      settings.onAdmit?.(now() - next.queuedAt);
      next.grant(makeRelease());
    };
  };

  return {
    get running() {
      return running;
    },
    get waiting() {
      return waiters.length;
    },
    acquire(signal) {
      if (running < settings.maxConcurrent && waiters.length === 0) {
        running += 1;
        settings.onAdmit?.(0);
        return makeRelease();
      }
      if (waiters.length >= settings.maxWaiting) {
        settings.onReject?.('queue_full');
        return Promise.reject(
          overloaded(
            'queue_full',
            `The gateway is at capacity (${settings.maxConcurrent} requests running, ${waiters.length} waiting). Retry shortly.`,
          ),
        );
      }
      return new Promise<ReleaseSlot>((resolve, reject) => {
        const waiter: Waiter = {
          grant: resolve,
          queuedAt: now(),
          reject,
          timer: null,
          signal,
          onAbort: () => {
            remove();
            reject(signal.reason);
          },
        };
        const remove = () => {
          const index = waiters.indexOf(waiter);
          if (index !== -1) waiters.splice(index, 1);
          if (waiter.timer !== null) clearTimeout(waiter.timer);
          signal.removeEventListener('abort', waiter.onAbort);
        };
        if (signal.aborted) {
          reject(signal.reason);
          return;
        }
        waiter.timer = setTimeout(() => {
          remove();
          settings.onReject?.('request_queue_timeout');
          reject(
            overloaded(
              'request_queue_timeout',
              `The gateway is busy: no slot freed within ${settings.timeoutMs} ms. Retry shortly.`,
            ),
          );
        }, settings.timeoutMs);
        signal.addEventListener('abort', waiter.onAbort, { once: true });
        waiters.push(waiter);
      });
    },
  };
}

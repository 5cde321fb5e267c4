/** A place in the queue: created, waiting, running, then released. */
export interface QueueTicket {
  /** Joins the queue; `onStart` runs synchronously when a slot is free, else when one frees up. */
  enqueue(): void;
  /** Frees the slot (running) or leaves the queue (waiting); safe to call more than once. */
  release(): void;
}

/** vLLM-style admission: up to `maxConcurrency` running, the rest wait first-in first-out. */
export interface RequestQueue {
  readonly running: number;
  readonly waiting: number;
  /**
   * Creates a ticket for `onStart`. Creating and enqueueing are separate steps so the caller holds the
   * ticket before `onStart` runs (it may finish and release within that call).
   */
  createTicket(onStart: () => void): QueueTicket;
  /** Requests the queue would admit at once; 0 = unlimited. */
  readonly maxConcurrency: number;
}

interface Entry {
  state: 'created' | 'waiting' | 'running' | 'released';
  onStart: () => void;
}

/** Creates a FIFO admission queue; `maxConcurrency` 0 means no limit (nothing ever waits). */
export function createRequestQueue(maxConcurrency: number): RequestQueue {
  const waitingEntries: Entry[] = [];
  let running = 0;

  const start = (entry: Entry): void => {
    entry.state = 'running';
    running += 1;
    entry.onStart();
  };
  const admitNext = (): void => {
    while (waitingEntries.length > 0 && (maxConcurrency === 0 || running < maxConcurrency)) {
      const next = waitingEntries.shift();
      if (next !== undefined) start(next);
    }
  };

  return {
    get running() {
      return running;
    },
    get waiting() {
      return waitingEntries.length;
    },
    maxConcurrency,
    createTicket(onStart) {
      const entry: Entry = { state: 'created', onStart };
      return {
        enqueue() {
          if (entry.state !== 'created') return;
          entry.state = 'waiting';
          if (maxConcurrency === 0 || running < maxConcurrency) start(entry);
          else waitingEntries.push(entry);
        },
        release() {
          if (entry.state === 'waiting') {
            waitingEntries.splice(waitingEntries.indexOf(entry), 1);
          } else if (entry.state === 'running') {
            running -= 1;
            entry.state = 'released';
            admitNext();
          }
          entry.state = 'released';
        },
      };
    },
  };
}

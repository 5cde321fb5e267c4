/** A stream waiting on its upstream: `onSilence` runs when nothing was written for a whole period. */
export interface KeepAliveEntry {
  /** Set by the writer each time it writes; cleared by the ticker. */
  wroteSinceTick: boolean;
  readonly onSilence: () => void;
}

export interface KeepAliveTicker {
  add(entry: KeepAliveEntry): void;
  delete(entry: KeepAliveEntry): void;
}

/**
 * One interval for all open streams instead of a timer per stream: a stream costs a Set entry, and the
 * interval only runs while some stream is open. A silent stream gets its comment within 1–2 periods.
 */
export function createKeepAliveTicker(periodMs: number): KeepAliveTicker {
  const entries = new Set<KeepAliveEntry>();
  let timer: NodeJS.Timeout | null = null;
  const tick = () => {
    for (const entry of entries) {
      if (!entry.wroteSinceTick) entry.onSilence();
      entry.wroteSinceTick = false;
    }
  };
  return {
    add(entry) {
      entries.add(entry);
      if (timer === null) {
        timer = setInterval(tick, periodMs);
        timer.unref();
      }
    },
    delete(entry) {
      entries.delete(entry);
      if (entries.size === 0 && timer !== null) {
        clearInterval(timer);
        timer = null;
      }
    },
  };
}

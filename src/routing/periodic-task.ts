/** A round of background work (health checks, scrapes, state sync) run now or every `intervalMs`. */
export interface PeriodicTask {
  /** Runs a round now, or joins the one already running; resolves when it is over. */
  readonly runNow: () => Promise<void>;
  /** Starts the timer (a first round at once); no-op when `intervalMs` <= 0 or already started. */
  readonly start: () => void;
  readonly stop: () => void;
}

/**
 * Runs `round` every `intervalMs`, never two at once (a slow round is joined, not stacked). The timer does
 * not keep the process alive, and a failing round is the round's own business: it must not throw.
 */
export function createPeriodicTask(
  round: () => Promise<void>,
  intervalMs: number,
  options: { readonly runAtStart?: boolean } = {},
): PeriodicTask {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  const runNow = (): Promise<void> => {
    running ??= round().finally(() => {
      running = null;
    });
    return running;
  };
  return {
    runNow,
    start: () => {
      if (intervalMs <= 0 || timer !== null) return;
      if (options.runAtStart ?? true) void runNow();
      timer = setInterval(() => void runNow(), intervalMs);
      timer.unref();
    },
    stop: () => {
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
}

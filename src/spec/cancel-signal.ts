/**
 * What the request path reads of a cancellation: the subset of `AbortSignal` it uses, so a real AbortSignal
 * fits (tests, callers outside the hot path) and so does the gateway's cheaper CancelController signal.
 * Listeners run at most once: a signal aborts once.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  /**
   * Why it aborted: the gateway aborts with Errors only. Read it once `aborted` is true; before, it is
   * undefined at run time (AbortSignal types it `any` for the same reason).
   */
  readonly reason: Error;
  addEventListener(type: 'abort', listener: () => void, options?: { readonly once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

import { parseDurationMs, type ResponseHeaders } from './retry-after.js';

/** When an upstream says nothing about its reset, a minute is the common window of its quotas. */
const DEFAULT_RESET_MS = 60_000;

function header(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? (value[0] as string | undefined) : (value as string | undefined);
}

/**
 * A successful answer that spent the upstream's last request or token of its window
 * (`x-ratelimit-remaining-requests: 0` or `x-ratelimit-remaining-tokens: 0`): how long until it resets, from
 * the matching `x-ratelimit-reset-*` header (`7.66s`, `2m59s`, seconds), else a minute. null when the upstream
 * has quota left or does not say.
 */
export function quotaExhaustedForMs(headers: ResponseHeaders): number | null {
  let waitMs: number | null = null;
  for (const kind of ['requests', 'tokens'] as const) {
    if (header(headers, `x-ratelimit-remaining-${kind}`)?.trim() !== '0') continue;
    const reset = parseDurationMs(header(headers, `x-ratelimit-reset-${kind}`));
    waitMs = Math.max(waitMs ?? 0, reset ?? DEFAULT_RESET_MS);
  }
  return waitMs;
}

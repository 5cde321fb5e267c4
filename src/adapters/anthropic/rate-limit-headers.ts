import { quotaExhaustedForMs } from '../quota-exhausted.js';
import type { ResponseHeaders } from '../retry-after.js';

/** The limits Anthropic reports, each as `anthropic-ratelimit-<kind>-remaining` and `-reset`. */
const LIMIT_KINDS = ['requests', 'tokens', 'input-tokens', 'output-tokens'] as const;
/** Anthropic's limits replenish continuously; a minute is the window they are stated in. */
const DEFAULT_RESET_MS = 60_000;

function header(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return (typeof value === 'string' ? value : value?.[0])?.trim();
}

/**
 * How long until the Anthropic limit that ran out resets, in ms: for every `anthropic-ratelimit-<kind>-remaining:
 * 0` (kinds `requests`, `tokens`, `input-tokens`, `output-tokens`), the time until its `-reset` header (an RFC
 * 3339 date), else a minute; the longest wins. Null when no Anthropic limit is at 0. `nowMs` is the current epoch
 * time in ms, injected so tests control the clock.
 */
export function anthropicLimitResetMs(headers: ResponseHeaders, nowMs: number): number | null {
  let waitMs: number | null = null;
  for (const kind of LIMIT_KINDS) {
    if (header(headers, `anthropic-ratelimit-${kind}-remaining`) !== '0') continue;
    const resetAtMs = Date.parse(header(headers, `anthropic-ratelimit-${kind}-reset`) ?? '');
    const resetMs = Number.isNaN(resetAtMs) ? DEFAULT_RESET_MS : Math.max(0, Math.ceil(resetAtMs - nowMs));
    waitMs = Math.max(waitMs ?? 0, resetMs);
  }
  return waitMs;
}

/**
 * For `onQuotaExhausted`: the ms until the spent quota of a successful answer resets, from Anthropic's own
 * headers or, behind an Anthropic-compatible proxy, the `x-ratelimit-*` ones; null when quota is left.
 */
export function exhaustedQuotaResetMs(headers: ResponseHeaders, nowMs: number): number | null {
  const anthropicMs = anthropicLimitResetMs(headers, nowMs);
  const genericMs = quotaExhaustedForMs(headers);
  if (anthropicMs === null) return genericMs;
  return genericMs === null ? anthropicMs : Math.max(anthropicMs, genericMs);
}

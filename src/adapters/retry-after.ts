/** Response headers as undici and node:http deliver them: lower-case names. */
export type ResponseHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** `7.66s`, `2m59s`, `1h2m3.5s`, `120ms`: the Go-style durations OpenAI, Groq and others send. */
const DURATION_PATTERN =
  /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+(?:\.\d+)?)ms)?$/;
const PLAIN_NUMBER_PATTERN = /^\d+(?:\.\d+)?$/;
/** Values this large are absolute times, not durations: epoch milliseconds, then epoch seconds. */
const EPOCH_MILLISECONDS_FLOOR = 1e12;
const EPOCH_SECONDS_FLOOR = 1e9;

/**
 * How long an upstream asked us to wait, in ms, from its response headers; null when it did not say.
 *
 * Reads, in order: `retry-after-ms` (OpenAI), `retry-after` (delay in seconds or an HTTP date),
 * `x-ratelimit-reset-requests` / `x-ratelimit-reset-tokens` (durations such as `7.66s`, `2m59s`, `120ms`; the
 * one whose `x-ratelimit-remaining-*` is `0` wins, else the longer one), then `x-ratelimit-reset` (a duration,
 * or an epoch time in s or ms as OpenRouter sends it). Dates in the past give 0. `nowMs` is the current epoch
 * time in ms, injected so callers and tests control the clock.
 */
export function parseRetryAfterMs(headers: ResponseHeaders, nowMs: number): number | null {
  const retryAfterMs = parsePlainNumber(headerValue(headers, 'retry-after-ms'));
  if (retryAfterMs !== null) return Math.ceil(retryAfterMs);
  const retryAfter = parseRetryAfterHeader(headerValue(headers, 'retry-after'), nowMs);
  if (retryAfter !== null) return retryAfter;
  const resetRequestsMs = parseDurationMs(headerValue(headers, 'x-ratelimit-reset-requests'));
  const resetTokensMs = parseDurationMs(headerValue(headers, 'x-ratelimit-reset-tokens'));
  if (resetRequestsMs !== null || resetTokensMs !== null) {
    const requestsExhausted = headerValue(headers, 'x-ratelimit-remaining-requests') === '0';
    const tokensExhausted = headerValue(headers, 'x-ratelimit-remaining-tokens') === '0';
    if (requestsExhausted !== tokensExhausted) {
      const binding = requestsExhausted ? resetRequestsMs : resetTokensMs;
      if (binding !== null) return binding;
    }
    return Math.max(resetRequestsMs ?? 0, resetTokensMs ?? 0);
  }
  return parseResetHeader(headerValue(headers, 'x-ratelimit-reset'), nowMs);
}

/** A Go-style duration or a plain number of seconds, in whole ms (rounded up); null when unparseable. */
export function parseDurationMs(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  const seconds = parsePlainNumber(value);
  if (seconds !== null) return Math.ceil(seconds * 1000);
  const match = DURATION_PATTERN.exec(value);
  if (match === null) return null;
  const [, hours, minutes, secondsPart, milliseconds] = match;
  const totalMs =
    Number(hours ?? 0) * 3_600_000 +
    Number(minutes ?? 0) * 60_000 +
    Number(secondsPart ?? 0) * 1000 +
    Number(milliseconds ?? 0);
  return Math.ceil(totalMs);
}

function parseRetryAfterHeader(value: string | undefined, nowMs: number): number | null {
  if (value === undefined || value === '') return null;
  const seconds = parsePlainNumber(value);
  if (seconds !== null) return Math.ceil(seconds * 1000);
  const dateMs = Date.parse(value);
  return Number.isNaN(dateMs) ? null : Math.max(0, dateMs - nowMs);
}

function parseResetHeader(value: string | undefined, nowMs: number): number | null {
  if (value === undefined || value === '') return null;
  const number = parsePlainNumber(value);
  if (number === null) return parseDurationMs(value);
  if (number >= EPOCH_MILLISECONDS_FLOOR) return Math.max(0, Math.ceil(number - nowMs));
  if (number >= EPOCH_SECONDS_FLOOR) return Math.max(0, Math.ceil(number * 1000 - nowMs));
  return Math.ceil(number * 1000);
}

function parsePlainNumber(value: string | undefined): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  return PLAIN_NUMBER_PATTERN.test(trimmed) ? Number(trimmed) : null;
}

function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return (typeof value === 'string' ? value : value[0])?.trim();
}

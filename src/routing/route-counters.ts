// Per-route usage counters (FreeRouter's /v1/providers/status figures), kept beside the route's health.

/** Usage counters of one route, FreeRouter's `/v1/providers/status` figures. */
export interface RouteCounters {
  totalEvents: number;
  successes: number;
  failures: number;
  rateLimits: number;
  timeouts: number;
  notFound: number;
  promptTokens: number;
  completionTokens: number;
  lastUsedAt: number | null;
  lastStatusCode: number | null;
  /** UTC day (days since epoch) and minute (minutes since epoch) the `…Today` / `…ThisMinute` counts are for. */
  day: number;
  requestsToday: number;
  tokensToday: number;
  minute: number;
  requestsThisMinute: number;
}

export function emptyCounters(): RouteCounters {
  return {
    totalEvents: 0,
    successes: 0,
    failures: 0,
    rateLimits: 0,
    timeouts: 0,
    notFound: 0,
    promptTokens: 0,
    completionTokens: 0,
    lastUsedAt: null,
    lastStatusCode: null,
    day: 0,
    requestsToday: 0,
    tokensToday: 0,
    minute: 0,
    requestsThisMinute: 0,
  };
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** Rolls the day and minute counts over when their period is past. */
export function rollPeriods(counters: RouteCounters, now: number): void {
  const day = Math.floor(now / DAY_MS);
  if (counters.day !== day) {
    counters.day = day;
    counters.requestsToday = 0;
    counters.tokensToday = 0;
  }
  const minute = Math.floor(now / MINUTE_MS);
  if (counters.minute !== minute) {
    counters.minute = minute;
    counters.requestsThisMinute = 0;
  }
}

/** A copy with the day and minute counts as of `now` (zero once their period is past). */
export function periodCounters(counters: RouteCounters, now: number): RouteCounters {
  const copy = { ...counters };
  rollPeriods(copy, now);
  return copy;
}

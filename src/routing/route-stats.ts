/** Load a local worker reports on its own `/metrics` (vLLM or SGLang gauges), as last scraped. */
export interface WorkerLoad {
  /** Requests queued in the worker, not yet running (`vllm:num_requests_waiting`). */
  readonly waiting: number;
  /** Requests the worker is running now (`vllm:num_requests_running`). */
  readonly running: number;
  /** KV-cache use 0..1 (`vllm:kv_cache_usage_perc`), null when the worker does not report it. */
  readonly kvCacheUsage: number | null;
  /** Clock time (ms) of the scrape. */
  readonly scrapedAt: number;
  /** The gateway's own in-flight count on the route at the moment of the scrape. */
  readonly inFlightAtScrape: number;
}

/** What the gateway has observed about one route; strategies read it, never write it. */
export interface RouteStats {
  /** Attempts on this route running now in this gateway (a stream counts until it ends). */
  readonly inFlight: number;
  /** EWMA of the total duration of successful non-stream attempts, ms; null before the first. */
  readonly ewmaLatencyMs: number | null;
  /** EWMA of the time to first token of successful attempts (non-stream: the full answer), ms. */
  readonly ewmaTtftMs: number | null;
  /** EWMA of completion tokens per second after the first token; null when unknown. */
  readonly ewmaTokensPerSecond: number | null;
  /** Successful attempts observed. */
  readonly successes: number;
  /** Last scrape of the worker's metrics; null for routes that are not scraped or before the first scrape. */
  readonly worker: WorkerLoad | null;
}

export const EMPTY_ROUTE_STATS: RouteStats = {
  inFlight: 0,
  ewmaLatencyMs: null,
  ewmaTtftMs: null,
  ewmaTokensPerSecond: null,
  successes: 0,
  worker: null,
};

/** What latency-ranked choices compare: the EWMA time to first token, else the whole call; null when unmeasured. */
export function observedLatencyMs(stats: RouteStats): number | null {
  return stats.ewmaTtftMs ?? stats.ewmaLatencyMs;
}

/**
 * What `/stats` aggregates: the request log's rows in a time range, in one group or one group per value of a
 * column. Both stores compute it in SQL (`stats-sql.ts`); the definitions here are the contract they share.
 */

/** The column a `StatsQuery` groups by: `model` → `model_id`, `provider`, `route` → `route_id`, `key` → `api_key_id`. */
export type StatsGroupBy = 'model' | 'provider' | 'route' | 'key';

export const STATS_GROUP_BY_VALUES: readonly StatsGroupBy[] = ['model', 'provider', 'route', 'key'];

/** The quantiles of latency and TTFT every group reports, in this order. */
export const STATS_QUANTILES = [0.5, 0.95, 0.99] as const;

/** Which rows `stats` aggregates and how it groups them. */
export interface StatsQuery {
  /** Rows whose timestamp is at or after this, ms since the epoch. */
  readonly sinceMs: number;
  /** Rows whose timestamp is before this (exclusive), ms since the epoch. */
  readonly untilMs: number;
  /** One group per distinct value of that column; null: one group of every row (even when there are none). */
  readonly groupBy: StatsGroupBy | null;
}

/**
 * Nearest-rank percentiles (the smallest value with at least that share of the values at or below it:
 * `sorted[ceil(q × n) − 1]`, PostgreSQL's `percentile_disc`), in whole ms. Rows where the value is null (no
 * first token: a non-stream or failed request) are left out; null when no row has one.
 */
export interface StatsPercentiles {
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
}

/** The aggregates of one group. Sums of an empty or all-null column are 0. */
export interface StatsGroup {
  /**
   * The group's value of the grouped column: a model id, a provider (`''` for requests no provider served),
   * a route id or an API key id (null for requests no route served, or made without a key). Null for the
   * one group of an ungrouped query.
   */
  readonly key: string | null;
  readonly requests: number;
  /** Requests that failed: status 400 or above, or an error type set (an interrupted stream, a cancel). */
  readonly errors: number;
  /** `errors` by error type; a failed row without one counts as `unknown`. */
  readonly errorsByType: Readonly<Record<string, number>>;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly reasoningTokens: number;
  /** Prompt tokens read from a provider cache (`cache_read_tokens`). */
  readonly cachedTokens: number;
  readonly totalTokens: number;
  readonly costUsd: number;
  readonly latencyMs: StatsPercentiles;
  readonly ttftMs: StatsPercentiles;
  /** Requests served by a local (`is_local`) or a remote route; requests no route served are in neither. */
  readonly localRequests: number;
  readonly remoteRequests: number;
  /** `total_tokens` of those requests. */
  readonly localTokens: number;
  readonly remoteTokens: number;
  readonly streams: number;
  readonly fallbacks: number;
  readonly cancelled: number;
  readonly interrupted: number;
}

/** Groups in the order `stats` returns them: most requests first, then by key (null last). */
export function compareStatsGroups(left: StatsGroup, right: StatsGroup): number {
  if (left.requests !== right.requests) return right.requests - left.requests;
  if (left.key === right.key) return 0;
  if (left.key === null) return 1;
  if (right.key === null) return -1;
  return left.key < right.key ? -1 : 1;
}

import {
  compareStatsGroups,
  type StatsGroup,
  type StatsGroupBy,
  type StatsPercentiles,
  type StatsQuery,
} from './request-log-stats.js';

/** What differs between SQLite and PostgreSQL in the statements of `statsStatements`. */
export interface StatsDialect {
  /** The placeholder of the `position`th parameter (from 1): `?` or `$n`. */
  readonly placeholder: (position: number) => string;
  /** The stored timestamp value of a time in ms. */
  readonly encodeTimestamp: (ms: number) => string;
  /**
   * An aggregate expression giving the `STATS_QUANTILES` nearest-rank percentiles of `column` (nulls left
   * out), as an array or its JSON text, or null/`[]` when no row has a value.
   */
  readonly percentiles: (column: string) => string;
}

/** A SELECT and its parameters (the range's two ends); each row carries `group_key`. */
export interface StatsStatement {
  readonly sql: string;
  readonly values: readonly string[];
}

export interface StatsStatements {
  /** One row per group: counts, sums and percentiles. */
  readonly summary: StatsStatement;
  /** One row per group and error type of the failed rows: `error_kind`, `count`. */
  readonly errors: StatsStatement;
}

const GROUP_COLUMNS: Readonly<Record<StatsGroupBy, string>> = {
  model: 'model_id',
  provider: 'provider',
  route: 'route_id',
  key: 'api_key_id',
};

/** A failed request, as the `logs` command's `--status error` counts it (see `recentLogSql`). */
const FAILED = '(status_code >= 400 OR error_type IS NOT NULL)';
const ERROR_KIND = "COALESCE(error_type, 'unknown')";

/**
 * The statements of `query`, shared by both stores. Each scans the timestamp range once, through the
 * `api_logs_stats` index that covers every column read, with one GROUP BY; `FILTER` keeps the conditional
 * counts in that one pass, and booleans are tested bare (`WHERE stream`) because SQLite stores them as 0/1
 * and PostgreSQL as BOOLEAN.
 */
export function statsStatements(query: StatsQuery, dialect: StatsDialect): StatsStatements {
  const column = query.groupBy === null ? null : GROUP_COLUMNS[query.groupBy];
  const groupKey = column ?? 'NULL';
  const range = `timestamp >= ${dialect.placeholder(1)} AND timestamp < ${dialect.placeholder(2)}`;
  const values = [dialect.encodeTimestamp(query.sinceMs), dialect.encodeTimestamp(query.untilMs)];
  const summary = `SELECT ${groupKey} AS group_key,
  COUNT(*) AS requests,
  COUNT(*) FILTER (WHERE ${FAILED}) AS errors,
  SUM(prompt_tokens) AS prompt_tokens,
  SUM(completion_tokens) AS completion_tokens,
  SUM(reasoning_tokens) AS reasoning_tokens,
  SUM(cache_read_tokens) AS cached_tokens,
  SUM(total_tokens) AS total_tokens,
  SUM(cost_usd) AS cost_usd,
  COUNT(*) FILTER (WHERE is_local) AS local_requests,
  COUNT(*) FILTER (WHERE NOT is_local) AS remote_requests,
  SUM(total_tokens) FILTER (WHERE is_local) AS local_tokens,
  SUM(total_tokens) FILTER (WHERE NOT is_local) AS remote_tokens,
  COUNT(*) FILTER (WHERE stream) AS streams,
  COUNT(*) FILTER (WHERE fallback) AS fallbacks,
  COUNT(*) FILTER (WHERE cancelled) AS cancelled,
  COUNT(*) FILTER (WHERE interrupted) AS interrupted,
  ${dialect.percentiles('latency_ms')} AS latency_ms,
  ${dialect.percentiles('ttft_ms')} AS ttft_ms
FROM api_logs
WHERE ${range}${column === null ? '' : `\nGROUP BY ${column}`}`;
  const errors = `SELECT ${groupKey} AS group_key, ${ERROR_KIND} AS error_kind, COUNT(*) AS count
FROM api_logs
WHERE ${range} AND ${FAILED}
GROUP BY ${column === null ? '' : `${column}, `}${ERROR_KIND}`;
  return { summary: { sql: summary, values }, errors: { sql: errors, values } };
}

/** A count or sum as either driver gives it (PostgreSQL: BIGINT and NUMERIC as text); null is 0. */
function readNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' || typeof value === 'bigint') return Number(value);
  return 0;
}

function readKey(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'bigint' ? String(value) : null;
}

/** PostgreSQL gives the percentile array; SQLite its JSON text. */
function readPercentiles(value: unknown): StatsPercentiles {
  let values: unknown = value;
  if (typeof value === 'string') {
    try {
      values = JSON.parse(value) as unknown;
    } catch {
      values = null;
    }
  }
  const list = Array.isArray(values) ? (values as unknown[]) : [];
  const at = (index: number) => {
    const item = list[index];
    return item === null || item === undefined ? null : readNumber(item);
  };
  return { p50: at(0), p95: at(1), p99: at(2) };
}

/** The groups of the rows the two statements returned, in `compareStatsGroups` order. */
export function readStatsRows(
  summaryRows: readonly Readonly<Record<string, unknown>>[],
  errorRows: readonly Readonly<Record<string, unknown>>[],
): StatsGroup[] {
  const errorsByKey = new Map<string | null, Record<string, number>>();
  for (const row of errorRows) {
    const key = readKey(row.group_key);
    const byType = errorsByKey.get(key) ?? {};
    byType[readKey(row.error_kind) ?? 'unknown'] = readNumber(row.count);
    errorsByKey.set(key, byType);
  }
  const groups = summaryRows.map((row): StatsGroup => {
    const key = readKey(row.group_key);
    return {
      key,
      requests: readNumber(row.requests),
      errors: readNumber(row.errors),
      errorsByType: errorsByKey.get(key) ?? {},
      promptTokens: readNumber(row.prompt_tokens),
      completionTokens: readNumber(row.completion_tokens),
      reasoningTokens: readNumber(row.reasoning_tokens),
      cachedTokens: readNumber(row.cached_tokens),
      totalTokens: readNumber(row.total_tokens),
      costUsd: readNumber(row.cost_usd),
      latencyMs: readPercentiles(row.latency_ms),
      ttftMs: readPercentiles(row.ttft_ms),
      localRequests: readNumber(row.local_requests),
      remoteRequests: readNumber(row.remote_requests),
      localTokens: readNumber(row.local_tokens),
      remoteTokens: readNumber(row.remote_tokens),
      streams: readNumber(row.streams),
      fallbacks: readNumber(row.fallbacks),
      cancelled: readNumber(row.cancelled),
      interrupted: readNumber(row.interrupted),
    };
  });
  return groups.sort(compareStatsGroups);
}

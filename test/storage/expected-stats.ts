import type { RequestLogEntry } from '../../src/storage/request-log-entry.js';
import type {
  StatsGroup,
  StatsGroupBy,
  StatsPercentiles,
  StatsQuery,
} from '../../src/storage/request-log-stats.js';

/**
 * The stats of `entries` computed here, in plain JS and independently of the stores' SQL: what every store's
 * `stats` must return (the memory store returns exactly this).
 */

/** Nearest rank `sorted[ceil(q·n) − 1]`, by integer arithmetic (no float rounding to trust). */
export function nearestRank(values: readonly number[], percent: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((left, right) => left - right);
  const rank = Math.floor((percent * sorted.length + 99) / 100);
  return sorted[rank - 1] ?? null;
}

function percentilesOf(values: readonly number[]): StatsPercentiles {
  return { p50: nearestRank(values, 50), p95: nearestRank(values, 95), p99: nearestRank(values, 99) };
}

function keyOf(entry: RequestLogEntry, groupBy: StatsGroupBy | null): string | null {
  switch (groupBy) {
    case null:
      return null;
    case 'model':
      return entry.modelId;
    case 'provider':
      return entry.provider;
    case 'route':
      return entry.routeId;
    case 'key':
      return entry.apiKeyId;
  }
}

/** Stored values are whole ms (rounded on insert). */
const whole = (value: number | null): number | null => (value === null ? null : Math.round(value));

function groupOf(key: string | null, rows: readonly RequestLogEntry[]): StatsGroup {
  const sum = (
    pick: (entry: RequestLogEntry) => number | null,
    filter: (entry: RequestLogEntry) => boolean = () => true,
  ) => rows.filter(filter).reduce((total, entry) => total + (pick(entry) ?? 0), 0);
  const count = (filter: (entry: RequestLogEntry) => boolean) => rows.filter(filter).length;
  const failed = rows.filter((entry) => entry.statusCode >= 400 || entry.errorType !== null);
  const errorsByType: Record<string, number> = {};
  for (const entry of failed) {
    const kind = entry.errorType ?? 'unknown';
    errorsByType[kind] = (errorsByType[kind] ?? 0) + 1;
  }
  const present = (values: (number | null)[]) => values.filter((value): value is number => value !== null);
  return {
    key,
    requests: rows.length,
    errors: failed.length,
    errorsByType,
    promptTokens: sum((entry) => entry.promptTokens),
    completionTokens: sum((entry) => entry.completionTokens),
    reasoningTokens: sum((entry) => entry.reasoningTokens),
    cachedTokens: sum((entry) => entry.cachedTokens),
    totalTokens: sum((entry) => entry.totalTokens),
    costUsd: sum((entry) => entry.costUsd),
    latencyMs: percentilesOf(present(rows.map((entry) => whole(entry.latencyMs)))),
    ttftMs: percentilesOf(present(rows.map((entry) => whole(entry.ttftMs)))),
    localRequests: count((entry) => entry.isLocal === true),
    remoteRequests: count((entry) => entry.isLocal === false),
    localTokens: sum(
      (entry) => entry.totalTokens,
      (entry) => entry.isLocal === true,
    ),
    remoteTokens: sum(
      (entry) => entry.totalTokens,
      (entry) => entry.isLocal === false,
    ),
    streams: count((entry) => entry.stream),
    fallbacks: count((entry) => entry.fallback),
    cancelled: count((entry) => entry.cancelled),
    interrupted: count((entry) => entry.interrupted),
  };
}

/** The groups of `entries` for `query`, most requests first, then by key (null last). */
export function expectedStats(entries: Iterable<RequestLogEntry>, query: StatsQuery): StatsGroup[] {
  const inRange = [...entries].filter(
    (entry) => entry.timestamp >= query.sinceMs && entry.timestamp < query.untilMs,
  );
  if (query.groupBy === null) return [groupOf(null, inRange)];
  const byKey = new Map<string | null, RequestLogEntry[]>();
  for (const entry of inRange) {
    const key = keyOf(entry, query.groupBy);
    const rows = byKey.get(key);
    if (rows === undefined) byKey.set(key, [entry]);
    else rows.push(entry);
  }
  return [...byKey]
    .map(([key, rows]) => groupOf(key, rows))
    .sort((left, right) => {
      if (left.requests !== right.requests) return right.requests - left.requests;
      if (left.key === right.key) return 0;
      if (left.key === null) return 1;
      if (right.key === null) return -1;
      return left.key < right.key ? -1 : 1;
    });
}

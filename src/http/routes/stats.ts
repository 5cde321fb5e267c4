import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatewayError } from '../../errors/index.js';
import type { RequestLogStore } from '../../storage/index.js';
import {
  STATS_GROUP_BY_VALUES,
  type StatsGroup,
  type StatsGroupBy,
  type StatsPercentiles,
  type StatsQuery,
} from '../../storage/request-log-stats.js';

export interface StatsRouteOptions {
  /** The request log's store; null when logging is off (`/stats` answers 503). */
  readonly store: Pick<RequestLogStore, 'migrate' | 'stats'> | null;
  /** Writes the rows still queued, so the answer counts every request finished before it was asked. */
  readonly flush: () => Promise<void>;
  readonly now: () => number;
  /** The admin key check (`createAdminGuard`). */
  readonly guard: (request: FastifyRequest) => void;
}

const HOUR_MS = 3_600_000;
/** The named windows `?window=` accepts; the default is `24h`. */
const WINDOWS_MS: Readonly<Record<string, number>> = {
  '1h': HOUR_MS,
  '24h': 24 * HOUR_MS,
  '7d': 168 * HOUR_MS,
};
const DEFAULT_WINDOW = '24h';

type StatsParameters = Partial<Record<'window' | 'group_by' | 'since' | 'until', unknown>>;

/** A 400 naming the query parameter at fault. */
function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}

function isGroupBy(value: string): value is StatsGroupBy {
  return (STATS_GROUP_BY_VALUES as readonly string[]).includes(value);
}

function single(parameters: StatsParameters, name: keyof StatsParameters): string | undefined {
  const value = parameters[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(name, `Pass ${name} once.`);
  return value;
}

/** The latest time a JS Date can hold, in ms. */
const MAX_TIME_MS = 8.64e15;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[zZ]|[+-]\d{2}:?\d{2})?)?$/;

/** Epoch ms (digits) or an ISO 8601 date or date-time (UTC when it names no offset). */
function parseTime(name: 'since' | 'until', text: string): number {
  const trimmed = text.trim();
  let ms = Number.NaN;
  if (/^\d{1,16}$/.test(trimmed)) ms = Number(trimmed);
  else if (ISO_TIME.test(trimmed)) {
    const iso = trimmed.replace(' ', 'T');
    // Date.parse reads a date-time without offset as local time; the log's times are UTC.
    const needsZone = iso.includes('T') && !/(?:[zZ]|[+-]\d{2}:?\d{2})$/.test(iso);
    ms = Date.parse(needsZone ? `${iso}Z` : iso);
  }
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_TIME_MS) {
    throw invalid(
      name,
      `${name} must be an ISO 8601 time (2026-11-29T10:00:00Z) or ms since the epoch; got '${text}'.`,
    );
  }
  return ms;
}

/** A parsed `/stats` request: the store's query and the named window it came from (null for since/until). */
export interface StatsRequest extends StatsQuery {
  readonly window: string | null;
}

/**
 * The `StatsQuery` of `/stats?window=1h|24h|7d&group_by=model|provider|route|key&since=&until=`: the named
 * window up to now (up to `until` when given), or `[since, until)` (until defaults to now). `window` and
 * `since` exclude each other. Throws a 400 naming the parameter at fault.
 */
export function parseStatsQuery(parameters: StatsParameters, nowMs: number): StatsRequest {
  const window = single(parameters, 'window');
  const groupBy = single(parameters, 'group_by');
  const since = single(parameters, 'since');
  const until = single(parameters, 'until');
  if (groupBy !== undefined && !isGroupBy(groupBy)) {
    throw invalid(
      'group_by',
      `group_by must be one of ${STATS_GROUP_BY_VALUES.join(', ')}; got '${groupBy}'.`,
    );
  }
  if (window !== undefined && since !== undefined) {
    throw invalid('window', 'Pass window or since (with until), not both.');
  }
  if (window !== undefined && WINDOWS_MS[window] === undefined) {
    throw invalid(
      'window',
      `window must be one of ${Object.keys(WINDOWS_MS).join(', ')} (or pass since/until); got '${window}'.`,
    );
  }
  // "Up to now" includes a request that arrived this very ms: the range's end is exclusive.
  const untilMs = until === undefined ? nowMs + 1 : parseTime('until', until);
  const name = since === undefined ? (window ?? DEFAULT_WINDOW) : null;
  const sinceMs =
    since === undefined ? untilMs - (WINDOWS_MS[name ?? DEFAULT_WINDOW] ?? 0) : parseTime('since', since);
  if (sinceMs >= untilMs) throw invalid('since', 'since must be before until.');
  return { sinceMs, untilMs, groupBy: groupBy ?? null, window: name };
}

/** A share in 0..1 with 6 decimals, null when there is nothing to share. */
function share(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 1e6) / 1e6;
}

function serializePercentiles(percentiles: StatsPercentiles) {
  return { p50: percentiles.p50, p95: percentiles.p95, p99: percentiles.p99 };
}

/** One group as `/stats` shows it (docs/api.md). */
export function serializeStatsGroup(group: StatsGroup) {
  const byType = Object.entries(group.errorsByType).sort(
    ([leftType, left], [rightType, right]) => right - left || (leftType < rightType ? -1 : 1),
  );
  return {
    key: group.key,
    requests: group.requests,
    errors: { total: group.errors, by_type: Object.fromEntries(byType) },
    tokens: {
      prompt: group.promptTokens,
      completion: group.completionTokens,
      reasoning: group.reasoningTokens,
      cached: group.cachedTokens,
      total: group.totalTokens,
    },
    // 15 significant digits: the sum's float noise (0.30000000000000004) is not a cost.
    cost_usd: Number(group.costUsd.toPrecision(15)),
    latency_ms: serializePercentiles(group.latencyMs),
    ttft_ms: serializePercentiles(group.ttftMs),
    local: { requests: group.localRequests, tokens: group.localTokens },
    remote: { requests: group.remoteRequests, tokens: group.remoteTokens },
    local_share: {
      requests: share(group.localRequests, group.localRequests + group.remoteRequests),
      tokens: share(group.localTokens, group.localTokens + group.remoteTokens),
    },
    streams: group.streams,
    fallbacks: group.fallbacks,
    cancelled: group.cancelled,
    interrupted: group.interrupted,
  };
}

/**
 * `GET /stats` (admin): aggregates of the request log over a time window, overall or per model, provider,
 * route or API key (docs/api.md). 503 when the request log is off.
 */
export function registerStats(app: FastifyInstance, options: StatsRouteOptions): void {
  // Created at the first call: the writer creates the table at its first append, which may not have come.
  let migrated: Promise<void> | null = null;
  app.get<{ Querystring: StatsParameters }>('/stats', async (request) => {
    options.guard(request);
    const query = parseStatsQuery(request.query, options.now());
    const { store } = options;
    if (store === null) {
      throw new GatewayError(
        'no_route_available',
        'The request log is off, so there is nothing to aggregate: set USE_SQLITE_LOG=true (the default; ' +
          'SQLITE_DB_PATH names the file) or USE_SQLITE_LOG=false with DATABASE_URL for PostgreSQL, and restart.',
        { metadata: { reason: 'request_log_off' } },
      );
    }
    let groups: StatsGroup[];
    try {
      migrated ??= store.migrate().catch((error: unknown) => {
        migrated = null;
        throw error;
      });
      await migrated;
      await options.flush();
      groups = await store.stats(query);
    } catch (error) {
      // The database is down or refused the query: a 503 the caller may retry, the details in our log only.
      request.log.warn({ err: error, request_id: request.id }, 'stats: reading the request log failed');
      throw new GatewayError(
        'no_route_available',
        'The request log database could not be read; retry later (the gateway log has the details).',
        { metadata: { reason: 'request_log_unavailable' }, cause: error },
      );
    }
    return {
      object: 'stats',
      window: {
        name: query.window,
        since: new Date(query.sinceMs).toISOString(),
        until: new Date(query.untilMs).toISOString(),
      },
      group_by: query.groupBy,
      groups: groups.map(serializeStatsGroup),
    };
  });
}

import type { RequestLogEntry } from './request-log-entry.js';
import type { StatsGroup, StatsQuery } from './request-log-stats.js';

/**
 * Where request log rows go (DESIGN.md §2): the `api_logs` table in SQLite (default) or PostgreSQL. A store is
 * used by one writer (`createRequestLogWriter`), which batches rows off the request path, and read by the
 * `logs` command (`recent`), `/api/v1/generation` (`findById`) and `/stats` (`stats`).
 */
export interface RequestLogStore {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Creates or upgrades the tables: applies the numbered migrations not yet recorded in
   * `schema_migrations`, in order, each in its own transaction. Safe to run twice and, on PostgreSQL, from
   * several processes at once (an advisory lock serialises them).
   */
  migrate(): Promise<void>;
  /**
   * Inserts the rows in one transaction: all or none. A row whose `requestId` is already stored is skipped
   * (`ON CONFLICT (request_id) DO NOTHING`), so appending the same rows again is harmless. Rejects when the
   * database cannot be reached within the store's timeouts; never hangs.
   */
  append(entries: readonly RequestLogEntry[]): Promise<void>;
  /** The stored row of that request, or null. */
  findById(requestId: string): Promise<RequestLogEntry | null>;
  /**
   * Stored rows matching `query` (the `logs` command): the newest `limit` by timestamp, newest first; or,
   * with `afterId`, the first `limit` rows whose id is above it, oldest (lowest id) first, to follow the log.
   * Does not need `migrate` (a reader); rejects when there is no `api_logs` table.
   */
  recent(query: RecentLogQuery): Promise<RecentLogRow[]>;
  /**
   * The aggregates of the rows in `[sinceMs, untilMs)` (`request-log-stats.ts` defines each), computed by
   * the database in one pass per statement; percentiles are exact. Groups come most requests first. Off the
   * event loop on both stores (SQLite runs it on a worker thread). Rejects when there is no `api_logs` table.
   */
  stats(query: StatsQuery): Promise<StatsGroup[]>;
  /** Releases the connection(s). The store is unusable afterwards. */
  close(): Promise<void>;
}

/** Which rows `recent` gives. */
export interface RecentLogQuery {
  /** Most rows to return (a whole number ≥ 0). */
  readonly limit: number;
  /** Matches the served `model_id` or the `requested_model` (an alias, `auto`, ...). */
  readonly model?: string;
  /**
   * `ok`: status below 400 and no error type; `error`: status 400 or above, or an error type set (an
   * interrupted stream is 200 with an error type); a number: that exact status.
   */
  readonly status?: 'ok' | 'error' | number;
  /** Only rows whose timestamp is at or after this, ms since the epoch. */
  readonly sinceMs?: number;
  /** Only rows with a larger id, oldest first (for `--follow`). */
  readonly afterId?: number;
}

/** A row of `recent`: its `api_logs.id` (increasing with insertion) and its entry. */
export interface RecentLogRow {
  readonly id: number;
  readonly entry: RequestLogEntry;
}

/**
 * The SELECT of `recent`, shared by both stores: `bind` adds a parameter and returns its placeholder (`?` or
 * `$n`), `encodeTimestamp` turns ms into the store's timestamp value. Filters use the timestamp and
 * (model_id, timestamp) indexes; the follow query walks the primary key.
 */
export function recentLogSql(
  query: RecentLogQuery,
  bind: (value: string | number) => string,
  encodeTimestamp: (ms: number) => string,
): string {
  const conditions: string[] = [];
  if (query.model !== undefined) {
    conditions.push(`(model_id = ${bind(query.model)} OR requested_model = ${bind(query.model)})`);
  }
  if (query.status === 'ok') conditions.push('(status_code < 400 AND error_type IS NULL)');
  else if (query.status === 'error') conditions.push('(status_code >= 400 OR error_type IS NOT NULL)');
  else if (query.status !== undefined) conditions.push(`status_code = ${bind(query.status)}`);
  if (query.sinceMs !== undefined) conditions.push(`timestamp >= ${bind(encodeTimestamp(query.sinceMs))}`);
  if (query.afterId !== undefined) conditions.push(`id > ${bind(query.afterId)}`);
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const order = query.afterId === undefined ? 'timestamp DESC, id DESC' : 'id ASC';
  const limit = Math.max(0, Math.floor(query.limit));
  return `SELECT * FROM api_logs ${where} ORDER BY ${order} LIMIT ${bind(limit)}`;
}

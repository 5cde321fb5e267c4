import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, loadConfig, type Environment, type StorageSettings } from '../config/index.js';
import { createRequestLogStore } from '../storage/create-request-log-store.js';
import type { RequestLogEntry } from '../storage/request-log-entry.js';
import type { RecentLogQuery, RecentLogRow, RequestLogStore } from '../storage/request-log-store.js';
import { parseFlags } from './parse-flags.js';

/** What `hybrid-inference logs` was asked for. */
export interface LogsOptions {
  /** Rows shown at start (default 20). */
  readonly limit: number;
  readonly model?: string;
  readonly status?: 'ok' | 'error' | number;
  /** Only rows at or after this, ms since the epoch. */
  readonly sinceMs?: number;
  /** Keep polling for new rows until the signal aborts. */
  readonly follow: boolean;
  /** One JSON object per line (`{ id, ...entry }`) instead of the table. */
  readonly json: boolean;
  readonly configDir?: string;
}

/** Where the command writes and how it follows; injected by tests. */
export interface LogsIo {
  /** Standard output (rows). */
  readonly write: (text: string) => void;
  /** Standard error (problems). */
  readonly writeError: (text: string) => void;
  /** Ends `--follow` (SIGINT in the CLI). */
  readonly signal?: AbortSignal;
  /** Time between `--follow` polls (default 1000 ms). */
  readonly pollIntervalMs?: number;
}

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100_000;
/** Rows fetched per `--follow` query; more are fetched at once when a poll fills it. */
const FOLLOW_BATCH = 1000;
const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `--since`: a duration back from `nowMs` (`90s`, `30m`, `1h`, `2d`, `1w`) or an ISO date/time; ms since the epoch. */
export function parseSince(text: string, nowMs: number): number {
  const duration = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i.exec(text.trim());
  if (duration !== null) {
    const unit = UNIT_MS[(duration[2] ?? '').toLowerCase()] ?? 0;
    return nowMs - Number(duration[1]) * unit;
  }
  const parsed = /^\d{4}-\d\d-\d\d/.test(text.trim()) ? Date.parse(text.trim()) : Number.NaN;
  if (Number.isNaN(parsed)) {
    throw new Error(
      `--since must be a duration (90s, 30m, 1h, 2d, 1w) or an ISO date (2026-11-29T10:00:00Z), got '${text}'`,
    );
  }
  return parsed;
}

/** `--status`: `ok`, `error` or an HTTP status code. */
export function parseStatus(text: string): 'ok' | 'error' | number {
  const lower = text.trim().toLowerCase();
  if (lower === 'ok' || lower === 'error') return lower;
  const code = Number(lower);
  if (/^\d{3}$/.test(lower) && code >= 100 && code <= 599) return code;
  throw new Error(`--status must be ok, error or an HTTP status code (100-599), got '${text}'`);
}

/** The command's flags; a bad one throws (the CLI prints the message with the usage and exits 2). */
export function parseLogsFlags(argv: readonly string[], nowMs: number): LogsOptions {
  const flags = parseFlags(argv, {
    limit: 'number',
    model: 'string',
    status: 'string',
    since: 'string',
    follow: 'boolean',
    json: 'boolean',
    'config-dir': 'string',
  });
  const limit = typeof flags.limit === 'number' ? flags.limit : DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new Error(`--limit must be a whole number from 1 to ${MAX_LIMIT}, got ${limit}`);
  }
  return {
    limit,
    follow: flags.follow === true,
    json: flags.json === true,
    ...(typeof flags.model === 'string' ? { model: flags.model } : {}),
    ...(typeof flags.status === 'string' ? { status: parseStatus(flags.status) } : {}),
    ...(typeof flags.since === 'string' ? { sinceMs: parseSince(flags.since, nowMs) } : {}),
    ...(typeof flags['config-dir'] === 'string' ? { configDir: flags['config-dir'] } : {}),
  };
}

const COLUMNS = [
  'time (UTC)',
  'request id',
  'model',
  'route',
  'status',
  'stream',
  'ttft/latency ms',
  'tokens in/out',
  'cost $',
  'error',
] as const;

function orDash(value: number | string | null): string {
  return value === null || value === '' ? '-' : String(value);
}

function cells(entry: RequestLogEntry): string[] {
  const model =
    entry.requestedModel === entry.modelId ? entry.modelId : `${entry.requestedModel}→${entry.modelId}`;
  return [
    new Date(entry.timestamp).toISOString().slice(0, 19).replace('T', ' '),
    entry.requestId,
    model,
    entry.routeId ?? orDash(entry.provider),
    String(entry.statusCode),
    entry.stream ? 'yes' : 'no',
    `${orDash(entry.ttftMs)}/${entry.latencyMs}`,
    `${orDash(entry.promptTokens)}/${orDash(entry.completionTokens)}`,
    entry.costUsd === null ? '-' : entry.costUsd.toFixed(6),
    orDash(entry.errorType),
  ];
}

/** Pads columns to widths that only grow, so rows printed later (`--follow`) line up with the first ones. */
function createTableFormatter(): (rows: readonly RecentLogRow[], withHeader: boolean) => string {
  const widths: number[] = COLUMNS.map((column) => column.length);
  const line = (values: readonly string[]) =>
    values
      .map((value, index) => (index === values.length - 1 ? value : value.padEnd(widths[index] ?? 0)))
      .join('  ')
      .trimEnd();
  return (rows, withHeader) => {
    const table = rows.map((row) => cells(row.entry));
    for (const values of table) {
      values.forEach((value, index) => {
        widths[index] = Math.max(widths[index] ?? 0, value.length);
      });
    }
    const lines = table.map(line);
    if (withHeader) lines.unshift(line(COLUMNS));
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  };
}

function toJsonLines(rows: readonly RecentLogRow[]): string {
  return rows.map((row) => `${JSON.stringify({ id: row.id, ...row.entry })}\n`).join('');
}

/**
 * Prints the matching rows, oldest first (like `tail`: the newest is last), then with `follow` polls for
 * rows with a larger id every `pollIntervalMs` until `signal` aborts. Returns the exit code.
 */
export async function printLogs(store: RequestLogStore, options: LogsOptions, io: LogsIo): Promise<number> {
  const filters: Omit<RecentLogQuery, 'limit'> = {
    ...(options.model === undefined ? {} : { model: options.model }),
    ...(options.status === undefined ? {} : { status: options.status }),
    ...(options.sinceMs === undefined ? {} : { sinceMs: options.sinceMs }),
  };
  const format = createTableFormatter();
  const print = (rows: readonly RecentLogRow[], withHeader: boolean) =>
    io.write(options.json ? toJsonLines(rows) : format(rows, withHeader));

  const initial = (await store.recent({ ...filters, limit: options.limit })).reverse();
  if (initial.length > 0 || options.follow) print(initial, true);
  else if (!options.json) io.writeError('no matching rows\n');
  if (!options.follow) return 0;

  let afterId = initial.reduce((highest, row) => Math.max(highest, row.id), 0);
  const signal = io.signal;
  while (signal?.aborted !== true) {
    try {
      await sleep(io.pollIntervalMs ?? 1000, undefined, signal === undefined ? {} : { signal });
    } catch {
      break; // aborted
    }
    for (;;) {
      const rows = await store.recent({ ...filters, limit: FOLLOW_BATCH, afterId });
      if (rows.length > 0) print(rows, false);
      afterId = rows.reduce((highest, row) => Math.max(highest, row.id), afterId);
      if (rows.length < FOLLOW_BATCH) break;
    }
  }
  return 0;
}

function describeStore(settings: StorageSettings): string {
  return settings.useSqlite ? `SQLite ${settings.sqlitePath}` : 'PostgreSQL (DATABASE_URL)';
}

/**
 * `hybrid-inference logs`: opens the request log the configuration names and prints it (see `printLogs`).
 * 1 when the log is off, missing or unreadable; a bad flag throws.
 */
export async function runLogsCommand(
  argv: readonly string[],
  environment: Environment,
  cwd: string,
  io: LogsIo,
  nowMs: number = Date.now(),
): Promise<number> {
  const options = parseLogsFlags(argv, nowMs);
  let settings: StorageSettings;
  try {
    settings = loadConfig({
      environment,
      cwd,
      ...(options.configDir === undefined ? {} : { overrides: { configDir: options.configDir } }),
    }).storage;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.writeError(`${error.message}\n`);
    return 1;
  }
  // Opening a missing SQLite file would create an empty one.
  if (settings.useSqlite && settings.sqlitePath !== ':memory:' && !existsSync(settings.sqlitePath)) {
    io.writeError(`no request log at ${settings.sqlitePath} yet: the gateway creates it when it starts\n`);
    return 1;
  }
  const store = createRequestLogStore(settings);
  if (store === null) {
    io.writeError('the request log is off: set USE_SQLITE_LOG=true or DATABASE_URL\n');
    return 1;
  }
  try {
    return await printLogs(store, options, io);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.writeError(`cannot read the request log (${describeStore(settings)}): ${message}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

import type { RequestLogEntry, RequestLogParams } from './request-log-entry.js';

/**
 * How a column is written and read. `integer` is a 32-bit INTEGER, `bigint` a safe JS integer, `money` a
 * NUMERIC on PostgreSQL; `json` is JSON text (JSONB on PostgreSQL); `timestamp` is ms since the epoch here.
 */
export type ColumnKind = 'text' | 'integer' | 'bigint' | 'real' | 'money' | 'boolean' | 'json' | 'timestamp';

/** A value as `toColumnValues` gives it, before a store encodes booleans and timestamps its own way. */
export type ColumnValue = string | number | boolean | null;

interface ApiLogColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  /** NOT NULL in the table: a missing value becomes `''`, `false` or now instead of null. */
  readonly required?: boolean;
  readonly value: (entry: RequestLogEntry) => unknown;
}

/** The columns `append` writes, in order (every column of `api_logs` but `id`). */
export const API_LOG_COLUMNS: readonly ApiLogColumn[] = [
  { name: 'timestamp', kind: 'timestamp', required: true, value: (entry) => entry.timestamp },
  { name: 'request_id', kind: 'text', required: true, value: (entry) => entry.requestId },
  { name: 'model_id', kind: 'text', required: true, value: (entry) => entry.modelId },
  { name: 'provider', kind: 'text', required: true, value: (entry) => entry.provider },
  { name: 'requested_model', kind: 'text', value: (entry) => entry.requestedModel },
  { name: 'route_id', kind: 'text', value: (entry) => entry.routeId },
  { name: 'is_local', kind: 'boolean', value: (entry) => entry.isLocal },
  { name: 'status_code', kind: 'integer', value: (entry) => entry.statusCode },
  { name: 'error_type', kind: 'text', value: (entry) => entry.errorType },
  { name: 'error', kind: 'text', value: (entry) => entry.errorMessage },
  { name: 'stream', kind: 'boolean', required: true, value: (entry) => entry.stream },
  { name: 'attempts', kind: 'json', value: (entry) => entry.attempts },
  { name: 'fallback', kind: 'boolean', required: true, value: (entry) => entry.fallback },
  { name: 'interrupted', kind: 'boolean', required: true, value: (entry) => entry.interrupted },
  { name: 'cancelled', kind: 'boolean', required: true, value: (entry) => entry.cancelled },
  { name: 'params', kind: 'json', value: (entry) => entry.params },
  { name: 'temperature', kind: 'real', value: (entry) => entry.params?.temperature },
  { name: 'top_p', kind: 'real', value: (entry) => entry.params?.top_p },
  { name: 'max_tokens', kind: 'integer', value: (entry) => entry.params?.max_tokens },
  { name: 'seed', kind: 'bigint', value: (entry) => entry.params?.seed },
  { name: 'ttft_ms', kind: 'integer', value: (entry) => entry.ttftMs },
  { name: 'latency_ms', kind: 'integer', value: (entry) => entry.latencyMs },
  { name: 'prompt_tokens', kind: 'integer', value: (entry) => entry.promptTokens },
  { name: 'completion_tokens', kind: 'integer', value: (entry) => entry.completionTokens },
  { name: 'reasoning_tokens', kind: 'integer', value: (entry) => entry.reasoningTokens },
  { name: 'cache_read_tokens', kind: 'integer', value: (entry) => entry.cachedTokens },
  { name: 'cache_write_tokens', kind: 'integer', value: (entry) => entry.cacheWriteTokens },
  { name: 'total_tokens', kind: 'integer', value: (entry) => entry.totalTokens },
  { name: 'estimated', kind: 'boolean', required: true, value: (entry) => entry.estimated },
  { name: 'cost_usd', kind: 'money', value: (entry) => entry.costUsd },
  { name: 'finish_reason', kind: 'text', value: (entry) => entry.finishReason },
  { name: 'native_finish_reason', kind: 'text', value: (entry) => entry.nativeFinishReason },
  { name: 'api_key_id', kind: 'text', value: (entry) => entry.apiKeyId },
  { name: 'user_id', kind: 'text', value: (entry) => entry.userId },
  { name: 'session_id', kind: 'text', value: (entry) => entry.sessionId },
  { name: 'referer', kind: 'text', value: (entry) => entry.referer },
  { name: 'title', kind: 'text', value: (entry) => entry.title },
  { name: 'prompt', kind: 'text', value: (entry) => entry.prompt },
  { name: 'response', kind: 'text', value: (entry) => entry.response },
  { name: 'prompt_hash', kind: 'text', value: (entry) => entry.promptHash },
  { name: 'response_hash', kind: 'text', value: (entry) => entry.responseHash },
  { name: 'tools', kind: 'json', value: (entry) => entry.tools },
  { name: 'metadata', kind: 'json', value: (entry) => entry.metadata },
];

const INT32_MAX = 2_147_483_647;
/** A cost fits the seed's DECIMAL(12, 8) too (an older table keeps its type); ours is NUMERIC(20, 12). */
const MONEY_LIMIT = 1e4;

/** PostgreSQL refuses NUL in text and JSON; SQLite would keep it. Dropped everywhere, for one behaviour. */
function withoutNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
}

/** JSON text of `value`, or null when it has none (undefined, a cycle, a function). */
export function toJsonText(value: unknown): string | null {
  try {
    // The fast path; JSON escapes NUL as \u0000, which PostgreSQL refuses in JSONB.
    const text = JSON.stringify(value) as string | undefined;
    if (text === undefined) return null;
    if (!text.includes('\\u0000')) return text;
  } catch {
    // A BigInt (or a cycle, which fails again below): the careful path.
  }
  try {
    const text = JSON.stringify(value, (_key, inner: unknown) => {
      if (typeof inner === 'bigint') return inner.toString();
      return typeof inner === 'string' ? withoutNul(inner) : inner;
    }) as string | undefined;
    return text ?? null;
  } catch {
    return null;
  }
}

/** Text of a value that should have been a string (a number from a loose caller, an id from the driver). */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return toJsonText(value) ?? '';
}

function finiteOrNull(value: unknown, limit: number, round: boolean): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  const number = round ? Math.round(value) : value;
  return Math.abs(number) < limit ? number : null;
}

/**
 * The value of one column, made insertable whatever the entry holds: a batch must never fail on one odd row
 * (that row would block every row queued behind it), so out-of-range numbers become null, text loses NUL,
 * and NOT NULL columns get a default.
 */
function normalise(column: ApiLogColumn, value: unknown): ColumnValue {
  switch (column.kind) {
    case 'text':
      if (value === null || value === undefined) return column.required ? '' : null;
      return withoutNul(asText(value));
    case 'integer':
      return finiteOrNull(value, INT32_MAX, true);
    case 'bigint':
      return finiteOrNull(value, Number.MAX_SAFE_INTEGER, true);
    case 'real':
      return finiteOrNull(value, Infinity, false);
    case 'money':
      return finiteOrNull(value, MONEY_LIMIT, false);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      return column.required ? Boolean(value) : value === null || value === undefined ? null : Boolean(value);
    case 'json':
      return value === null || value === undefined ? null : toJsonText(value);
    case 'timestamp':
      return finiteOrNull(value, 8.64e15, true) ?? Date.now();
  }
}

/** The entry's values, in `API_LOG_COLUMNS` order. */
export function toColumnValues(entry: RequestLogEntry): ColumnValue[] {
  return API_LOG_COLUMNS.map((column) => normalise(column, column.value(entry)));
}

function readText(value: unknown): string | null {
  return value === null || value === undefined ? null : asText(value);
}

/** Numbers come back as strings from PostgreSQL NUMERIC and BIGINT. */
function readNumber(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' || typeof value === 'bigint') return Number(value);
  return null;
}

/** SQLite stores booleans as 0/1. */
function readBoolean(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return value !== 0;
  return null;
}

/** PostgreSQL gives a Date; SQLite the text `YYYY-MM-DD HH:MM:SS[.SSS]` in UTC (see `toSqliteTimestamp`). */
function readTimestamp(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return 0;
  const iso = value.replace(' ', 'T');
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
}

/** JSONB comes back parsed; SQLite's JSON is text. None of the JSON columns holds a bare string. */
function readJson(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? null;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Rows written by the seed have the four parameter columns but no `params` JSON. */
function readParams(row: Readonly<Record<string, unknown>>): RequestLogParams {
  const params = readJson(row.params);
  if (isRecord(params)) return params;
  const fromColumns: Record<string, number> = {};
  for (const name of ['temperature', 'top_p', 'max_tokens', 'seed']) {
    const value = readNumber(row[name]);
    if (value !== null) fromColumns[name] = value;
  }
  return fromColumns;
}

/** The entry stored in `row` (column name → value, as either driver returns it). */
export function fromStoredRow(row: Readonly<Record<string, unknown>>): RequestLogEntry {
  const attempts = readJson(row.attempts);
  const tools = readJson(row.tools);
  const metadata = readJson(row.metadata);
  return {
    requestId: readText(row.request_id) ?? '',
    timestamp: readTimestamp(row.timestamp),
    requestedModel: readText(row.requested_model) ?? readText(row.model_id) ?? '',
    modelId: readText(row.model_id) ?? '',
    provider: readText(row.provider) ?? '',
    routeId: readText(row.route_id),
    isLocal: readBoolean(row.is_local),
    statusCode: readNumber(row.status_code) ?? 0,
    errorType: readText(row.error_type),
    errorMessage: readText(row.error),
    stream: readBoolean(row.stream) ?? false,
    attempts: Array.isArray(attempts) ? attempts : [],
    fallback: readBoolean(row.fallback) ?? false,
    interrupted: readBoolean(row.interrupted) ?? false,
    cancelled: readBoolean(row.cancelled) ?? false,
    params: readParams(row),
    ttftMs: readNumber(row.ttft_ms),
    latencyMs: readNumber(row.latency_ms) ?? 0,
    promptTokens: readNumber(row.prompt_tokens),
    completionTokens: readNumber(row.completion_tokens),
    reasoningTokens: readNumber(row.reasoning_tokens),
    cachedTokens: readNumber(row.cache_read_tokens),
    cacheWriteTokens: readNumber(row.cache_write_tokens),
    totalTokens: readNumber(row.total_tokens),
    estimated: readBoolean(row.estimated) ?? false,
    costUsd: readNumber(row.cost_usd),
    finishReason: readText(row.finish_reason),
    nativeFinishReason: readText(row.native_finish_reason),
    apiKeyId: readText(row.api_key_id),
    userId: readText(row.user_id),
    sessionId: readText(row.session_id),
    referer: readText(row.referer),
    title: readText(row.title),
    prompt: readText(row.prompt),
    response: readText(row.response),
    promptHash: readText(row.prompt_hash),
    responseHash: readText(row.response_hash),
    tools: Array.isArray(tools) ? tools : null,
    metadata: isRecord(metadata) ? metadata : {},
  };
}

/** One numbered schema change, applied in one transaction. */
export interface PostgresMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * Every column but the seed's keys, nullable or defaulted: `001` creates them on a new table and adds those an
 * older (seed-created) table lacks, before indexing them.
 */
const API_LOGS_OPTIONAL_COLUMNS = [
  'temperature DOUBLE PRECISION',
  'top_p DOUBLE PRECISION',
  'max_tokens INTEGER',
  'seed BIGINT',
  'stream BOOLEAN NOT NULL DEFAULT false',
  'ttft_ms INTEGER',
  'latency_ms INTEGER',
  'prompt_tokens INTEGER',
  'completion_tokens INTEGER',
  'reasoning_tokens INTEGER',
  'total_tokens INTEGER',
  'cache_read_tokens INTEGER',
  'cache_write_tokens INTEGER',
  'cost_usd NUMERIC(20, 12)',
  'prompt TEXT',
  'response TEXT',
  'prompt_hash TEXT',
  'response_hash TEXT',
  'status_code INTEGER',
  'error TEXT',
  'user_id TEXT',
  'session_id TEXT',
  'metadata JSONB',
  'tools JSONB',
  'requested_model TEXT',
  'route_id TEXT',
  'is_local BOOLEAN',
  'error_type TEXT',
  'attempts JSONB',
  'fallback BOOLEAN NOT NULL DEFAULT false',
  'interrupted BOOLEAN NOT NULL DEFAULT false',
  'cancelled BOOLEAN NOT NULL DEFAULT false',
  'estimated BOOLEAN NOT NULL DEFAULT false',
  'api_key_id TEXT',
  'referer TEXT',
  'title TEXT',
  'params JSONB',
];

/** The request log on PostgreSQL: the seed's table (cost to 1e-12 USD instead of 1e-8) plus our columns. */
const API_LOGS = `
CREATE TABLE IF NOT EXISTS api_logs (
  id BIGSERIAL PRIMARY KEY,
  timestamp TIMESTAMPTZ NOT NULL DEFAULT now(),
  request_id TEXT NOT NULL UNIQUE,
  model_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  ${API_LOGS_OPTIONAL_COLUMNS.join(',\n  ')}
);
ALTER TABLE api_logs
  ${API_LOGS_OPTIONAL_COLUMNS.map((column) => `ADD COLUMN IF NOT EXISTS ${column}`).join(',\n  ')};
CREATE INDEX IF NOT EXISTS api_logs_timestamp ON api_logs (timestamp);
CREATE INDEX IF NOT EXISTS api_logs_model_timestamp ON api_logs (model_id, timestamp);
CREATE INDEX IF NOT EXISTS api_logs_provider_timestamp ON api_logs (provider, timestamp);
CREATE INDEX IF NOT EXISTS api_logs_route_timestamp ON api_logs (route_id, timestamp);
CREATE INDEX IF NOT EXISTS api_logs_user ON api_logs (user_id, timestamp) WHERE user_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS api_logs_session ON api_logs (session_id, timestamp) WHERE session_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS api_logs_error_type ON api_logs (error_type, timestamp) WHERE error_type IS NOT NULL;`;

/**
 * `/stats` reads these columns of every row in a time range: with them in the index, PostgreSQL answers it
 * with an index-only scan where the visibility map allows (rows autovacuum has seen), instead of visiting
 * ~1 kB table rows.
 */
const API_LOGS_STATS_INDEX = `
CREATE INDEX IF NOT EXISTS api_logs_stats ON api_logs (timestamp) INCLUDE (
  model_id, provider, route_id, api_key_id, is_local, status_code, error_type, stream, fallback, cancelled,
  interrupted, latency_ms, ttft_ms, prompt_tokens, completion_tokens, reasoning_tokens, cache_read_tokens,
  total_tokens, cost_usd
)`;

/** Applied in order at start; append new versions, never edit an applied one. */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  { version: 1, name: '001_api_logs', sql: API_LOGS },
  { version: 2, name: '002_api_logs_stats_index', sql: API_LOGS_STATS_INDEX },
  {
    version: 3,
    name: '003_api_logs_finish_reason',
    sql: `ALTER TABLE api_logs
  ADD COLUMN IF NOT EXISTS finish_reason TEXT,
  ADD COLUMN IF NOT EXISTS native_finish_reason TEXT`,
  },
];

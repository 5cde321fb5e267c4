import pg from 'pg';
import { API_LOG_COLUMNS, fromStoredRow, toColumnValues } from './api-log-columns.js';
import type { ColumnValue } from './api-log-columns.js';
import { applyPostgresMigrations } from './migrations/apply-postgres-migrations.js';
import { POSTGRES_MIGRATIONS } from './migrations/postgres-migrations.js';
import { STATS_QUANTILES } from './request-log-stats.js';
import type { PostgresMigration } from './migrations/postgres-migrations.js';
import type { RequestLogEntry } from './request-log-entry.js';
import { recentLogSql, type RequestLogStore } from './request-log-store.js';
import { readStatsRows, statsStatements, type StatsDialect } from './stats-sql.js';

/** PostgreSQL's limit on bind parameters in one statement. */
const MAX_PARAMETERS = 65_535;
/** Rows per INSERT statement; a larger `append` runs several in one transaction. */
export const MAX_ROWS_PER_INSERT = Math.floor(MAX_PARAMETERS / API_LOG_COLUMNS.length);
/** Taken by `migrate` for the whole run, so gateways starting together apply each migration once. */
const MIGRATION_LOCK_KEY = 0x4859_4c4f; // "HYLO"
/** Migrations may rewrite a large table: their own connection and a generous timeout. */
const MIGRATION_TIMEOUT_MS = 5 * 60_000;

export interface PostgresRequestLogStoreOptions {
  /** `postgres://user:password@host:port/database` (`DATABASE_URL`). */
  readonly connectionString: string;
  /** Schema the tables live in (`search_path`), created by `migrate` when missing; default: the server's. */
  readonly schema?: string;
  /** Pool size (default 4: the writer uses one connection at a time). */
  readonly maxConnections?: number;
  /** A connection not established within this fails the call (default 3000 ms). */
  readonly connectTimeoutMs?: number;
  /** A statement running longer is cancelled by the server and abandoned by the client (default 15000 ms). */
  readonly statementTimeoutMs?: number;
  /** The migrations to apply (default `POSTGRES_MIGRATIONS`). */
  readonly migrations?: readonly PostgresMigration[];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Sort memory of a `/stats` query (the server's default is 4 MB): the GROUP BY and percentile sorts of a
 * busy day (~150 bytes a row) then stay in memory instead of spilling to temporary files.
 */
const STATS_WORK_MEM = '128MB';

const POSTGRES_STATS_DIALECT: StatsDialect = {
  placeholder: (position) => `$${position}`,
  encodeTimestamp: (ms) => new Date(ms).toISOString(),
  percentiles: (column) =>
    `percentile_disc(ARRAY[${STATS_QUANTILES.join(', ')}]::float8[]) WITHIN GROUP (ORDER BY ${column})`,
};

/** `INSERT ... VALUES ($1, ..., $n), (...)` for `rows` rows (built per call: cheap next to the round trip). */
function insertText(rows: number): string {
  const width = API_LOG_COLUMNS.length;
  const tuples = Array.from(
    { length: rows },
    (_row, row) => `(${API_LOG_COLUMNS.map((_column, column) => `$${row * width + column + 1}`).join(', ')})`,
  );
  return `INSERT INTO api_logs (${API_LOG_COLUMNS.map((column) => column.name).join(', ')})
    VALUES ${tuples.join(', ')} ON CONFLICT (request_id) DO NOTHING`;
}

/** Timestamps go as ISO text; JSON is already text (pg would turn a JS array into a PostgreSQL array). */
function encodePostgresValues(entries: readonly RequestLogEntry[]): ColumnValue[] {
  const values: ColumnValue[] = [];
  for (const entry of entries) {
    toColumnValues(entry).forEach((value, index) => {
      const isTimestamp = API_LOG_COLUMNS[index]?.kind === 'timestamp' && typeof value === 'number';
      values.push(isTimestamp ? new Date(value).toISOString() : value);
    });
  }
  return values;
}

/**
 * The request log in PostgreSQL (`DATABASE_URL`). Batches go as multi-row `INSERT ... ON CONFLICT
 * (request_id) DO NOTHING` with bind parameters, in one transaction. Every call is bounded: connecting by
 * `connectTimeoutMs`, each statement by `statementTimeoutMs` (server- and client-side), so a database that is
 * down or unreachable makes `append` reject, never hang; the pool reconnects when it is back.
 */
export function createPostgresRequestLogStore(options: PostgresRequestLogStoreOptions): RequestLogStore {
  const { schema } = options;
  if (schema !== undefined && !IDENTIFIER.test(schema)) {
    throw new Error(
      `PostgreSQL request log: schema "${schema}" is not a plain identifier ([A-Za-z_][A-Za-z0-9_]*)`,
    );
  }
  const connectTimeoutMs = options.connectTimeoutMs ?? 3000;
  const statementTimeoutMs = options.statementTimeoutMs ?? 15_000;
  const connection: pg.ClientConfig = {
    connectionString: options.connectionString,
    connectionTimeoutMillis: connectTimeoutMs,
    keepAlive: true,
    application_name: 'hybrid-inference',
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  };
  const pool = new pg.Pool({
    ...connection,
    max: options.maxConnections ?? 4,
    idleTimeoutMillis: 30_000,
    statement_timeout: statementTimeoutMs,
    // The client-side bound covers a network that drops packets (the server never answers).
    query_timeout: statementTimeoutMs + 1000,
  });
  // An idle connection dropped by the server (restart, failover) must not crash the process; the next call
  // opens a new one.
  pool.on('error', () => undefined);

  /** Runs `work` on one pooled connection; a connection that failed is discarded rather than reused. */
  async function withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      const result = await work(client);
      client.release();
      return result;
    } catch (error) {
      client.release(error instanceof Error ? error : true);
      throw error;
    }
  }

  return {
    kind: 'postgres',

    async migrate() {
      const client = new pg.Client({
        ...connection,
        statement_timeout: MIGRATION_TIMEOUT_MS,
        query_timeout: MIGRATION_TIMEOUT_MS + 1000,
      });
      client.on('error', () => undefined);
      await client.connect();
      try {
        await applyPostgresMigrations(client, {
          table: 'schema_migrations',
          lockKey: MIGRATION_LOCK_KEY,
          schema,
          migrations: options.migrations ?? POSTGRES_MIGRATIONS,
        });
      } finally {
        await client.end().catch(() => undefined);
      }
    },

    async append(entries) {
      if (entries.length === 0) return;
      const chunks: RequestLogEntry[][] = [];
      for (let start = 0; start < entries.length; start += MAX_ROWS_PER_INSERT) {
        chunks.push(entries.slice(start, start + MAX_ROWS_PER_INSERT));
      }
      await withClient(async (client) => {
        // One statement is its own transaction; several need one around them (all or none).
        if (chunks.length > 1) await client.query('BEGIN');
        try {
          for (const chunk of chunks)
            await client.query(insertText(chunk.length), encodePostgresValues(chunk));
          if (chunks.length > 1) await client.query('COMMIT');
        } catch (error) {
          if (chunks.length > 1) await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      });
    },

    async findById(requestId) {
      const { rows } = await withClient((client) =>
        client.query<Record<string, unknown>>('SELECT * FROM api_logs WHERE request_id = $1', [requestId]),
      );
      const row = rows[0];
      return row === undefined ? null : fromStoredRow(row);
    },

    async recent(query) {
      const values: (string | number)[] = [];
      const sql = recentLogSql(
        query,
        (value) => {
          values.push(value);
          return `$${values.length}`;
        },
        (ms) => new Date(ms).toISOString(),
      );
      const { rows } = await withClient((client) => client.query<Record<string, unknown>>(sql, values));
      // BIGSERIAL comes back as text.
      return rows.map((row) => ({ id: Number(row.id), entry: fromStoredRow(row) }));
    },

    async stats(query) {
      const { summary, errors } = statsStatements(query, POSTGRES_STATS_DIALECT);
      // On two connections at once: the server works on both statements in parallel.
      const [summaryRows, errorRows] = await Promise.all([
        withClient(async (client) => {
          await client.query('BEGIN');
          try {
            await client.query(`SET LOCAL work_mem = '${STATS_WORK_MEM}'`);
            const { rows } = await client.query<Record<string, unknown>>(summary.sql, [...summary.values]);
            await client.query('COMMIT');
            return rows;
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw error;
          }
        }),
        withClient(async (client) => {
          const { rows } = await client.query<Record<string, unknown>>(errors.sql, [...errors.values]);
          return rows;
        }),
      ]);
      return readStatsRows(summaryRows, errorRows);
    },

    async close() {
      if (pool.ended) return;
      await pool.end();
    },
  };
}

import pg from 'pg';
import { mergeIncrements } from './api-key-record.js';
import type { ApiKeyStore } from './api-key-store.js';
import { applyPostgresMigrations } from '../storage/migrations/apply-postgres-migrations.js';
import { POSTGRES_KEY_MIGRATIONS, type KeyMigration } from './api-key-migrations.js';
import { API_KEY_COLUMNS, fromKeyRow, toKeyColumnValues, type KeyColumnValue } from './api-key-rows.js';

/** Serialises migrations of gateways starting together (distinct from the request log's lock). */
const MIGRATION_LOCK_KEY = 0x4859_4b45; // "HYKE"
const TIME_COLUMNS = new Set(['created_at', 'updated_at', 'expires_at']);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export interface PostgresApiKeyStoreOptions {
  /** `postgres://user:password@host:port/database` (`DATABASE_URL`). */
  readonly connectionString: string;
  /** Schema of the tables (`search_path`), created by `migrate` when missing; default: the server's. */
  readonly schema?: string;
  /** A connection not established within this fails the call (default 3000 ms). */
  readonly connectTimeoutMs?: number;
  /** A statement running longer is cancelled (default 10000 ms). */
  readonly statementTimeoutMs?: number;
  readonly migrations?: readonly KeyMigration[];
}

/** Times go as ISO text (TIMESTAMPTZ); the rest as is. */
function encode(values: readonly KeyColumnValue[]): KeyColumnValue[] {
  return values.map((value, index) =>
    TIME_COLUMNS.has(API_KEY_COLUMNS[index] ?? '') && typeof value === 'number'
      ? new Date(value).toISOString()
      : value,
  );
}

/**
 * Client keys in PostgreSQL. Every call is bounded (connect and statement timeouts), so a database that is
 * down makes calls reject, never hang; the in-memory key table keeps serving the keys it last read.
 */
export function createPostgresApiKeyStore(options: PostgresApiKeyStoreOptions): ApiKeyStore {
  const { schema } = options;
  if (schema !== undefined && !IDENTIFIER.test(schema)) {
    throw new Error(`PostgreSQL key store: schema "${schema}" is not a plain identifier`);
  }
  const statementTimeoutMs = options.statementTimeoutMs ?? 10_000;
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 3000,
    keepAlive: true,
    application_name: 'hybrid-inference',
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
    max: 2,
    idleTimeoutMillis: 30_000,
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + 1000,
  });
  // An idle connection dropped by the server must not crash the process; the next call reconnects.
  pool.on('error', () => undefined);
  let migration: Promise<void> | null = null;

  async function migrateNow(): Promise<void> {
    const client = await pool.connect();
    try {
      await applyPostgresMigrations(client, {
        table: 'api_key_migrations',
        lockKey: MIGRATION_LOCK_KEY,
        schema,
        migrations: options.migrations ?? POSTGRES_KEY_MIGRATIONS,
      });
      client.release();
    } catch (error) {
      client.release(error instanceof Error ? error : true);
      throw error;
    }
  }

  /** Every call migrates first (once; a failed migration is retried by the next call). */
  async function query<Row extends pg.QueryResultRow>(text: string, values: unknown[] = []) {
    migration ??= migrateNow().catch((error: unknown) => {
      migration = null;
      throw error;
    });
    await migration;
    return pool.query<Row>(text, values);
  }

  const placeholders = API_KEY_COLUMNS.map((_column, index) => `$${index + 1}`).join(', ');
  const assignments = API_KEY_COLUMNS.slice(1)
    .map((column, index) => `${column} = $${index + 2}`)
    .join(', ');

  return {
    kind: 'postgres',
    async migrate() {
      await query('SELECT 1');
    },
    async list() {
      const { rows } = await query<Record<string, unknown>>('SELECT * FROM api_keys ORDER BY created_at, id');
      return rows.map(fromKeyRow);
    },
    async find(id) {
      const { rows } = await query<Record<string, unknown>>('SELECT * FROM api_keys WHERE id = $1', [id]);
      const row = rows[0];
      return row === undefined ? null : fromKeyRow(row);
    },
    async insert(record) {
      await query(
        `INSERT INTO api_keys (${API_KEY_COLUMNS.join(', ')}) VALUES (${placeholders})`,
        encode(toKeyColumnValues(record)),
      );
    },
    async replace(record) {
      const result = await query(
        `UPDATE api_keys SET ${assignments} WHERE id = $1`,
        encode(toKeyColumnValues(record)),
      );
      return (result.rowCount ?? 0) > 0;
    },
    async remove(id) {
      await query('DELETE FROM api_key_spend WHERE key_id = $1', [id]);
      const result = await query('DELETE FROM api_keys WHERE id = $1', [id]);
      return (result.rowCount ?? 0) > 0;
    },
    async addSpend(increments) {
      if (increments.length === 0) return;
      // One statement: atomic, and one round trip whatever the number of rows.
      const values: (string | number)[] = [];
      const tuples = mergeIncrements(increments).map(({ keyId, period, micros }) => {
        values.push(keyId, period, Math.round(micros));
        const base = values.length - 3;
        return `($${base + 1}, $${base + 2}, $${base + 3}::bigint)`;
      });
      await query(
        `INSERT INTO api_key_spend (key_id, period, spent_micros) VALUES ${tuples.join(', ')}
         ON CONFLICT (key_id, period) DO UPDATE SET spent_micros = api_key_spend.spent_micros + excluded.spent_micros`,
        values,
      );
    },
    async spend(keyId, periods) {
      const { rows } = await query<{ period: string; spent_micros: string }>(
        'SELECT period, spent_micros FROM api_key_spend WHERE key_id = $1 AND period = ANY($2)',
        [keyId, periods],
      );
      const found = new Map(rows.map((row) => [row.period, Number(row.spent_micros)]));
      return new Map(periods.map((period) => [period, found.get(period) ?? 0]));
    },
    async close() {
      if (!pool.ended) await pool.end();
    },
  };
}

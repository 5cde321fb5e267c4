import type pg from 'pg';
import type { PostgresMigration } from './postgres-migrations.js';

export interface PostgresMigrationSet {
  /** The bookkeeping table (`schema_migrations` for the request log, `api_key_migrations` for keys). */
  readonly table: string;
  /** The advisory lock that serialises gateways migrating the same database at once. */
  readonly lockKey: number;
  /** A schema to create first (its name already checked to be a plain identifier), if any. */
  readonly schema: string | undefined;
  readonly migrations: readonly { readonly version: number; readonly name: string; readonly sql: string }[];
}

/**
 * Applies the migrations of one set that are not applied yet, in version order, each in its own transaction,
 * under an advisory lock: several gateways starting at once apply each migration exactly once.
 */
export async function applyPostgresMigrations(
  client: pg.PoolClient | pg.Client,
  set: PostgresMigrationSet,
): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1)', [set.lockKey]);
  try {
    if (set.schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS "${set.schema}"`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${set.table} (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${set.table}`);
    const applied = new Set(rows.map((row) => row.version));
    const ordered: PostgresMigration[] = [...set.migrations].sort(
      (left, right) => left.version - right.version,
    );
    for (const migration of ordered) {
      if (applied.has(migration.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query(`INSERT INTO ${set.table} (version, name) VALUES ($1, $2)`, [
          migration.version,
          migration.name,
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [set.lockKey]).catch(() => undefined);
  }
}

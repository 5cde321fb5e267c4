/**
 * The key tables' migrations, numbered, each applied once in its own transaction. Tracked in
 * `api_key_migrations`, apart from the request log's `schema_migrations`, so the two schemas evolve
 * independently in one database. Append new versions; never edit an applied one.
 */
export interface KeyMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** SQLite: times are ms since the epoch (INTEGER), JSON is text, booleans 0/1. */
export const SQLITE_KEY_MIGRATIONS: readonly KeyMigration[] = [
  {
    version: 1,
    name: 'api_keys and api_key_spend',
    sql: `
      CREATE TABLE IF NOT EXISTS api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        owner TEXT,
        key_hash TEXT NOT NULL UNIQUE,
        hash_scheme TEXT NOT NULL,
        last_four TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        expires_at INTEGER,
        disabled INTEGER NOT NULL DEFAULT 0,
        allowed_models TEXT NOT NULL DEFAULT '[]',
        allowed_ips TEXT NOT NULL DEFAULT '[]',
        limits TEXT NOT NULL DEFAULT '{}',
        budget_limit_micros INTEGER,
        budget_reset TEXT
      );
      CREATE TABLE IF NOT EXISTS api_key_spend (
        key_id TEXT NOT NULL,
        period TEXT NOT NULL,
        spent_micros INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (key_id, period)
      );`,
  },
];

/** PostgreSQL: TIMESTAMPTZ, JSONB, BOOLEAN, BIGINT micro-dollars. */
export const POSTGRES_KEY_MIGRATIONS: readonly KeyMigration[] = [
  {
    version: 1,
    name: 'api_keys and api_key_spend',
    sql: `
      CREATE TABLE IF NOT EXISTS api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        owner TEXT,
        key_hash TEXT NOT NULL UNIQUE,
        hash_scheme TEXT NOT NULL,
        last_four TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ,
        disabled BOOLEAN NOT NULL DEFAULT false,
        allowed_models JSONB NOT NULL DEFAULT '[]',
        allowed_ips JSONB NOT NULL DEFAULT '[]',
        limits JSONB NOT NULL DEFAULT '{}',
        budget_limit_micros BIGINT,
        budget_reset TEXT
      );
      CREATE TABLE IF NOT EXISTS api_key_spend (
        key_id TEXT NOT NULL,
        period TEXT NOT NULL,
        spent_micros BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (key_id, period)
      );`,
  },
];

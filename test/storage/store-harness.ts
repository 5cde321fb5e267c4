import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createPostgresRequestLogStore } from '../../src/storage/postgres-request-log-store.js';
import type { PostgresRequestLogStoreOptions } from '../../src/storage/postgres-request-log-store.js';
import type { RequestLogStore } from '../../src/storage/request-log-store.js';
import { createSqliteRequestLogStore } from '../../src/storage/sqlite-request-log-store.js';

/** A fresh, empty (not yet migrated) store, a way to look at its tables, and its clean-up. */
export interface StoreHarness {
  readonly store: RequestLogStore;
  /** Runs SQL on the store's database (its own connection) and returns the rows. */
  readonly query: (sql: string) => Promise<Record<string, unknown>[]>;
  dispose(): Promise<void>;
}

/** A store on its own SQLite file in a new temp folder (`nested/` does not exist yet: the store creates it). */
export function openSqliteHarness(): StoreHarness {
  const folder = mkdtempSync(join(tmpdir(), 'request-log-'));
  const path = join(folder, 'nested', 'logs.db');
  const store = createSqliteRequestLogStore({ path });
  let reader: Database.Database | null = null;
  return {
    store,
    async query(sql) {
      reader ??= new Database(path);
      return reader.prepare(sql).all() as Record<string, unknown>[];
    },
    async dispose() {
      reader?.close();
      await store.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

let schemas = 0;
/** A schema name unique to this run and call. */
export function freshSchema(): string {
  schemas += 1;
  return `test_request_log_${process.pid}_${Date.now()}_${schemas}`;
}

/** A store in a schema of its own (created by `migrate`, dropped by `dispose`). */
export function openPostgresHarness(
  connectionString: string,
  options: Partial<PostgresRequestLogStoreOptions> = {},
): StoreHarness {
  const schema = options.schema ?? freshSchema();
  const store = createPostgresRequestLogStore({ connectionString, schema, ...options });
  const admin = new pg.Client({ connectionString, options: `-c search_path=${schema}` });
  let connected: Promise<unknown> | null = null;
  return {
    store,
    async query(sql) {
      connected ??= admin.connect();
      await connected;
      return (await admin.query<Record<string, unknown>>(sql)).rows;
    },
    async dispose() {
      await store.close();
      connected ??= admin.connect();
      await connected;
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    },
  };
}

/** A local port nothing listens on: connecting is refused at once (a database that is down). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address !== null ? address.port : 1;
}

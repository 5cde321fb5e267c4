import type Database from 'better-sqlite3';
import { openSqliteFile } from '../util/open-sqlite-file.js';
import type { ApiKeyStore } from './api-key-store.js';
import { SQLITE_KEY_MIGRATIONS, type KeyMigration } from './api-key-migrations.js';
import { API_KEY_COLUMNS, fromKeyRow, toKeyColumnValues } from './api-key-rows.js';

/** How long a write waits for another process's lock on the same file (the request log uses the same). */

type SqliteValue = string | number | null;

function migrateSqlite(db: Database.Database, migrations: readonly KeyMigration[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS api_key_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const isApplied = db
    .prepare<[number], number>('SELECT 1 FROM api_key_migrations WHERE version = ?')
    .pluck();
  const record = db.prepare<[number, string, number]>(
    'INSERT INTO api_key_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );
  for (const migration of [...migrations].sort((left, right) => left.version - right.version)) {
    db.transaction(() => {
      // Checked inside the write lock: another process may have applied it since.
      if (isApplied.get(migration.version) !== undefined) return;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
    }).immediate();
  }
}

/**
 * Client keys in an SQLite file (by default the request log's): WAL, a busy timeout for the other processes
 * on the file. Every call is a few µs of local work (keys are read into memory in bulk, never per request).
 */
export function createSqliteApiKeyStore(options: {
  readonly path: string;
  readonly migrations?: readonly KeyMigration[];
}): ApiKeyStore {
  const { path } = options;
  const db = openSqliteFile(path);
  let migrated = false;
  const encode = (values: ReturnType<typeof toKeyColumnValues>): SqliteValue[] =>
    values.map((value) => (typeof value === 'boolean' ? (value ? 1 : 0) : value));
  const ensureMigrated = () => {
    if (migrated) return;
    migrateSqlite(db, options.migrations ?? SQLITE_KEY_MIGRATIONS);
    migrated = true;
  };
  // Each call runs synchronously; a thrown error becomes a rejected promise like the PostgreSQL store's.
  const run = <T>(work: () => T): Promise<T> => {
    try {
      ensureMigrated();
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };
  const assignments = API_KEY_COLUMNS.filter((column) => column !== 'id')
    .map((column) => `${column} = @${column}`)
    .join(', ');
  const named = (values: SqliteValue[]) =>
    Object.fromEntries(API_KEY_COLUMNS.map((column, index) => [column, values[index] ?? null]));

  return {
    kind: 'sqlite',
    migrate: () => run(() => undefined),
    list: () =>
      run(() =>
        db
          .prepare<[], Record<string, unknown>>('SELECT * FROM api_keys ORDER BY created_at, id')
          .all()
          .map(fromKeyRow),
      ),
    find: (id) =>
      run(() => {
        const row = db
          .prepare<[string], Record<string, unknown>>('SELECT * FROM api_keys WHERE id = ?')
          .get(id);
        return row === undefined ? null : fromKeyRow(row);
      }),
    insert: (record) =>
      run(() => {
        db.prepare<SqliteValue[]>(
          `INSERT INTO api_keys (${API_KEY_COLUMNS.join(', ')}) VALUES (${API_KEY_COLUMNS.map(() => '?').join(', ')})`,
        ).run(...encode(toKeyColumnValues(record)));
      }),
    replace: (record) =>
      run(
        () =>
          db
            .prepare(`UPDATE api_keys SET ${assignments} WHERE id = @id`)
            .run(named(encode(toKeyColumnValues(record)))).changes > 0,
      ),
    remove: (id) =>
      run(() =>
        db.transaction(() => {
          db.prepare('DELETE FROM api_key_spend WHERE key_id = ?').run(id);
          return db.prepare('DELETE FROM api_keys WHERE id = ?').run(id).changes > 0;
        })(),
      ),
    addSpend: (increments) =>
      run(() => {
        if (increments.length === 0) return;
        const upsert = db.prepare<[string, string, number]>(
          `INSERT INTO api_key_spend (key_id, period, spent_micros) VALUES (?, ?, ?)
           ON CONFLICT (key_id, period) DO UPDATE SET spent_micros = spent_micros + excluded.spent_micros`,
        );
        db.transaction(() => {
          for (const { keyId, period, micros } of increments) upsert.run(keyId, period, Math.round(micros));
        }).immediate();
      }),
    spend: (keyId, periods) =>
      run(() => {
        const select = db
          .prepare<[string, string], number>(
            'SELECT spent_micros FROM api_key_spend WHERE key_id = ? AND period = ?',
          )
          .pluck();
        return new Map(periods.map((period) => [period, select.get(keyId, period) ?? 0]));
      }),
    close: () => {
      if (db.open) db.close();
      return Promise.resolve();
    },
  };
}

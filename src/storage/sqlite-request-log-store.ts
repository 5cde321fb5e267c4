import { setImmediate } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import { openSqliteFile } from '../util/open-sqlite-file.js';
import { API_LOG_COLUMNS, fromStoredRow, toColumnValues } from './api-log-columns.js';
import type { ColumnValue } from './api-log-columns.js';
import { SQLITE_MIGRATIONS } from './migrations/sqlite-migrations.js';
import type { SqliteMigration, SqliteMigrationStep } from './migrations/sqlite-migrations.js';
import type { RequestLogEntry } from './request-log-entry.js';
import { recentLogSql, type RequestLogStore } from './request-log-store.js';
import { createSqliteStatsWorker, SQLITE_PERCENTILES_FUNCTION } from './sqlite-stats-worker.js';
import { readStatsRows, statsStatements, type StatsDialect } from './stats-sql.js';

/** How long a write waits for another process's lock on the same file before it fails (and is retried). */
/**
 * Rows inserted per event-loop turn. better-sqlite3 is synchronous and a row costs tens of µs (JSON, eight
 * indexes), so a 500-row batch in one go would stall every request for ~10-25 ms; in turns of 50 a stall
 * stays near a millisecond while the batch is still one transaction.
 */
const ROWS_PER_TURN = 50;

export interface SqliteRequestLogStoreOptions {
  /** The database file (parent folders are created), or `':memory:'`. */
  readonly path: string;
  /** The migrations to apply (default `SQLITE_MIGRATIONS`). */
  readonly migrations?: readonly SqliteMigration[];
}

/** `2026-11-29 10:00:00.123`: UTC, sortable, and comparable with SQLite's `datetime()` text. */
export function toSqliteTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

type SqliteValue = string | number | null;

const SQLITE_STATS_DIALECT: StatsDialect = {
  placeholder: () => '?',
  encodeTimestamp: toSqliteTimestamp,
  percentiles: (column) => `${SQLITE_PERCENTILES_FUNCTION}(${column})`,
};

function encodeSqliteValues(values: readonly ColumnValue[]): SqliteValue[] {
  return values.map((value, index) => {
    if (typeof value === 'boolean') return value ? 1 : 0;
    return API_LOG_COLUMNS[index]?.kind === 'timestamp' && typeof value === 'number'
      ? toSqliteTimestamp(value)
      : value;
  });
}

function applyStep(db: Database.Database, step: SqliteMigrationStep): void {
  if (typeof step === 'string') {
    db.exec(step);
    return;
  }
  const existing = new Set(
    db
      .prepare<[string], { name: string }>('SELECT name FROM pragma_table_info(?)')
      .all(step.table)
      .map((column) => column.name),
  );
  for (const definition of step.addMissingColumns) {
    const name = definition.split(/\s+/, 1)[0] ?? '';
    if (!existing.has(name)) db.exec(`ALTER TABLE ${step.table} ADD COLUMN ${definition}`);
  }
}

/** Applies the migrations not yet recorded, each in a `BEGIN IMMEDIATE` transaction (one writer at a time). */
function migrateSqlite(db: Database.Database, migrations: readonly SqliteMigration[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
  )`);
  const isApplied = db.prepare<[number], number>('SELECT 1 FROM schema_migrations WHERE version = ?').pluck();
  const record = db.prepare<[number, string]>('INSERT INTO schema_migrations (version, name) VALUES (?, ?)');
  for (const migration of [...migrations].sort((left, right) => left.version - right.version)) {
    db.transaction(() => {
      // Checked inside the write lock: another process may have applied it since we looked.
      if (isApplied.get(migration.version) !== undefined) return;
      for (const step of migration.steps) applyStep(db, step);
      record.run(migration.version, migration.name);
    }).immediate();
  }
}

/**
 * The request log in one SQLite file (the default store): WAL, `synchronous = NORMAL` (a power cut may lose
 * the last transactions, never corrupt the file), a busy timeout for other processes on the same file.
 * better-sqlite3 is synchronous: `append` inserts `ROWS_PER_TURN` rows per event-loop turn inside one
 * `BEGIN IMMEDIATE` transaction, so requests keep being served while a batch is written.
 */
export function createSqliteRequestLogStore(options: SqliteRequestLogStoreOptions): RequestLogStore {
  const { path } = options;
  const db = openSqliteFile(path);
  // Prepared after `migrate`, once the table exists. One prepared single-row INSERT run per row inside one
  // transaction: in-process SQLite has no round trips to save, so this is as fast as a multi-row INSERT
  // without its variable limit or a statement per batch size.
  let insert: Database.Statement<SqliteValue[]> | null = null;
  let selectById: Database.Statement<[string], Record<string, unknown>> | null = null;
  /** Appends run one after another: a transaction spans several turns and the connection is shared. */
  let appending: Promise<void> = Promise.resolve();
  const statsWorker = createSqliteStatsWorker(
    path === ':memory:' || path === '' ? { snapshot: () => db.serialize() } : { path },
  );

  async function insertInTurns(
    statement: Database.Statement<SqliteValue[]>,
    entries: readonly RequestLogEntry[],
  ) {
    db.exec('BEGIN IMMEDIATE');
    try {
      for (let start = 0; start < entries.length; start += ROWS_PER_TURN) {
        if (start > 0) await setImmediate();
        for (const entry of entries.slice(start, start + ROWS_PER_TURN)) {
          statement.run(...encodeSqliteValues(toColumnValues(entry)));
        }
      }
      db.exec('COMMIT');
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  }

  return {
    kind: 'sqlite',

    async migrate() {
      migrateSqlite(db, options.migrations ?? SQLITE_MIGRATIONS);
      const names = API_LOG_COLUMNS.map((column) => column.name);
      insert = db.prepare<SqliteValue[]>(
        `INSERT INTO api_logs (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})
         ON CONFLICT (request_id) DO NOTHING`,
      );
      selectById = db.prepare('SELECT * FROM api_logs WHERE request_id = ?');
    },

    append(entries) {
      const statement = insert;
      if (statement === null) {
        return Promise.reject(new Error('SQLite request log: call migrate() before append()'));
      }
      if (entries.length === 0) return Promise.resolve();
      const run = appending.then(() => insertInTurns(statement, entries));
      appending = run.catch(() => undefined);
      return run;
    },

    async findById(requestId) {
      if (selectById === null) throw new Error('SQLite request log: call migrate() before findById()');
      const row = selectById.get(requestId);
      return row === undefined ? null : fromStoredRow(row);
    },

    async recent(query) {
      const values: SqliteValue[] = [];
      const sql = recentLogSql(
        query,
        (value) => {
          values.push(value);
          return '?';
        },
        toSqliteTimestamp,
      );
      const rows = db.prepare<SqliteValue[], Record<string, unknown>>(sql).all(...values);
      return rows.map((row) => ({ id: Number(row.id), entry: fromStoredRow(row) }));
    },

    async stats(query) {
      const { summary, errors } = statsStatements(query, SQLITE_STATS_DIALECT);
      const [summaryRows = [], errorRows = []] = await statsWorker.run([summary, errors]);
      return readStatsRows(summaryRows, errorRows);
    },

    async close() {
      await appending;
      await statsWorker.close();
      if (db.open) db.close();
    },
  };
}

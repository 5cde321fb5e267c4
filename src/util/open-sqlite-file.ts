import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** How long a statement waits for another process's write lock on the same file (SQLite's busy_timeout). */
export const SQLITE_BUSY_TIMEOUT_MS = 2000;

/**
 * Opens an SQLite file the way every store of the gateway shares it (request log, keys, state may be one
 * file, used by several processes): its folder created, the busy timeout set before anything else (so even
 * switching to WAL waits), WAL, `synchronous = NORMAL` (a power cut may lose the last transactions, never
 * corrupt the file). `:memory:` or '' gives a private in-memory database. The handle is closed if a pragma fails.
 */
export function openSqliteFile(path: string): Database.Database {
  if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

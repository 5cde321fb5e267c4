import type { StorageSettings } from '../config/index.js';
import { createPostgresRequestLogStore } from './postgres-request-log-store.js';
import type { RequestLogStore } from './request-log-store.js';
import { createSqliteRequestLogStore } from './sqlite-request-log-store.js';

/**
 * The store the settings select, as the seed chose: SQLite at `sqlitePath` when `USE_SQLITE_LOG` is true
 * (the default), else PostgreSQL when `DATABASE_URL` is set, else none (request logging off). Nothing is
 * opened on PostgreSQL until first use; `createRequestLogWriter` migrates the store before its first append.
 */
export function createRequestLogStore(settings: StorageSettings): RequestLogStore | null {
  if (settings.useSqlite) return createSqliteRequestLogStore({ path: settings.sqlitePath });
  if (settings.databaseUrl !== null) {
    return createPostgresRequestLogStore({ connectionString: settings.databaseUrl });
  }
  return null;
}

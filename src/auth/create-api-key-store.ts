import type { StorageSettings } from '../config/index.js';
import type { ApiKeyStore } from './api-key-store.js';
import { createPostgresApiKeyStore } from './postgres-api-key-store.js';
import { createSqliteApiKeyStore } from './sqlite-api-key-store.js';

/**
 * The key store beside the request log: PostgreSQL when the request log goes there (`USE_SQLITE_LOG=false` and
 * `DATABASE_URL`), else the SQLite file at `SQLITE_DB_PATH` (also when request logging is off: keys need a home).
 */
export function createApiKeyStore(settings: StorageSettings): ApiKeyStore {
  if (!settings.useSqlite && settings.databaseUrl !== null) {
    return createPostgresApiKeyStore({ connectionString: settings.databaseUrl });
  }
  return createSqliteApiKeyStore({ path: settings.sqlitePath });
}

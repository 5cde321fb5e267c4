import type { ApiKeyRecord, SpendIncrement } from './api-key-record.js';

/**
 * Where client keys and their spend live: the request log's database (SQLite by default, PostgreSQL with
 * `DATABASE_URL`), tables `api_keys` and `api_key_spend`, with their own numbered migrations. Read on start and
 * every `KEY_CACHE_TTL_SECONDS` into memory, never per request.
 */
export interface ApiKeyStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Creates or upgrades the tables (safe to run twice, and from several processes at once). */
  migrate(): Promise<void>;
  /** Every key, oldest first. */
  list(): Promise<ApiKeyRecord[]>;
  find(id: string): Promise<ApiKeyRecord | null>;
  insert(record: ApiKeyRecord): Promise<void>;
  /** Replaces the stored key of the same id; false when there is none. */
  replace(record: ApiKeyRecord): Promise<boolean>;
  /** Deletes the key and its spend; false when there is none. */
  remove(id: string): Promise<boolean>;
  /** Adds to the spend rows (created as needed), all in one transaction. */
  addSpend(increments: readonly SpendIncrement[]): Promise<void>;
  /** The key's spend in each named period, micro-dollars (0 for a period without a row). */
  spend(keyId: string, periods: readonly string[]): Promise<Map<string, number>>;
  close(): Promise<void>;
}

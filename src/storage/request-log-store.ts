import type { RequestLogEntry } from './request-log-entry.js';

/**
 * Where request log rows go (DESIGN.md §2): the `api_logs` table in SQLite (default) or PostgreSQL. A store is
 * used by one writer (`createRequestLogWriter`), which batches rows off the request path; a generic `query`
 * for `/stats` comes later.
 */
export interface RequestLogStore {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Creates or upgrades the tables: applies the numbered migrations not yet recorded in
   * `schema_migrations`, in order, each in its own transaction. Safe to run twice and, on PostgreSQL, from
   * several processes at once (an advisory lock serialises them).
   */
  migrate(): Promise<void>;
  /**
   * Inserts the rows in one transaction: all or none. A row whose `requestId` is already stored is skipped
   * (`ON CONFLICT (request_id) DO NOTHING`), so appending the same rows again is harmless. Rejects when the
   * database cannot be reached within the store's timeouts; never hangs.
   */
  append(entries: readonly RequestLogEntry[]): Promise<void>;
  /** The stored row of that request, or null. */
  findById(requestId: string): Promise<RequestLogEntry | null>;
  /** Releases the connection(s). The store is unusable afterwards. */
  close(): Promise<void>;
}

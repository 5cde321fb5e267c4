export type { RequestLogEntry, RequestLogParams } from './request-log-entry.js';
export type { RequestLogStore } from './request-log-store.js';
export { createRequestLogStore } from './create-request-log-store.js';
export {
  createSqliteRequestLogStore,
  type SqliteRequestLogStoreOptions,
} from './sqlite-request-log-store.js';
export {
  createPostgresRequestLogStore,
  type PostgresRequestLogStoreOptions,
} from './postgres-request-log-store.js';
export {
  createRequestLogWriter,
  type RequestLogWriter,
  type RequestLogWriterErrorContext,
  type RequestLogWriterOptions,
  type RequestLogWriterStats,
} from './request-log-writer.js';
export { hashContent } from './hash-content.js';

import type { RequestLogEntry } from '../../src/storage/request-log-entry.js';
import type { RequestLogStore } from '../../src/storage/request-log-store.js';
import { expectedStats } from './expected-stats.js';

/** A RequestLogStore in a Map that can be switched off, recording every `append` it was given. */
export interface MemoryRequestLogStore extends RequestLogStore {
  readonly rows: Map<string, RequestLogEntry>;
  /** Sizes of the `append` calls that succeeded. */
  readonly batches: number[];
  /** Rows in successful appends, repeats included. */
  appendedRows: number;
  /** While true, `migrate` and `append` reject (a database that is down). */
  down: boolean;
  /** Successful `migrate` calls. */
  migrations: number;
  closed: boolean;
}

export function createMemoryRequestLogStore(): MemoryRequestLogStore {
  const store: MemoryRequestLogStore = {
    kind: 'sqlite',
    rows: new Map(),
    batches: [],
    appendedRows: 0,
    down: false,
    migrations: 0,
    closed: false,
    async migrate() {
      await Promise.resolve();
      if (store.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      store.migrations += 1;
    },
    async append(entries) {
      await Promise.resolve();
      if (store.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      store.batches.push(entries.length);
      store.appendedRows += entries.length;
      for (const entry of entries)
        if (!store.rows.has(entry.requestId)) store.rows.set(entry.requestId, entry);
    },
    async findById(requestId) {
      return store.rows.get(requestId) ?? null;
    },
    async recent(query) {
      // Ids follow insertion order, as `api_logs.id` does.
      const rows = [...store.rows.values()].map((entry, index) => ({ id: index + 1, entry }));
      const matching = rows.filter(({ id, entry }) => {
        if (
          query.model !== undefined &&
          entry.modelId !== query.model &&
          entry.requestedModel !== query.model
        )
          return false;
        const failed = entry.statusCode >= 400 || entry.errorType !== null;
        if (query.status === 'ok' && failed) return false;
        if (query.status === 'error' && !failed) return false;
        if (typeof query.status === 'number' && entry.statusCode !== query.status) return false;
        if (query.sinceMs !== undefined && entry.timestamp < query.sinceMs) return false;
        return query.afterId === undefined || id > query.afterId;
      });
      if (query.afterId === undefined)
        matching.sort((left, right) => right.entry.timestamp - left.entry.timestamp || right.id - left.id);
      return matching.slice(0, Math.max(0, Math.floor(query.limit)));
    },
    async stats(query) {
      await Promise.resolve();
      if (store.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      return expectedStats(store.rows.values(), query);
    },
    async close() {
      store.closed = true;
    },
  };
  return store;
}

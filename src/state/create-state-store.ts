import type { StateSettings } from '../config/index.js';
import { MemoryStore } from './memory-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { StateStore } from './state-store.js';

/** The store named by `STATE_STORE` (memory by default; redis when `REDIS_URL` is set; sqlite on request). */
export function createStateStore(settings: StateSettings): StateStore {
  switch (settings.store) {
    case 'memory':
      return new MemoryStore();
    case 'sqlite':
      return SqliteStore.open(settings.sqlitePath);
    case 'redis':
      throw new Error('redis state store: not wired yet');
  }
}

import type { StateSettings } from '../config/index.js';
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { StateStore, StoreStatus } from './state-store.js';

/**
 * The store named by `STATE_STORE` (memory by default; redis when `REDIS_URL` is set; sqlite on request).
 * Redis connects in the background: until it answers, the gateway serves on local limits (degraded), so a
 * Redis that is down at start does not stop the gateway.
 */
export function createStateStore(
  settings: StateSettings,
  onStatusChange?: (status: StoreStatus) => void,
): StateStore {
  switch (settings.store) {
    case 'memory':
      return new MemoryStore();
    case 'sqlite':
      return SqliteStore.open(settings.sqlitePath);
    case 'redis': {
      const store = new RedisStore({
        url: settings.redisUrl ?? 'redis://127.0.0.1:6379',
        keyPrefix: settings.redisKeyPrefix,
        ...(onStatusChange === undefined ? {} : { onStatusChange }),
      });
      void store.connect();
      return store;
    }
  }
}

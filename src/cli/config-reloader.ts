import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError, type Config } from '../config/index.js';

export interface ConfigReloaderOptions {
  /** Loads and validates the config files again (throws ConfigError listing every problem). */
  readonly load: () => Config;
  /** Puts a valid config in force. */
  readonly apply: (config: Config) => void;
  readonly current: () => Config;
  readonly logger: Logger;
  /** Editors write a file in several steps; changes closer together than this make one reload. */
  readonly debounceMs?: number;
}

export interface ConfigReloader {
  /** Reloads now; resolves true when the new config is in force, false when it was refused. */
  reload(trigger: string): boolean;
  /** Reloads when models.yaml or routing.yaml changes on disk. */
  watch(paths: readonly string[]): void;
  close(): void;
}

/** Settings read once at start: a reload cannot move the listener or change the limits of the HTTP server. */
function restartOnlyChanges(previous: Config, next: Config): string[] {
  const changed: string[] = [];
  if (previous.server.host !== next.server.host) changed.push('HOST');
  if (previous.server.port !== next.server.port) changed.push('PORT');
  if (previous.server.bodyLimitBytes !== next.server.bodyLimitBytes) changed.push('MAX_REQUEST_BODY_BYTES');
  if (previous.server.logLevel !== next.server.logLevel) changed.push('LOG_LEVEL');
  if (previous.routing.timeouts.keepAliveMs !== next.routing.timeouts.keepAliveMs) {
    changed.push('timeouts.keep_alive_ms');
  }
  if (previous.routing.timeouts.connectMs !== next.routing.timeouts.connectMs) {
    changed.push('timeouts.connect_ms');
  }
  if (previous.server.adminApiKey !== next.server.adminApiKey) changed.push('ADMIN_API_KEY');
  // Whole sections read once at start: named by the settings they hold.
  const sections: [keyof Config, string][] = [
    ['security', 'AUTH_MODE, KEY_HASH_SECRET, TRUST_PROXY, CORS_*, MAX_REQUEST_HEADER_BYTES'],
    ['storage', 'USE_SQLITE_LOG, SQLITE_DB_PATH, DATABASE_URL, LOG_CONTENT, REQUEST_LOG_*'],
    ['state', 'STATE_STORE, REDIS_URL, REDIS_KEY_PREFIX'],
    ['admission', 'MAX_CONCURRENT_REQUESTS, REQUEST_QUEUE_*'],
    ['tracing', 'OTEL_*'],
  ];
  for (const [section, names] of sections) {
    if (JSON.stringify(previous[section]) !== JSON.stringify(next[section])) changed.push(names);
  }
  return changed;
}

/**
 * Config reload on SIGHUP and on file change. A new config is validated in full before anything changes; an
 * invalid one is refused with its problems logged and the old one stays in force. Requests in flight finish
 * on the config they started with.
 */
export function createConfigReloader(options: ConfigReloaderOptions): ConfigReloader {
  const { logger } = options;
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | null = null;

  const reload = (trigger: string): boolean => {
    let next: Config;
    try {
      next = options.load();
    } catch (error) {
      if (error instanceof ConfigError) {
        logger.error(
          { trigger, problems: error.problems },
          `new configuration refused, the previous one stays in force:\n${error.message}`,
        );
      } else {
        logger.error({ trigger, err: error }, 'new configuration could not be read; the previous one stays');
      }
      return false;
    }
    const ignored = restartOnlyChanges(options.current(), next);
    options.apply(next);
    for (const warning of next.warnings) logger.warn(warning);
    if (ignored.length > 0) {
      logger.warn({ settings: ignored }, `changed settings that need a restart: ${ignored.join(', ')}`);
    }
    const servable = next.models.filter((model) => model.routes.length > 0).length;
    logger.info(
      { trigger, models: next.models.length, servable, strategy: next.routing.strategy },
      'configuration reloaded',
    );
    return true;
  };

  return {
    reload,
    watch(paths) {
      // Directories, not files: editors and `kubectl` replace a file by renaming over it, which ends a
      // watch on the old inode.
      const byDirectory = new Map<string, Set<string>>();
      for (const path of paths) {
        const names = byDirectory.get(dirname(path)) ?? new Set<string>();
        names.add(basename(path));
        byDirectory.set(dirname(path), names);
      }
      for (const [directory, names] of byDirectory) {
        try {
          const watcher = watch(directory, (_event, filename) => {
            if (filename !== null && !names.has(filename)) return;
            if (timer !== null) clearTimeout(timer);
            timer = setTimeout(() => {
              timer = null;
              reload('file change');
            }, options.debounceMs ?? 200);
            timer.unref();
          });
          watcher.unref();
          watcher.on('error', (error) => logger.warn({ err: error, directory }, 'config watch stopped'));
          watchers.push(watcher);
        } catch (error) {
          logger.warn({ err: error, directory }, 'cannot watch the config folder; reload with SIGHUP');
        }
      }
    },
    close() {
      if (timer !== null) clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
      watchers.length = 0;
    },
  };
}

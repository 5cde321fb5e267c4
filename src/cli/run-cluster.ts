import cluster, { type Worker } from 'node:cluster';
import type { Environment } from '../config/index.js';
import { serveClusterMetrics } from '../observability/cluster-metrics.js';
import { createLogger } from '../observability/create-logger.js';
import { loadConfigOrExplain, type ServeOptions } from './serve-command.js';

/** A worker that keeps dying is not restarted forever: at most this many restarts a minute. */
const MAX_RESTARTS_PER_MINUTE = 5;

/**
 * `serve --workers N`: the primary validates the config once, forks N gateway processes that share the
 * listening port (node:cluster), restarts a worker that dies, forwards SIGHUP (reload) and drains them all on
 * SIGTERM/SIGINT. Limits and cooldowns are global across the workers only with a shared state store
 * (`REDIS_URL`); with the memory store each worker counts alone, which the primary warns about.
 */
export async function runClusterPrimary(
  workers: number,
  environment: Environment,
  cwd: string,
  options: ServeOptions,
): Promise<number> {
  const config = loadConfigOrExplain(environment, cwd, options);
  if (config === null) return 1;
  const logger = createLogger(config.server.logLevel);
  if (config.state.store === 'memory') {
    logger.warn(
      `${workers} workers with the memory state store: each worker enforces the models.yaml limits on its own ` +
        `(${workers}× in total). Set REDIS_URL (or STATE_STORE=sqlite on one host) to share them.`,
    );
  }
  let stopping = false;
  const restarts: number[] = [];
  let failed = false;
  const fork = (): Worker => cluster.fork();
  serveClusterMetrics();
  for (let index = 0; index < workers; index += 1) fork();
  logger.info({ workers }, `started ${workers} gateway workers`);

  return new Promise<number>((resolve) => {
    cluster.on('exit', (worker, code, signal) => {
      const remaining = Object.keys(cluster.workers ?? {}).length;
      if (stopping) {
        if (code !== 0) failed = true;
        if (remaining === 0) {
          logger.info('all workers stopped');
          logger.flush();
          resolve(failed ? 1 : 0);
        }
        return;
      }
      const now = Date.now();
      while (restarts.length > 0 && (restarts[0] ?? 0) < now - 60_000) restarts.shift();
      if (restarts.length >= MAX_RESTARTS_PER_MINUTE) {
        logger.error(
          { pid: worker.process.pid, code, signal },
          'worker died; too many restarts, not restarting',
        );
        if (remaining === 0) resolve(1);
        return;
      }
      restarts.push(now);
      logger.warn({ pid: worker.process.pid, code, signal }, 'worker died; starting a new one');
      fork();
    });
    const stop = (received: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal: received }, 'stopping workers: they finish their in-flight requests');
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGHUP');
    });
  });
}

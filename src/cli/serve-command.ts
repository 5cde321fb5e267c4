import { createApp } from '../app.js';
import { ConfigError, loadConfig, type Config, type Environment } from '../config/index.js';
import { createLogger } from '../observability/create-logger.js';
import { createConfigReloader } from './config-reloader.js';

export interface ServeOptions {
  readonly host?: string;
  readonly port?: number;
  readonly configDir?: string;
}

/** How long in-flight requests get to finish on SIGTERM before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 30_000;

/**
 * The config for `serve`, or null after printing every problem (the process then exits 1). Errors that are
 * not config problems propagate.
 */
export function loadConfigOrExplain(
  environment: Environment,
  cwd: string,
  options: ServeOptions,
): Config | null {
  try {
    return loadConfig({ environment, cwd, overrides: options });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(
        `${error.message}\n\nThe gateway did not start. Fix the above, or run 'hybrid-inference check-config'.\n`,
      );
      return null;
    }
    throw error;
  }
}

/** `hybrid-inference serve`: load and validate the config, listen, drain on SIGTERM/SIGINT. */
export async function runServe(
  environment: Environment,
  cwd: string,
  options: ServeOptions,
): Promise<number> {
  const config = loadConfigOrExplain(environment, cwd, options);
  if (config === null) return 1;
  const logger = createLogger(config.server.logLevel);
  for (const warning of config.warnings) logger.warn(warning);
  const app = createApp(config, { logger });
  const address = await app.server.listen({ host: config.server.host, port: config.server.port });
  let current = config;
  const reloader = createConfigReloader({
    load: () => loadConfig({ environment, cwd, overrides: options }),
    apply: (next) => {
      app.reload(next);
      current = next;
    },
    current: () => current,
    logger,
  });
  reloader.watch([
    config.sources.modelsPath,
    ...(config.sources.routingPath === null ? [] : [config.sources.routingPath]),
  ]);
  const onHangUp = () => reloader.reload('SIGHUP');
  process.on('SIGHUP', onHangUp);
  const servable = config.models.filter((model) => model.routes.length > 0).length;
  logger.info(
    { models: config.models.length, servable, strategy: config.routing.strategy },
    `HybridInference listening on ${address}`,
  );

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      reloader.close();
      process.off('SIGHUP', onHangUp);
      logger.info({ signal }, 'shutting down: finishing in-flight requests');
      const deadline = setTimeout(() => {
        logger.warn('shutdown deadline passed; exiting with requests still open');
        logger.flush();
        resolve(1);
      }, SHUTDOWN_DEADLINE_MS);
      deadline.unref();
      app.close().then(
        () => {
          clearTimeout(deadline);
          logger.info('stopped');
          logger.flush();
          resolve(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'error during shutdown');
          logger.flush();
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

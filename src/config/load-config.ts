import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config, RoutingSettings } from './config.js';
import { applySeedQuotas } from './apply-seed-quotas.js';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { formatSchemaIssues } from './format-schema-issues.js';
import { readYamlFile } from './read-yaml-file.js';
import { resolveModels } from './resolve-models.js';
import { resolveRoutingSettings } from './routing-settings.js';
import { readTracingSettings } from './tracing-settings.js';
import { readSecuritySettings } from './security-settings.js';
import { modelsFileSchema, routingFileSchema, type RoutingFile } from './schema.js';
import { substituteEnv, type Environment } from './substitute-env.js';

export interface LoadConfigOptions {
  readonly environment: Environment;
  /** Directory relative paths are resolved against (the process cwd). */
  readonly cwd: string;
  /** Command-line flags; they win over the environment. */
  readonly overrides?: { readonly host?: string; readonly port?: number; readonly configDir?: string };
}

const ENVIRONMENT_FILE = 'environment';
/** The configs shipped with the package: used when the working directory has no `config/`. */
const EMBEDDED_CONFIG_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'config');
const DEFAULT_BODY_LIMIT_BYTES = 20 * 1024 * 1024;

function readInteger(
  environment: Environment,
  name: string,
  fallback: number,
  minimum: number,
  problems: ConfigProblem[],
): number {
  const value = environment[name];
  if (value === undefined || value.trim() === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < minimum) {
    problems.push({
      file: ENVIRONMENT_FILE,
      path: name,
      message: `must be a whole number ≥ ${minimum}, found '${value}'`,
    });
    return fallback;
  }
  return parsed;
}

function readNumber(
  environment: Environment,
  name: string,
  fallback: number,
  problems: ConfigProblem[],
): number {
  const value = environment[name];
  if (value === undefined || value.trim() === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) {
    problems.push({ file: ENVIRONMENT_FILE, path: name, message: `must be a number ≥ 0, found '${value}'` });
    return fallback;
  }
  return parsed;
}

function isTruthy(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.trim().toLowerCase());
}

function configDirectory(options: LoadConfigOptions): string {
  const chosen = options.overrides?.configDir ?? options.environment.CONFIG_DIR;
  if (chosen !== undefined && chosen !== '') return resolve(options.cwd, chosen);
  const local = resolve(options.cwd, 'config');
  return existsSync(join(local, 'models.yaml')) ? local : EMBEDDED_CONFIG_DIR;
}

function loadRoutingFile(
  path: string | null,
  environment: Environment,
  problems: ConfigProblem[],
): RoutingFile | null {
  if (path === null) return null;
  const read = readYamlFile(path);
  if (!read.ok) {
    problems.push(...read.problems);
    return null;
  }
  if (read.value === null || read.value === undefined) return null;
  const substituted = substituteEnv(read.value, environment);
  const parsed = routingFileSchema.safeParse(substituted);
  if (!parsed.success) {
    problems.push(...formatSchemaIssues(path, substituted, parsed.error.issues));
    return null;
  }
  return parsed.data;
}

/**
 * Loads models.yaml and routing.yaml (`${VAR}` and `${VAR:-default}` substituted in every string) and the
 * environment into one frozen Config. Every problem found is collected; if there is any, throws ConfigError
 * listing them all with file, path and fix.
 */
export function loadConfig(options: LoadConfigOptions): Config {
  const environment = options.environment;
  const problems: ConfigProblem[] = [];
  const directory = configDirectory(options);
  const modelsPath = resolve(options.cwd, environment.MODELS_CONFIG || join(directory, 'models.yaml'));
  const routingCandidate = resolve(
    options.cwd,
    environment.ROUTING_CONFIG || join(directory, 'routing.yaml'),
  );
  const routingExplicit = environment.ROUTING_CONFIG !== undefined && environment.ROUTING_CONFIG !== '';
  const routingPath = routingExplicit || existsSync(routingCandidate) ? routingCandidate : null;

  const routingFile = loadRoutingFile(routingPath, environment, problems);
  const base = resolveRoutingSettings(routingFile);
  const routing: RoutingSettings = {
    ...base,
    circuitBreaker: {
      ...base.circuitBreaker,
      failureThreshold: readInteger(
        environment,
        'CIRCUIT_FAILURE_THRESHOLD',
        base.circuitBreaker.failureThreshold,
        1,
        problems,
      ),
      cooldownMs:
        readInteger(
          environment,
          'CIRCUIT_COOLDOWN_SECONDS',
          base.circuitBreaker.cooldownMs / 1000,
          0,
          problems,
        ) * 1000,
    },
  };
  const localBaseUrl = environment.LOCAL_BASE_URL?.trim() || null;
  const offload = { enabled: isTruthy(environment.OFFLOAD), localBaseUrl };
  const warnings: string[] = [];
  if (offload.enabled && localBaseUrl === null)
    warnings.push('OFFLOAD is set but LOCAL_BASE_URL is empty: nothing is offloaded');

  let models: Config['models'] = [];
  const read = readYamlFile(modelsPath);
  if (!read.ok) problems.push(...read.problems);
  else {
    const substituted = substituteEnv(read.value ?? {}, environment);
    const parsed = modelsFileSchema.safeParse(substituted);
    if (!parsed.success) problems.push(...formatSchemaIssues(modelsPath, substituted, parsed.error.issues));
    else {
      const resolved = resolveModels({
        file: modelsPath,
        models: parsed.data,
        raw: read.value,
        routing,
        offload,
        createdDefault: Math.floor(statSync(modelsPath).mtimeMs / 1000),
      });
      problems.push(...resolved.problems);
      warnings.push(...resolved.warnings);
      models = resolved.models;
      const known = new Set(models.flatMap((model) => [model.id, ...model.aliases]));
      for (const deployment of [
        ...(routingFile?.local_deployment ?? []),
        ...(routingFile?.remote_deployment ?? []),
      ]) {
        for (const model of deployment.models) {
          if (!known.has(model))
            warnings.push(`routing.yaml lists model '${model}' that models.yaml does not define`);
        }
      }
    }
  }

  const limitsEnabled =
    environment.RATE_LIMIT_ENABLED === undefined ||
    environment.RATE_LIMIT_ENABLED.trim() === '' ||
    isTruthy(environment.RATE_LIMIT_ENABLED);
  if (limitsEnabled) models = applySeedQuotas(models, environment, problems);
  const port = options.overrides?.port ?? readInteger(environment, 'PORT', 8080, 0, problems);
  if (port > 65535) problems.push({ file: ENVIRONMENT_FILE, path: 'PORT', message: 'must be at most 65535' });
  // `:memory:` is SQLite's in-memory database, not a file name.
  const resolvePath = (setting: string) =>
    setting === ':memory:'
      ? setting
      : setting.startsWith('~')
        ? join(environment.HOME ?? '', setting.slice(1))
        : isAbsolute(setting)
          ? setting
          : resolve(options.cwd, setting);
  const sqlitePath = resolvePath(
    environment.SQLITE_DB_PATH || environment.OPENROUTER_SQLITE_DB || 'var/db/openrouter_logs.db',
  );
  const redisUrl = environment.REDIS_URL?.trim() || null;
  const storeSetting =
    environment.STATE_STORE?.trim().toLowerCase() || (redisUrl === null ? 'memory' : 'redis');
  let store: Config['state']['store'] = 'memory';
  if (storeSetting === 'memory' || storeSetting === 'sqlite' || storeSetting === 'redis')
    store = storeSetting;
  else {
    problems.push({
      file: ENVIRONMENT_FILE,
      path: 'STATE_STORE',
      message: `must be memory, sqlite or redis, found '${environment.STATE_STORE ?? ''}'`,
    });
  }
  if (store === 'redis' && redisUrl === null) {
    problems.push({
      file: ENVIRONMENT_FILE,
      path: 'REDIS_URL',
      message: 'STATE_STORE=redis needs REDIS_URL, e.g. redis://127.0.0.1:6379',
    });
  }
  if (redisUrl !== null && !/^rediss?:\/\//.test(redisUrl)) {
    problems.push({
      file: ENVIRONMENT_FILE,
      path: 'REDIS_URL',
      message: 'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379',
    });
  }
  const releaseSetting = environment.STREAMING_RELEASE_SLOT_AFTER_ROUTE_SELECTED;
  const config: Config = {
    server: {
      host: options.overrides?.host ?? (environment.HOST || '127.0.0.1'),
      port,
      bodyLimitBytes: readInteger(
        environment,
        'MAX_REQUEST_BODY_BYTES',
        DEFAULT_BODY_LIMIT_BYTES,
        1024,
        problems,
      ),
      logLevel: environment.LOG_LEVEL || 'info',
      adminApiKey: environment.ADMIN_API_KEY || null,
      metricsRequireAuth: isTruthy(environment.METRICS_REQUIRE_AUTH),
    },
    models,
    routing,
    admission: {
      maxConcurrent: readInteger(environment, 'MAX_CONCURRENT_REQUESTS', 256, 1, problems),
      maxWaiting: readInteger(environment, 'REQUEST_QUEUE_MAX_WAITING_REQUESTS', 200, 0, problems),
      queueTimeoutMs: readNumber(environment, 'REQUEST_QUEUE_TIMEOUT_SECONDS', 30, problems) * 1000,
      releaseStreamAtCommit:
        releaseSetting === undefined || releaseSetting.trim() === '' || isTruthy(releaseSetting),
    },
    limitsEnabled,
    state: {
      store,
      redisUrl,
      redisKeyPrefix: environment.REDIS_KEY_PREFIX?.trim() || 'hi:',
      sqlitePath: resolvePath(environment.STATE_SQLITE_PATH || 'var/db/state.db'),
    },
    storage: {
      useSqlite: (environment.USE_SQLITE_LOG ?? 'true').trim().toLowerCase() === 'true',
      sqlitePath,
      databaseUrl: environment.DATABASE_URL || null,
      logContent: isTruthy(environment.LOG_CONTENT),
      maxQueuedRows: readInteger(environment, 'REQUEST_LOG_MAX_QUEUE', 10_000, 1, problems),
      spillPath: resolvePath(
        environment.REQUEST_LOG_SPILL_PATH || join(dirname(sqlitePath), 'request-log.spill.ndjson'),
      ),
    },
    tracing: readTracingSettings(environment, ENVIRONMENT_FILE, problems),
    security: readSecuritySettings(environment, ENVIRONMENT_FILE, problems),
    offload,
    sources: { modelsPath, routingPath },
    warnings,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value) && !(value instanceof Set)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

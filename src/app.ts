import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Adapter } from './adapters/adapter.js';
import { createAdapter } from './adapters/create-adapter.js';
import { createUpstreamPools } from './adapters/upstream-pools.js';
import type { Config } from './config/index.js';
import { createChatService } from './gateway/chat-service.js';
import { createModelRegistry } from './gateway/model-registry.js';
import type { RequestRecord } from './gateway/request-record.js';
import { createServer } from './http/create-server.js';
import { createAdminGuard } from './http/require-admin.js';
import { registerChatCompletions } from './http/routes/chat-completions.js';
import { registerModels } from './http/routes/models.js';
import { registerServiceInfo } from './http/routes/service-info.js';
import { createLogger } from './observability/create-logger.js';
import { sleep } from './routing/backoff.js';
import { createStrategy } from './routing/create-strategy.js';
import { createExecutor } from './routing/executor.js';
import type { RouteTarget } from './spec/index.js';

/** Things tests replace: clock, randomness, sleeping, the logger, a tap on finished requests. */
export interface AppDependencies {
  readonly logger?: Logger;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly sleep?: (delayMs: number, signal: AbortSignal) => Promise<void>;
  readonly onRecord?: (record: RequestRecord) => void;
}

export interface App {
  readonly server: FastifyInstance;
  /** Stops accepting, lets in-flight requests finish, closes upstream pools. */
  close(): Promise<void>;
}

const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Builds the whole gateway without listening (tests call `server.inject` or `server.listen`). */
export function createApp(config: Config, dependencies: AppDependencies = {}): App {
  const logger = dependencies.logger ?? createLogger(config.server.logLevel);
  const now = dependencies.now ?? Date.now;
  const random = dependencies.random ?? Math.random;
  const timeouts = config.routing.timeouts;
  const pools = createUpstreamPools({ connectTimeoutMs: timeouts.connectMs });
  const adapters = new Map<string, Adapter>();
  const adapterDependencies = { dispatcherFor: (origin: string) => pools.dispatcherFor(origin), timeouts };
  for (const model of config.models) {
    for (const route of model.routes) adapters.set(route.id, createAdapter(route, adapterDependencies));
  }
  const adapterFor = (route: RouteTarget): Adapter => {
    const adapter = adapters.get(route.id);
    if (adapter === undefined) throw new Error(`no adapter for route ${route.id}`);
    return adapter;
  };
  const registry = createModelRegistry(config.models);
  const strategy = createStrategy(config.routing);
  const executor = createExecutor({
    adapterFor,
    settings: config.routing,
    now,
    random,
    sleep: dependencies.sleep ?? sleep,
  });
  const onRecord = (record: RequestRecord) => {
    // The line's object is only built when it will be written.
    if (logger.isLevelEnabled('info')) logRecord(record);
    dependencies.onRecord?.(record);
  };
  const logRecord = (record: RequestRecord) => {
    logger.info(
      {
        request_id: record.id,
        model: record.model ?? record.requestedModel,
        route: record.route,
        status: record.status,
        stream: record.stream,
        error_type: record.errorType,
        attempts: record.attempts.length,
        ttft_ms: record.ttftMs,
        latency_ms: record.latencyMs,
        prompt_tokens: record.usage?.promptTokens,
        completion_tokens: record.usage?.completionTokens,
        estimated: record.usage?.estimated,
        cost_usd: record.costUsd,
        interrupted: record.interrupted || undefined,
        cancelled: record.cancelled || undefined,
      },
      'request finished',
    );
  };
  const service = createChatService({ registry, strategy, executor, now, random, onRecord });

  let closing = false;
  const server = createServer({
    logger,
    bodyLimitBytes: config.server.bodyLimitBytes,
    isClosing: () => closing,
  });
  registerChatCompletions(server, { service, keepAliveMs: timeouts.keepAliveMs });
  registerModels(server, { registry, strategy });
  registerServiceInfo(server, {
    config,
    registry,
    strategy,
    version: VERSION,
    startedAtMs: now(),
    now,
    requireAdmin: createAdminGuard(config.server.adminApiKey),
  });

  return {
    server,
    async close() {
      closing = true;
      const serverClosed = server.close();
      // Connections still busy when closing began turn idle one by one as their responses end; each is
      // closed then, so keep-alive clients cannot hold the shutdown open.
      const sweeper = setInterval(() => server.server.closeIdleConnections(), 50);
      try {
        await serverClosed;
      } finally {
        clearInterval(sweeper);
      }
      await pools.close();
    },
  };
}

import { readFileSync } from 'node:fs';
import type { Adapter } from './adapters/adapter.js';
import { createAdapter } from './adapters/create-adapter.js';
import { createHttpProbe } from './adapters/http-probe.js';
import { createUpstreamPools } from './adapters/upstream-pools.js';
import { estimatePromptTokens } from './accounting/estimate-usage.js';
import { createKeyAccess } from './auth/create-key-access.js';
import type { Config, ModelEntry } from './config/index.js';
import { createChatService, type ChatService } from './gateway/chat-service.js';
import { createModelRegistry } from './gateway/model-registry.js';
import { logRecordLine } from './gateway/log-record-line.js';
import { logEntryOf } from './gateway/log-entry-of.js';
import { createQuotaGate } from './gateway/quota-gate.js';
import type { RequestRecord } from './gateway/request-record.js';
import { createServer } from './http/create-server.js';
import { registerRequestTracing, type RequestTracing } from './http/trace-requests.js';
import type { GatewayView } from './http/gateway-view.js';
import { createClientAuth, type ClientAuth } from './http/authenticate-client.js';
import { registerCors } from './http/register-cors.js';
import { registerSecurityHeaders } from './http/register-security-headers.js';
import { createAdminGuard } from './http/require-admin.js';
import { registerAdminKeys } from './http/routes/admin-keys.js';
import { registerKeyInfo } from './http/routes/key-info.js';
import { registerChatCompletions } from './http/routes/chat-completions.js';
import { registerMessages } from './http/routes/messages.js';
import { registerGeneration } from './http/routes/generation.js';
import { registerMetrics } from './http/routes/metrics.js';
import { registerModels } from './http/routes/models.js';
import { registerServiceInfo } from './http/routes/service-info.js';
import { registerStats } from './http/routes/stats.js';
import { createQuotaLimiter } from './limits/quota-limiter.js';
import { createRequestQueue } from './limits/request-queue.js';
import { createLogger } from './observability/create-logger.js';
import { createTracing } from './observability/create-tracing.js';
import { createGatewayMetrics } from './observability/gateway-metrics.js';
import { sleep } from './routing/backoff.js';
import { createStrategy } from './routing/create-strategy.js';
import { createExecutor } from './routing/executor.js';
import { createHealthMonitor, type HealthMonitor } from './routing/health-monitor.js';
import { liveWeights } from './routing/live-weights.js';
import { createRouteStateSync } from './routing/route-state-sync.js';
import { RouteStates } from './routing/route-states.js';
import type { RouteContext } from './routing/routing-strategy.js';
import { createWorkerLoadMonitor, type WorkerLoadMonitor } from './routing/worker-load-monitor.js';
import type { RouteTarget } from './spec/index.js';
import { createStateStore } from './state/create-state-store.js';
import { createRequestLogStore, createRequestLogWriter } from './storage/index.js';

import type { App, AppDependencies } from './app-contract.js';

export type { App, AppDependencies } from './app-contract.js';

/** What one config puts in force; swapped as a whole on reload. */
interface Runtime extends GatewayView {
  readonly service: ChatService;
}

const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** The chat endpoints: a trace span per request when tracing is on. */
const TRACED_ROUTES: ReadonlySet<string> = new Set([
  '/v1/chat/completions',
  '/api/v1/chat/completions',
  '/v1/messages',
  '/api/v1/messages',
]);

/** Builds the whole gateway without listening (tests call `server.inject` or `server.listen`). */
export function createApp(initialConfig: Config, dependencies: AppDependencies = {}): App {
  const logger = dependencies.logger ?? createLogger(initialConfig.server.logLevel);
  const now = dependencies.now ?? Date.now;
  const random = dependencies.random ?? Math.random;
  const pools = createUpstreamPools({ connectTimeoutMs: initialConfig.routing.timeouts.connectMs });
  const probe = createHttpProbe(pools);
  const states = new RouteStates(initialConfig.routing, now);
  const store =
    dependencies.store ??
    createStateStore(initialConfig.state, (status) => {
      if (status.healthy)
        logger.info({ store: status.kind }, 'state store reachable: shared limits in force');
      else
        logger.warn({ store: status.kind, detail: status.detail }, 'state store unreachable: local limits');
    });
  const queue = createRequestQueue({
    maxConcurrent: initialConfig.admission.maxConcurrent,
    maxWaiting: initialConfig.admission.maxWaiting,
    timeoutMs: initialConfig.admission.queueTimeoutMs,
    onReject: (reason) => metrics.queueRejected(reason),
    onAdmit: (waitedMs) => metrics.queueAdmitted(waitedMs),
    now,
  });
  const logStore =
    dependencies.requestLog === undefined
      ? createRequestLogStore(initialConfig.storage)
      : dependencies.requestLog;
  const requestLog =
    logStore === null
      ? null
      : createRequestLogWriter({
          store: logStore,
          spillPath: initialConfig.storage.spillPath,
          maxQueue: initialConfig.storage.maxQueuedRows,
          now,
          onError: (error, context) =>
            logger.warn({ err: error, ...context }, 'request log: database write failed, rows kept'),
        });
  const logContent = initialConfig.storage.logContent;
  // The gauges read the routes of the runtime in force when scraped (built below).
  const metrics = createGatewayMetrics({
    routes: () =>
      everyRoute().map((route) => {
        const snapshot = states.snapshot(route);
        return { route: route.id, circuit: snapshot.circuit, inFlight: snapshot.stats.inFlight };
      }),
    queue: () => ({ running: queue.running, waiting: queue.waiting }),
    store: () => store.status(),
    requestLog: () => requestLog?.stats() ?? null,
  });
  // Rows are built (prompt text, hashes) after the response went out, in one pass per event-loop turn.
  const unlogged: RequestRecord[] = [];
  const logUnlogged = () => {
    for (const record of unlogged.splice(0)) requestLog?.enqueue(logEntryOf(record, logContent));
  };
  const tracing = createTracing({
    settings: initialConfig.tracing,
    version: VERSION,
    ...(dependencies.spanExporter === undefined ? {} : { exporter: dependencies.spanExporter }),
  });
  let requestTracing: RequestTracing | null = null;
  // Set below once the server exists; null while keys can never be required (AUTH_MODE=none).
  let clientAuth: ClientAuth | null = null;
  const onRecord = (produced: RequestRecord) => {
    // The key's reservations are settled to the real cost, and the record learns its key id.
    const record = clientAuth === null ? produced : clientAuth.settle(produced);
    if (requestLog !== null && unlogged.push(record) === 1) setImmediate(logUnlogged);
    metrics.observe(record);
    requestTracing?.onRecord(record);
    // The line's object is only built when it will be written.
    if (logger.isLevelEnabled('info')) logRecordLine(logger, record);
    dependencies.onRecord?.(record);
  };
  function buildRuntime(config: Config): Runtime {
    const { timeouts } = config.routing;
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
      states,
      reserveQuota: createQuotaGate(createQuotaLimiter({ store, now, enabled: config.limitsEnabled })),
    });
    const context: RouteContext = { random, now, stats: (route) => states.stats(route) };
    const service = createChatService({
      registry,
      strategy,
      executor,
      states,
      autoModel: config.routing.autoModel,
      now,
      random,
      onRecord,
    });
    return {
      config,
      registry,
      strategyName: strategy.name,
      states,
      service,
      weightsOf: (model: ModelEntry) => liveWeights(strategy, model.routes, states, context),
    };
  }

  let runtime = buildRuntime(initialConfig);
  const everyRoute = () => runtime.registry.models.flatMap((model) => model.routes);
  // A shared store (Redis, SQLite) also carries cooldowns and open circuits between gateway processes.
  const sync =
    store.status().kind === 'memory'
      ? null
      : createRouteStateSync({ states, store, routes: everyRoute, now, intervalMs: 500 });
  sync?.start();

  let healthMonitor: HealthMonitor;
  let loadMonitor: WorkerLoadMonitor;
  const startMonitors = (config: Config) => {
    healthMonitor = createHealthMonitor({
      routes: everyRoute,
      states,
      probe,
      intervalMs: config.routing.healthCheckIntervalMs,
      timeoutMs: config.routing.healthCheckTimeoutMs,
      checkRemote: config.routing.checkRemote,
      onChange: (route, healthy, detail) => {
        if (healthy) logger.info({ route: route.id }, 'route passed its health check: back in traffic');
        else logger.warn({ route: route.id, detail }, 'route failed its health check: out of traffic');
      },
    });
    loadMonitor = createWorkerLoadMonitor({
      routes: everyRoute,
      states,
      probe,
      // Only the load-aware strategy reads worker queues; the others do not scrape.
      intervalMs: config.routing.strategy === 'load-aware' ? config.routing.scrapeIntervalMs : 0,
      timeoutMs: Math.min(config.routing.healthCheckTimeoutMs, config.routing.staleAfterMs),
      now,
    });
    healthMonitor.start();
    loadMonitor.start();
  };
  startMonitors(initialConfig);

  const keyAccess = createKeyAccess({
    config: initialConfig,
    state: store,
    now,
    log: logger,
    catalog: () => ({
      find: (name) => runtime.registry.find(name) ?? null,
      autoModel: runtime.config.routing.autoModel,
      everyRoute,
    }),
    ...(dependencies.keyStore === undefined ? {} : { keyStore: dependencies.keyStore }),
  });
  const keysPossible = initialConfig.security.authMode !== 'none';
  clientAuth = keysPossible
    ? createClientAuth({
        mode: keyAccess.mode,
        ready: keyAccess.table.ready,
        authenticate: keyAccess.authenticate,
        admission: keyAccess.admission,
        estimatePromptTokens: (parsed) => estimatePromptTokens(parsed.request.messages),
      })
    : null;
  const requireAdmin = createAdminGuard(initialConfig.server.adminApiKey, () => keyAccess.mode.isLocalOpen());

  // The HTTP layer holds this facade; a reload swaps what is behind it.
  const unguarded: ChatService = {
    complete: (parsed, context) => runtime.service.complete(parsed, context),
    stream: (parsed, context) => runtime.service.stream(parsed, context),
  };
  const service = clientAuth === null ? unguarded : clientAuth.guard(unguarded);
  const view = (): GatewayView => runtime;

  let closing = false;
  const activity = { inFlight: 0 };
  const handlers = { running: 0 };
  const server = createServer({
    logger,
    bodyLimitBytes: initialConfig.server.bodyLimitBytes,
    isClosing: () => closing,
    trustProxy: initialConfig.security.trustProxy,
    maxHeaderBytes: initialConfig.security.maxHeaderBytes,
  });
  // Every request counts from its arrival to its last byte: a shutdown waits for those still in hooks (key
  // checks, body upload) as for those in a handler, and drops only idle keep-alive connections.
  server.addHook('onRequest', (_request, reply, done) => {
    activity.inFlight += 1;
    reply.raw.once('close', () => {
      activity.inFlight -= 1;
    });
    done();
  });
  // Tracing first, so a request refused by a later hook (a missing key) still has its span.
  requestTracing = registerRequestTracing(server, tracing?.tracer ?? null, TRACED_ROUTES);
  // Before every route: CORS answers preflights, then client keys are checked on /v1 and /api/v1.
  registerCors(server, {
    clientOrigins: initialConfig.security.corsOrigins,
    adminOrigins: initialConfig.security.corsAdminOrigins,
  });
  registerSecurityHeaders(server);
  clientAuth?.register(server);
  const chatOptions = {
    service,
    keepAliveMs: initialConfig.routing.timeouts.keepAliveMs,
    queue,
    releaseStreamAtCommit: initialConfig.admission.releaseStreamAtCommit,
    now,
    handlers,
  };
  registerChatCompletions(server, chatOptions);
  registerMessages(server, { ...chatOptions, view });
  registerModels(server, { view });
  registerMetrics(server, {
    metrics,
    guard: initialConfig.server.metricsRequireAuth ? requireAdmin : null,
  });
  registerGeneration(server, {
    find:
      requestLog === null || logStore === null
        ? null
        : async (id) => {
            // The row may still wait in the writer's queue: write it first.
            await requestLog.flush();
            return logStore.findById(id);
          },
    callerKeyId: (request) => {
      const session = clientAuth?.sessionOf(request);
      return session?.kind === 'client' ? session.entry.record.id : null;
    },
  });
  registerStats(server, {
    store: requestLog === null ? null : logStore,
    flush: async () => requestLog?.flush(),
    now,
    guard: requireAdmin,
  });
  registerServiceInfo(server, {
    view,
    store,
    queue,
    requestLog:
      requestLog === null ? null : { kind: logStore?.kind ?? 'sqlite', stats: () => requestLog.stats() },
    version: VERSION,
    startedAtMs: now(),
    now,
    requireAdmin,
  });
  registerAdminKeys(server, { manager: keyAccess.manager, table: keyAccess.table, requireAdmin });
  registerKeyInfo(server, {
    ledger: keyAccess.ledger,
    sessionOf: (request) => clientAuth?.sessionOf(request),
    authenticate: keyAccess.authenticate,
  });

  return {
    server,
    states,
    store,
    requestLog,
    reload(config) {
      const next = buildRuntime(config);
      states.reconfigure(config.routing);
      states.retain(new Set(config.models.flatMap((model) => model.routes.map((route) => route.id))));
      runtime = next;
      healthMonitor.stop();
      loadMonitor.stop();
      startMonitors(config);
    },
    async refreshHealth() {
      await Promise.all([healthMonitor.checkNow(), loadMonitor.scrapeNow(), sync?.syncNow()]);
    },
    async close() {
      closing = true;
      sync?.stop();
      healthMonitor.stop();
      loadMonitor.stop();
      const serverClosed = server.close();
      // Connections still busy when closing began turn idle one by one as their responses end; each is
      // closed then, so keep-alive clients cannot hold the shutdown open.
      // Once no chat request is being answered, what is left are idle or half-open keep-alive sockets (a
      // client that opened one and sent nothing waits out headersTimeout otherwise): they are dropped.
      const sweeper = setInterval(() => {
        if (activity.inFlight === 0) server.server.closeAllConnections();
        else server.server.closeIdleConnections();
      }, 50);
      try {
        await serverClosed;
      } finally {
        clearInterval(sweeper);
      }
      // A cancelled request's handler may still be recording it (its connection is gone already).
      while (handlers.running > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      await pools.close();
      // Every record is settled by now: pending spend is written before the stores close.
      await keyAccess.close();
      await store.close();
      // Every request accepted has been recorded by now; the writer flushes them (or spills) before exiting.
      logUnlogged();
      await Promise.all([requestLog?.close(), tracing?.shutdown()]);
    },
  };
}

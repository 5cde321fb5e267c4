import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RouteSnapshot } from '../../routing/route-states.js';
import type { RouteTarget } from '../../spec/index.js';
import type { RequestQueue } from '../../limits/request-queue.js';
import type { StateStore } from '../../state/state-store.js';
import type { RequestLogWriterStats } from '../../storage/index.js';
import type { GatewayView } from '../gateway-view.js';

export interface ServiceInfoOptions {
  readonly view: () => GatewayView;
  /** State store (limits, cooldowns) and admission queue, for `/health`. */
  readonly store: StateStore;
  readonly queue: RequestQueue;
  /** The request log: its database and the writer's counters; null when off. */
  readonly requestLog: { readonly kind: string; stats(): RequestLogWriterStats } | null;
  readonly version: string;
  readonly startedAtMs: number;
  readonly now: () => number;
  readonly requireAdmin: (request: FastifyRequest) => void;
}

/** Base URL with any credentials or query string removed, for display. */
function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/$/, '')}`;
  } catch {
    return '[invalid url]';
  }
}

function requestLogHealth(requestLog: ServiceInfoOptions['requestLog']) {
  if (requestLog === null) return { request_log: 'off' };
  const stats = requestLog.stats();
  return {
    request_log: requestLog.kind,
    queued: stats.queued,
    written: stats.written,
    spilled: stats.spilled,
    replayed: stats.replayed,
    failed_batches: stats.failedBatches,
    last_error: stats.lastError?.message ?? null,
  };
}

const round = (value: number | null, digits = 1): number | null =>
  value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;

/** The live state of one route as `/routing` shows it (no secrets: the key never leaves the config). */
function routeState(snapshot: RouteSnapshot) {
  const { stats } = snapshot;
  return {
    available: snapshot.availability.available,
    unavailable_reason: snapshot.availability.available ? null : snapshot.availability.reason,
    health: snapshot.health,
    health_detail: snapshot.healthDetail,
    circuit: snapshot.circuit,
    cooldown_remaining_ms: Math.max(snapshot.cooldownRemainingMs, snapshot.providerCooldownRemainingMs),
    in_flight: stats.inFlight,
    ewma_latency_ms: round(stats.ewmaLatencyMs),
    ewma_ttft_ms: round(stats.ewmaTtftMs),
    ewma_tokens_per_second: round(stats.ewmaTokensPerSecond),
    worker:
      stats.worker === null
        ? null
        : {
            waiting: stats.worker.waiting,
            running: stats.worker.running,
            kv_cache_usage: stats.worker.kvCacheUsage,
            scraped_at: new Date(stats.worker.scrapedAt).toISOString(),
          },
    last_error:
      snapshot.lastError === null
        ? null
        : {
            at: new Date(snapshot.lastError.at).toISOString(),
            reason: snapshot.lastError.reason,
            status: snapshot.lastError.status,
            message: snapshot.lastError.message,
          },
  };
}

/**
 * `GET /` (service info), `GET /health` (status, routes, storage), `GET /routing` (live weights and state per
 * route) and `GET /v1/providers/status` (FreeRouter's per-provider view with usage counters).
 */
export function registerServiceInfo(app: FastifyInstance, options: ServiceInfoOptions): void {
  app.get('/', async () => ({
    name: 'HybridInference',
    version: options.version,
    description: 'OpenRouter-compatible LLM gateway over local inference workers and hosted APIs',
    endpoints: {
      chat_completions: ['/v1/chat/completions', '/api/v1/chat/completions'],
      messages: ['/v1/messages', '/api/v1/messages'],
      count_tokens: ['/v1/messages/count_tokens', '/api/v1/messages/count_tokens'],
      generation: '/api/v1/generation?id={id}',
      models: ['/v1/models', '/api/v1/models'],
      model_endpoints: '/api/v1/models/{author}/{slug}/endpoints',
      health: '/health',
      routing: '/routing',
      providers_status: '/v1/providers/status',
      key: '/api/v1/key',
      credits: '/api/v1/credits',
      admin_keys: '/admin/keys',
      stats: '/stats',
      metrics: '/metrics',
    },
  }));

  app.get('/health', async () => {
    const { registry, states } = options.view();
    const models = registry.models;
    const everyRoute = models.flatMap((model) => model.routes);
    const unhealthy = everyRoute
      .map((route) => ({ route, snapshot: states.snapshot(route) }))
      .filter(({ snapshot }) => !snapshot.availability.available)
      .map(({ route, snapshot }) => ({
        route: route.id,
        reason: snapshot.availability.available ? null : snapshot.availability.reason,
      }));
    const enabled = models.reduce((sum, model) => sum + model.routes.length, 0);
    const disabled = models.flatMap((model) =>
      model.disabledRoutes.map((route) => ({
        model: model.id,
        route: route.id,
        reason: route.reason,
        detail: route.detail,
      })),
    );
    const unservable = models.filter((model) => model.routes.length === 0).map((model) => model.id);
    const store = options.store.status();
    return {
      status: enabled === 0 || unhealthy.length === enabled || !store.healthy ? 'degraded' : 'ok',
      version: options.version,
      uptime_seconds: Math.floor((options.now() - options.startedAtMs) / 1000),
      models: {
        total: models.length,
        servable: models.length - unservable.length,
        without_routes: unservable,
      },
      routes: {
        enabled,
        taking_traffic: enabled - unhealthy.length,
        not_taking_traffic: unhealthy,
        disabled,
      },
      state_store: {
        kind: store.kind,
        healthy: store.healthy,
        ...(store.detail === null ? {} : { detail: store.detail }),
      },
      admission: { running: options.queue.running, waiting: options.queue.waiting },
      storage: requestLogHealth(options.requestLog),
    };
  });

  app.get('/routing', async (request) => {
    options.requireAdmin(request);
    const { config, registry, states, strategyName } = options.view();
    return {
      strategy: strategyName,
      local_fraction: config.routing.localFraction,
      offload: config.offload.enabled,
      models: Object.fromEntries(
        registry.models.map((model) => {
          const weights = options.view().weightsOf(model);
          return [
            model.id,
            {
              aliases: model.aliases,
              routes: model.routes.map((route, index) => ({
                id: route.id,
                provider: route.provider,
                kind: route.kind,
                local: route.isLocal,
                base_url: displayUrl(route.baseUrl),
                provider_model_id: route.providerModelId,
                configured_weight: route.weight,
                weight: Math.round((weights[index] ?? 0) * 1e6) / 1e6,
                weight_percent: `${Math.round((weights[index] ?? 0) * 100)}%`,
                rank: route.rank,
                ...routeState(states.snapshot(route)),
              })),
              disabled: model.disabledRoutes,
            },
          ];
        }),
      ),
    };
  });

  for (const path of ['/v1/providers/status', '/api/v1/providers/status']) {
    app.get(path, async (request) => {
      options.requireAdmin(request);
      const { registry, states } = options.view();
      const byProvider = new Map<string, { name: string; routes: RouteTarget[] }>();
      for (const model of registry.models) {
        for (const route of model.routes) {
          const entry = byProvider.get(route.provider);
          if (entry === undefined)
            byProvider.set(route.provider, { name: route.providerName, routes: [route] });
          else entry.routes.push(route);
        }
      }
      const configured = new Set(byProvider.keys());
      const disabledOnly = registry.models
        .flatMap((model) => model.disabledRoutes)
        .filter((route) => !configured.has(route.provider));
      const data = [...byProvider].map(([slug, { name, routes }]) => {
        const snapshots = routes.map((route) => ({ route, snapshot: states.snapshot(route) }));
        const available = snapshots.some(({ snapshot }) => snapshot.availability.available);
        const retryAfters = snapshots
          .map(({ snapshot }) =>
            snapshot.availability.available ? null : snapshot.availability.retryAfterMs,
          )
          .filter((wait): wait is number => wait !== null);
        const firstUnavailable = snapshots.find(({ snapshot }) => !snapshot.availability.available)?.snapshot
          .availability;
        const cooldownMs = Math.max(
          0,
          ...snapshots.map(({ snapshot }) =>
            Math.max(snapshot.cooldownRemainingMs, snapshot.providerCooldownRemainingMs),
          ),
        );
        const now = options.now();
        const sum = (pick: (snapshot: RouteSnapshot) => number) =>
          snapshots.reduce((total, { snapshot }) => total + pick(snapshot), 0);
        return {
          name: slug,
          display_name: name,
          configured: true,
          available,
          unavailable_reason:
            available || firstUnavailable === undefined || firstUnavailable.available
              ? null
              : firstUnavailable.reason,
          retry_after_seconds:
            available || retryAfters.length === 0 ? null : Math.ceil(Math.min(...retryAfters) / 1000),
          tokens_used_today: sum((snapshot) => snapshot.counters.tokensToday),
          requests_today: sum((snapshot) => snapshot.counters.requestsToday),
          requests_this_minute: sum((snapshot) => snapshot.counters.requestsThisMinute),
          cooldown_until: cooldownMs > 0 ? new Date(now + cooldownMs).toISOString() : null,
          max_context_tokens: Math.max(...routes.map((route) => route.contextLength)),
          models: snapshots.map(({ route, snapshot }) => ({
            route_id: route.id,
            model_id: route.modelId,
            provider_model_id: route.providerModelId,
            local: route.isLocal,
            ...routeState(snapshot),
            usage: {
              total_events: snapshot.counters.totalEvents,
              successes: snapshot.counters.successes,
              failures: snapshot.counters.failures,
              rate_limits: snapshot.counters.rateLimits,
              timeouts: snapshot.counters.timeouts,
              not_found: snapshot.counters.notFound,
              prompt_tokens: snapshot.counters.promptTokens,
              completion_tokens: snapshot.counters.completionTokens,
              total_tokens: snapshot.counters.promptTokens + snapshot.counters.completionTokens,
              last_used_at:
                snapshot.counters.lastUsedAt === null
                  ? null
                  : new Date(snapshot.counters.lastUsedAt).toISOString(),
              last_status_code: snapshot.counters.lastStatusCode,
            },
          })),
        };
      });
      const unconfigured = [...new Set(disabledOnly.map((route) => route.provider))].map((slug) => ({
        name: slug,
        configured: false,
        available: false,
        unavailable_reason: disabledOnly.find((route) => route.provider === slug)?.reason ?? null,
        models: [],
      }));
      return { object: 'list', data: [...data, ...unconfigured] };
    });
  }
}

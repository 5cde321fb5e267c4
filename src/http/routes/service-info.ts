import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config/index.js';
import type { ModelRegistry } from '../../gateway/model-registry.js';
import type { RoutingStrategy } from '../../routing/routing-strategy.js';

export interface ServiceInfoOptions {
  readonly config: Config;
  readonly registry: ModelRegistry;
  readonly strategy: RoutingStrategy;
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

/** `GET /` (service info), `GET /health` (status, routes, storage) and `GET /routing` (live weights). */
export function registerServiceInfo(app: FastifyInstance, options: ServiceInfoOptions): void {
  const { config, registry, strategy } = options;

  app.get('/', async () => ({
    name: 'HybridInference',
    version: options.version,
    description: 'OpenRouter-compatible LLM gateway over local inference workers and hosted APIs',
    endpoints: {
      chat_completions: ['/v1/chat/completions', '/api/v1/chat/completions'],
      models: ['/v1/models', '/api/v1/models'],
      model_endpoints: '/api/v1/models/{author}/{slug}/endpoints',
      health: '/health',
      routing: '/routing',
    },
  }));

  app.get('/health', async () => {
    const models = registry.models;
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
    return {
      status: enabled === 0 ? 'degraded' : 'ok',
      version: options.version,
      uptime_seconds: Math.floor((options.now() - options.startedAtMs) / 1000),
      models: {
        total: models.length,
        servable: models.length - unservable.length,
        without_routes: unservable,
      },
      routes: { enabled, disabled },
      storage: {
        request_log: 'stdout',
        detail: 'each request is logged as one JSON line on stdout; database request logs are not built yet',
      },
    };
  });

  app.get('/routing', async (request) => {
    options.requireAdmin(request);
    return {
      strategy: strategy.name,
      local_fraction: config.routing.localFraction,
      offload: config.offload.enabled,
      models: Object.fromEntries(
        registry.models.map((model) => {
          const weights = strategy.weights(model.routes);
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
                rank: route.rank,
              })),
              disabled: model.disabledRoutes,
            },
          ];
        }),
      ),
    };
  });
}

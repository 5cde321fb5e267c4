import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../../errors/index.js';
import type { ModelRegistry } from '../../gateway/model-registry.js';
import { serializeEndpoints, serializeModel } from '../../gateway/serialize-model.js';
import type { GatewayView } from '../gateway-view.js';

export interface ModelsRouteOptions {
  /** The catalog in force now (a config reload swaps it). */
  readonly view: () => GatewayView;
}

function serializeCatalog(registry: ModelRegistry) {
  return registry.models
    .filter((model) => model.routes.length > 0)
    .map((model) => ({ model, body: serializeModel(model) }));
}

function unknownModel(name: string): GatewayError {
  return new GatewayError(
    'not_found',
    `Model '${name}' is not served by this gateway. GET /v1/models lists the ids.`,
    {
      param: 'model',
    },
  );
}

/**
 * The catalog: `GET /v1/models` (models with at least one enabled route; `?supported_parameters=a,b` keeps
 * models supporting all of them), one model, and its endpoints.
 */
export function registerModels(app: FastifyInstance, options: ModelsRouteOptions): void {
  // Serialised once per catalog, not per request.
  const cache = new WeakMap<ModelRegistry, ReturnType<typeof serializeCatalog>>();
  const serializedCatalog = (registry: ModelRegistry) => {
    let serialized = cache.get(registry);
    if (serialized === undefined) {
      serialized = serializeCatalog(registry);
      cache.set(registry, serialized);
    }
    return serialized;
  };
  const findModel = (name: string) => {
    const model = options.view().registry.find(name);
    if (model === undefined) throw unknownModel(name);
    return model;
  };
  for (const prefix of ['/v1', '/api/v1']) {
    app.get<{ Querystring: { supported_parameters?: string } }>(`${prefix}/models`, async (request) => {
      const wanted = (request.query.supported_parameters ?? '')
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== '');
      const data = serializedCatalog(options.view().registry)
        .filter(({ model }) => wanted.every((name) => model.supportedParameters.includes(name)))
        .map(({ body }) => body);
      return { object: 'list', data };
    });
    app.get<{ Params: { author: string; slug: string } }>(
      `${prefix}/models/:author/:slug/endpoints`,
      async (request) => {
        const model = findModel(`${request.params.author}/${request.params.slug}`);
        return { data: serializeEndpoints(model, options.view().weightsOf(model)) };
      },
    );
    app.get<{ Params: { slug: string } }>(`${prefix}/models/:slug/endpoints`, async (request) => {
      const model = findModel(request.params.slug);
      return { data: serializeEndpoints(model, options.view().weightsOf(model)) };
    });
    app.get<{ Params: { author: string; slug: string } }>(`${prefix}/models/:author/:slug`, async (request) =>
      serializeModel(findModel(`${request.params.author}/${request.params.slug}`)),
    );
    app.get<{ Params: { slug: string } }>(`${prefix}/models/:slug`, async (request) =>
      serializeModel(findModel(request.params.slug)),
    );
  }
}

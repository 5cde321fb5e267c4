import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../../errors/index.js';
import type { ModelRegistry } from '../../gateway/model-registry.js';
import { serializeEndpoints, serializeModel } from '../../gateway/serialize-model.js';
import type { RoutingStrategy } from '../../routing/routing-strategy.js';

export interface ModelsRouteOptions {
  readonly registry: ModelRegistry;
  readonly strategy: RoutingStrategy;
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
  const served = options.registry.models.filter((model) => model.routes.length > 0);
  const serialized = served.map((model) => ({ model, body: serializeModel(model) }));
  const findModel = (name: string) => {
    const model = options.registry.find(name);
    if (model === undefined) throw unknownModel(name);
    return model;
  };
  for (const prefix of ['/v1', '/api/v1']) {
    app.get<{ Querystring: { supported_parameters?: string } }>(`${prefix}/models`, async (request) => {
      const wanted = (request.query.supported_parameters ?? '')
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== '');
      const data = serialized
        .filter(({ model }) => wanted.every((name) => model.supportedParameters.includes(name)))
        .map(({ body }) => body);
      return { object: 'list', data };
    });
    app.get<{ Params: { author: string; slug: string } }>(
      `${prefix}/models/:author/:slug/endpoints`,
      async (request) => {
        const model = findModel(`${request.params.author}/${request.params.slug}`);
        return { data: serializeEndpoints(model, options.strategy.weights(model.routes)) };
      },
    );
    app.get<{ Params: { slug: string } }>(`${prefix}/models/:slug/endpoints`, async (request) => {
      const model = findModel(request.params.slug);
      return { data: serializeEndpoints(model, options.strategy.weights(model.routes)) };
    });
    app.get<{ Params: { author: string; slug: string } }>(`${prefix}/models/:author/:slug`, async (request) =>
      serializeModel(findModel(`${request.params.author}/${request.params.slug}`)),
    );
    app.get<{ Params: { slug: string } }>(`${prefix}/models/:slug`, async (request) =>
      serializeModel(findModel(request.params.slug)),
    );
  }
}

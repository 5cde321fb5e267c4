import { computeCost } from '../accounting/compute-cost.js';
import { estimateUsage } from '../accounting/estimate-usage.js';
import type { ModelEntry } from '../config/index.js';
import { GatewayError, toGatewayError } from '../errors/index.js';
import type { Executor } from '../routing/executor.js';
import type { RoutingStrategy } from '../routing/routing-strategy.js';
import type { ChatResult, RouteTarget, Usage } from '../spec/index.js';
import type { ModelRegistry } from './model-registry.js';
import type { ParsedChatRequest } from './parse-chat-request.js';
import type { RequestRecord } from './request-record.js';
import { failureRecord, servedRecord } from './build-record.js';
import { writeStreamEvents, type WriteEvent } from './stream-events.js';
import { serializeCompletion, type ResponseIdentity } from './serialize-completion.js';

export interface ChatServiceDependencies {
  readonly registry: ModelRegistry;
  readonly strategy: RoutingStrategy;
  readonly executor: Executor;
  readonly now: () => number;
  readonly random: () => number;
  /** Called once per request when it is finished (also for failures and cancelled streams). */
  readonly onRecord: (record: RequestRecord) => void;
}

export interface ChatResponse {
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
}

export interface ChatStream {
  readonly headers: Record<string, string>;
  /**
   * Writes the SSE events through `write` as the upstream sends them, the last being `data: [DONE]`;
   * resolves when the stream is over (also early, when the signal aborts).
   */
  pipe(write: WriteEvent): Promise<void>;
}

/** Per-request context from the HTTP layer. */
export interface CallContext {
  /** The generation id (`gen-...`): request id in logs, body `id`, `X-Generation-Id`. */
  readonly id: string;
  /** Aborts when the client disconnects. */
  readonly signal: AbortSignal;
}

export interface ChatService {
  complete(parsed: ParsedChatRequest, context: CallContext): Promise<ChatResponse>;
  /** Resolves once the route committed (first token); rejects before any byte if every route failed. */
  stream(parsed: ParsedChatRequest, context: CallContext): Promise<ChatStream>;
}

function describeUnavailable(model: ModelEntry): string {
  if (model.disabledRoutes.length === 0) {
    return `Model '${model.id}' has no route with traffic (every route has weight 0 under the routing strategy).`;
  }
  const reasons = model.disabledRoutes.map((route) => `${route.id}: ${route.detail}`).join('; ');
  return `Model '${model.id}' has no enabled route (${reasons}).`;
}

function completionText(result: ChatResult): string {
  const parts: string[] = [];
  for (const choice of result.choices) {
    if (typeof choice.message.content === 'string') parts.push(choice.message.content);
    if (typeof choice.message.reasoning === 'string') parts.push(choice.message.reasoning);
    for (const call of choice.message.tool_calls ?? [])
      parts.push(call.function.name, call.function.arguments);
  }
  return parts.join('');
}

/**
 * The chat pipeline shared by every chat-shaped endpoint: resolve the model (id, alias, `models[]` fallbacks)
 * → plan routes with the strategy → execute → account usage and cost → shape the response.
 */
export function createChatService(dependencies: ChatServiceDependencies): ChatService {
  const { registry } = dependencies;

  function planFor(parsed: ParsedChatRequest): RouteTarget[] {
    const names = [parsed.requestedModel, ...parsed.fallbackModels];
    const models = names.map((name, index) => {
      const model = registry.find(name);
      if (model === undefined) {
        throw new GatewayError(
          'not_found',
          `Model '${name}' is not served by this gateway. GET /v1/models lists the available ids.`,
          { param: index === 0 ? 'model' : 'models', metadata: { model: name } },
        );
      }
      return model;
    });
    const plan = models.flatMap((model) =>
      dependencies.strategy.plan(model.routes, { random: dependencies.random }),
    );
    const first = models[0] as ModelEntry;
    if (plan.length === 0) {
      throw new GatewayError('no_route_available', models.map(describeUnavailable).join(' '), {
        metadata: { model: first.id, attempts: [] },
      });
    }
    return plan;
  }

  function identityFor(id: string, route: RouteTarget, startedAt: number): ResponseIdentity {
    return {
      id,
      created: Math.floor(startedAt / 1000),
      model: route.modelId,
      provider: route.providerName,
    };
  }

  function headersFor(
    identity: ResponseIdentity,
    route: RouteTarget,
    attempts: number,
  ): Record<string, string> {
    return {
      'x-generation-id': identity.id,
      'x-gateway-provider': route.provider,
      'x-gateway-route': route.id,
      'x-gateway-model': route.modelId,
      'x-gateway-attempts': String(attempts),
    };
  }

  async function withFailureRecord<T>(
    parsed: ParsedChatRequest,
    context: CallContext,
    startedAt: number,
    run: () => Promise<T>,
  ) {
    try {
      return await run();
    } catch (thrown) {
      const error = toGatewayError(thrown);
      dependencies.onRecord(
        failureRecord({
          id: context.id,
          requestedModel: parsed.requestedModel,
          stream: parsed.stream,
          error,
          cancelled: context.signal.aborted,
          latencyMs: dependencies.now() - startedAt,
        }),
      );
      throw thrown;
    }
  }

  return {
    async complete(parsed, context) {
      const startedAt = dependencies.now();
      const { signal } = context;
      return withFailureRecord(parsed, context, startedAt, async () => {
        const plan = planFor(parsed);
        const { result, route, attempts } = await dependencies.executor.complete(
          plan,
          parsed.request,
          signal,
        );
        const usage: Usage =
          result.usage ?? (await estimateUsage(parsed.request.messages, completionText(result)));
        const cost = computeCost(usage, route.pricing);
        const identity = identityFor(context.id, route, startedAt);
        const latencyMs = dependencies.now() - startedAt;
        dependencies.onRecord(
          servedRecord({
            id: identity.id,
            requestedModel: parsed.requestedModel,
            route,
            attempts,
            stream: false,
            usage,
            costUsd: cost,
            ttftMs: latencyMs,
            latencyMs,
            failure: null,
            cancelled: false,
          }),
        );
        return {
          headers: headersFor(identity, route, attempts.length),
          body: serializeCompletion(identity, result, usage, cost),
        };
      });
    },

    async stream(parsed, context) {
      const startedAt = dependencies.now();
      const { signal } = context;
      return withFailureRecord(parsed, context, startedAt, async () => {
        const plan = planFor(parsed);
        const committed = await dependencies.executor.openStream(plan, parsed.request, signal);
        const { route, attempts } = committed;
        const identity = identityFor(context.id, route, startedAt);
        const input = {
          identity,
          requestedModel: parsed.requestedModel,
          messages: parsed.request.messages,
          committed,
          signal,
          startedAt,
          now: dependencies.now,
          onRecord: dependencies.onRecord,
        };
        return {
          headers: headersFor(identity, route, attempts.length),
          pipe: (write: WriteEvent) => writeStreamEvents(input, write),
        };
      });
    },
  };
}

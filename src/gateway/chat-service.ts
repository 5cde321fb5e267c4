import { computeCost } from '../accounting/compute-cost.js';
import { estimateUsage } from '../accounting/estimate-usage.js';
import type { ModelEntry } from '../config/index.js';
import { GatewayError, toGatewayError } from '../errors/index.js';
import type { Executor } from '../routing/executor.js';
import type { RoutingStrategy } from '../routing/routing-strategy.js';
import type { ChatRequest, ChatResult, RouteTarget, Usage } from '../spec/index.js';
import type { ModelRegistry } from './model-registry.js';
import type { ParsedChatRequest } from './parse-chat-request.js';
import type { RequestRecord } from './request-record.js';
import { createChunkWriter, DONE_EVENT } from './serialize-chunk.js';
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
  /** Ready-to-write SSE events; the last is `data: [DONE]`. Stops early when the signal aborts. */
  readonly events: AsyncIterable<string>;
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

  function planFor(parsed: ParsedChatRequest): { plan: RouteTarget[]; first: ModelEntry } {
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
    return { plan, first };
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

  function failureRecord(
    parsed: ParsedChatRequest,
    id: string,
    error: GatewayError,
    startedAt: number,
    cancelled: boolean,
  ): RequestRecord {
    const attempts = Array.isArray(error.metadata.attempts)
      ? (error.metadata.attempts as RequestRecord['attempts'])
      : [];
    return {
      id,
      requestedModel: parsed.requestedModel,
      model: null,
      route: null,
      provider: null,
      isLocal: null,
      stream: parsed.stream,
      status: cancelled ? 499 : error.status,
      errorType: cancelled ? 'cancelled' : error.code,
      errorMessage: error.message,
      attempts,
      fallback: false,
      interrupted: false,
      cancelled,
      ttftMs: null,
      latencyMs: dependencies.now() - startedAt,
      usage: null,
      costUsd: null,
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
      dependencies.onRecord(failureRecord(parsed, context.id, error, startedAt, context.signal.aborted));
      throw thrown;
    }
  }

  return {
    async complete(parsed, context) {
      const startedAt = dependencies.now();
      const { signal } = context;
      return withFailureRecord(parsed, context, startedAt, async () => {
        const { plan } = planFor(parsed);
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
        dependencies.onRecord({
          id: identity.id,
          requestedModel: parsed.requestedModel,
          model: route.modelId,
          route: route.id,
          provider: route.provider,
          isLocal: route.isLocal,
          stream: false,
          status: 200,
          errorType: null,
          errorMessage: null,
          attempts,
          fallback: attempts.length > 1,
          interrupted: false,
          cancelled: false,
          ttftMs: latencyMs,
          latencyMs,
          usage,
          costUsd: cost,
        });
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
        const { plan } = planFor(parsed);
        const committed = await dependencies.executor.openStream(plan, parsed.request, signal);
        const { route, attempts } = committed;
        const identity = identityFor(context.id, route, startedAt);
        const writer = createChunkWriter(identity);
        const request: ChatRequest = parsed.request;

        async function* events(): AsyncGenerator<string> {
          let roleSent = false;
          let ttftMs: number | null = null;
          let usage: Usage | null = null;
          let failure: GatewayError | null = null;
          let recorded = false;
          const generated: string[] = [];
          // Billed for what was generated, also when the client went away or the upstream broke.
          const record = async (cancelled: boolean) => {
            recorded = true;
            usage ??= await estimateUsage(request.messages, generated.join(''));
            const cost = computeCost(usage, route.pricing);
            dependencies.onRecord({
              id: identity.id,
              requestedModel: parsed.requestedModel,
              model: route.modelId,
              route: route.id,
              provider: route.provider,
              isLocal: route.isLocal,
              stream: true,
              status: 200,
              errorType: cancelled ? 'cancelled' : (failure?.code ?? null),
              errorMessage: failure?.message ?? null,
              attempts,
              fallback: attempts.length > 1,
              interrupted: failure !== null,
              cancelled,
              ttftMs,
              latencyMs: dependencies.now() - startedAt,
              usage,
              costUsd: cost,
            });
            return { usage, cost };
          };
          try {
            try {
              for await (const part of committed.parts) {
                if (part.kind === 'usage') {
                  usage = part.usage;
                  continue;
                }
                let delta = part.delta;
                if (!roleSent) {
                  roleSent = true;
                  if (delta.role === undefined) delta = { role: 'assistant', ...delta };
                }
                if (typeof delta.content === 'string') generated.push(delta.content);
                if (typeof delta.reasoning === 'string') generated.push(delta.reasoning);
                for (const call of delta.tool_calls ?? []) {
                  if (call.function?.name !== undefined) generated.push(call.function.name);
                  if (call.function?.arguments !== undefined) generated.push(call.function.arguments);
                }
                ttftMs ??= dependencies.now() - startedAt;
                yield writer.delta(
                  part.index,
                  delta,
                  part.finishReason,
                  part.nativeFinishReason,
                  part.logprobs,
                );
              }
            } catch (thrown) {
              if (signal.aborted) return;
              const error = toGatewayError(thrown);
              failure = new GatewayError(
                error.code,
                `The upstream stream broke after it started: ${error.message}`,
                {
                  metadata: { error_type: error.code, provider_code: error.upstreamReason },
                },
              );
              yield writer.error(failure);
            }
            const final = await record(false);
            yield writer.usage(final.usage, final.cost);
            yield DONE_EVENT;
          } finally {
            if (!recorded) await record(true);
          }
        }

        return { headers: headersFor(identity, route, attempts.length), events: events() };
      });
    },
  };
}

import { computeCost } from '../accounting/compute-cost.js';
import { estimateUsage } from '../accounting/estimate-usage.js';
import type { ModelEntry } from '../config/index.js';
import { GatewayError, toGatewayError } from '../errors/index.js';
import type { Attempt } from '../routing/attempt.js';
import type { Executor } from '../routing/executor.js';
import type { RouteStates } from '../routing/route-states.js';
import type { CounterStanding } from '../state/state-store.js';
import type { RouteContext, RoutingStrategy } from '../routing/routing-strategy.js';
import { createRankedStrategy } from '../routing/strategies/ranked-strategy.js';
import { summarizeFailure } from '../routing/summarize-failure.js';
import type {
  CancelSignal,
  ChatResult,
  FinishReason,
  RequestTrace,
  RouteTarget,
  Usage,
} from '../spec/index.js';
import type { ModelRegistry } from './model-registry.js';
import type { ParsedChatRequest } from './parse-chat-request.js';
import { planWithPreferences, type ProviderPreferences } from './provider-preferences.js';
import type { RequestFacts, RequestRecord } from './request-record.js';
import { failureRecord, servedRecord } from './build-record.js';
import { writeStreamEvents, type StreamEncoder, type WriteEvent } from './stream-events.js';
import type { ResponseIdentity } from './serialize-completion.js';

export interface ChatServiceDependencies {
  readonly registry: ModelRegistry;
  readonly strategy: RoutingStrategy;
  readonly executor: Executor;
  readonly states: RouteStates;
  /** Model id that runs the ranked waterfall over every enabled route (routing.yaml `auto_model`). */
  readonly autoModel: string;
  readonly now: () => number;
  readonly random: () => number;
  /** Called once per request when it is finished (also for failures and cancelled streams). */
  readonly onRecord: (record: RequestRecord) => void;
}

/**
 * A served non-stream request in canonical terms, already accounted and logged; each endpoint shapes its own
 * body from it (`serializeCompletion` for chat completions).
 */
export interface CompletedChat {
  readonly headers: Record<string, string>;
  readonly identity: ResponseIdentity;
  readonly result: ChatResult;
  /** The upstream's usage, else the tokenizer estimate (flagged `estimated`). */
  readonly usage: Usage;
  readonly costUsd: number;
}

export interface ChatStream {
  readonly headers: Record<string, string>;
  /** Who serves the stream: the id, model and provider its events carry. */
  readonly identity: ResponseIdentity;
  /**
   * Writes the SSE events through `write` as the upstream sends them, in the encoder's format (made for
   * `identity`), its end last; resolves when the stream is over (also early, when the signal aborts).
   */
  pipe(encoder: StreamEncoder, write: WriteEvent): Promise<void>;
}

/** Per-request context from the HTTP layer. */
export interface CallContext {
  /** The generation id (`gen-...`): request id in logs, body `id`, `X-Generation-Id`. */
  readonly id: string;
  /** The request's trace (each attempt becomes a child span); null or absent when tracing is off. */
  readonly trace?: RequestTrace | null;
  /** Aborts when the client disconnects. */
  readonly signal: CancelSignal;
  /** Clock time the request arrived. */
  readonly receivedAt: number;
  /** `HTTP-Referer` and `X-Title` (OpenRouter app attribution), for the request log. */
  readonly referer: string | null;
  readonly title: string | null;
}

function factsOf(parsed: ParsedChatRequest, context: CallContext): RequestFacts {
  return {
    receivedAt: context.receivedAt,
    request: parsed.request,
    referer: context.referer,
    title: context.title,
  };
}

export interface ChatService {
  /** Serves a non-stream request; the endpoint shapes the body (chat completion, Messages API) from it. */
  complete(parsed: ParsedChatRequest, context: CallContext): Promise<CompletedChat>;
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

function finishReasonsOf(result: ChatResult): {
  finishReasons: FinishReason[];
  nativeFinishReason: string | null;
} {
  const finishReasons: FinishReason[] = [];
  for (const choice of result.choices)
    if (choice.finishReason !== null) finishReasons.push(choice.finishReason);
  return { finishReasons, nativeFinishReason: result.choices[0]?.nativeFinishReason ?? null };
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

  const { states } = dependencies;
  const context: RouteContext = {
    random: dependencies.random,
    now: dependencies.now,
    stats: (route) => states.stats(route),
  };
  const waterfall = createRankedStrategy();

  /** The routes that take traffic now; the others become skipped attempts (for the error report). */
  function availableRoutes(routes: readonly RouteTarget[], skipped: Attempt[]): readonly RouteTarget[] {
    let available: RouteTarget[] | null = null;
    for (let index = 0; index < routes.length; index += 1) {
      const route = routes[index] as RouteTarget;
      const availability = states.availability(route);
      if (availability.available) {
        available?.push(route);
        continue;
      }
      // Copy-on-first-skip: the common case (every route available) allocates nothing.
      available ??= routes.slice(0, index);
      skipped.push({
        route: route.id,
        provider: route.provider,
        outcome: 'skipped',
        reason: availability.reason,
        upstreamStatus: null,
        durationMs: 0,
        ...(availability.retryAfterMs === null ? {} : { retryAfterMs: availability.retryAfterMs }),
      });
    }
    return available ?? routes;
  }

  /** One model's routes in attempt order: the strategy's plan, or the request's `provider` preferences. */
  function planRoutes(
    routes: readonly RouteTarget[],
    strategy: RoutingStrategy,
    parsed: ParsedChatRequest,
    preferences: ProviderPreferences | null,
    skipped: Attempt[],
  ): RouteTarget[] {
    const candidates = availableRoutes(routes, skipped);
    if (preferences === null) return strategy.plan(candidates, context);
    return planWithPreferences({
      candidates,
      preferences,
      requestedParameters: parsed.requestedParameters,
      quantizationOf: (route) => registry.find(route.modelId)?.quantization ?? null,
      strategyPlan: (eligible) => strategy.plan(eligible, context),
      context,
    });
  }

  function planFor(parsed: ParsedChatRequest): { plan: RouteTarget[]; skipped: Attempt[] } {
    const names = [parsed.requestedModel, ...parsed.fallbackModels];
    const skipped: Attempt[] = [];
    const plan: RouteTarget[] = [];
    const found: ModelEntry[] = [];
    // A model whose routes the preferences exclude, or an unknown fallback, is skipped (OpenRouter: every error
    // moves on to the next model); its error stands only if no model is left.
    let skippedModelError: GatewayError | null = null;
    for (const [index, name] of names.entries()) {
      const preferences = parsed.modelPreferences[index] ?? null;
      const model = registry.find(name);
      try {
        if (model === undefined) {
          if (name !== dependencies.autoModel) {
            throw new GatewayError(
              'not_found',
              `Model '${name}' is not served by this gateway. GET /v1/models lists the available ids.`,
              { param: index === 0 ? 'model' : 'models', metadata: { model: name } },
            );
          }
          // `auto`: the waterfall over every enabled route of every model, by rank.
          const everyRoute = registry.models.flatMap((entry) => entry.routes);
          plan.push(...planRoutes(everyRoute, waterfall, parsed, preferences, skipped));
          continue;
        }
        found.push(model);
        plan.push(...planRoutes(model.routes, dependencies.strategy, parsed, preferences, skipped));
      } catch (error) {
        const isSkippable =
          error instanceof GatewayError &&
          (error.metadata.reason === 'constraint_filtered' || error.code === 'not_found');
        if (!isSkippable) throw error;
        skippedModelError ??= error;
      }
    }
    if (plan.length === 0) {
      if (skippedModelError !== null) throw skippedModelError;
      if (skipped.length > 0) throw summarizeFailure([], [], skipped, parsed.requestedModel);
      throw new GatewayError(
        'no_route_available',
        found.length > 0
          ? found.map(describeUnavailable).join(' ')
          : `No model has a route with traffic for '${parsed.requestedModel}'.`,
        { metadata: { model: found[0]?.id ?? parsed.requestedModel, attempts: [] } },
      );
    }
    return { plan, skipped };
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
    attempts: readonly Attempt[],
    rateLimit: CounterStanding | null,
  ): Record<string, string> {
    const headers: Record<string, string> = {
      'x-generation-id': identity.id,
      'x-gateway-provider': route.provider,
      'x-gateway-route': route.id,
      'x-gateway-model': route.modelId,
      'x-gateway-attempts': String(attempts.filter((attempt) => attempt.outcome !== 'skipped').length),
    };
    if (rateLimit !== null) {
      // The quota that bound this request: the one with the least room left.
      headers['x-ratelimit-limit'] = String(rateLimit.limit);
      headers['x-ratelimit-remaining'] = String(Math.max(0, Math.floor(rateLimit.remaining)));
      headers['x-ratelimit-reset'] = String(Math.ceil(rateLimit.resetMs / 1000));
    }
    return headers;
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
          facts: factsOf(parsed, context),
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
        const { plan, skipped } = planFor(parsed);
        const { result, route, attempts, rateLimit } = await dependencies.executor.complete(
          plan,
          parsed.request,
          signal,
          skipped,
          context.trace ?? null,
        );
        const responseText = completionText(result);
        const usage: Usage = result.usage ?? (await estimateUsage(parsed.request.messages, responseText));
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
            facts: factsOf(parsed, context),
            responseText,
            ...finishReasonsOf(result),
          }),
        );
        return {
          headers: headersFor(identity, route, attempts, rateLimit),
          identity,
          result,
          usage,
          costUsd: cost,
        };
      });
    },

    async stream(parsed, context) {
      const startedAt = dependencies.now();
      const { signal } = context;
      return withFailureRecord(parsed, context, startedAt, async () => {
        const { plan, skipped } = planFor(parsed);
        const committed = await dependencies.executor.openStream(
          plan,
          parsed.request,
          signal,
          skipped,
          context.trace ?? null,
        );
        const { route, attempts, rateLimit } = committed;
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
          facts: factsOf(parsed, context),
        };
        return {
          headers: headersFor(identity, route, attempts, rateLimit),
          identity,
          pipe: (encoder: StreamEncoder, write: WriteEvent) => writeStreamEvents(input, encoder, write),
        };
      });
    },
  };
}

import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type {
  AttemptTrace,
  AttemptTraceEnd,
  ChatRequest,
  FinishReason,
  RequestTrace,
  RouteTarget,
  Usage,
} from '../spec/index.js';

/** What the request span is closed with: the facts of the finished request (the gateway's RequestRecord). */
export interface TracedOutcome {
  readonly requestedModel: string;
  readonly model: string | null;
  readonly route: string | null;
  readonly provider: string | null;
  readonly isLocal: boolean | null;
  readonly stream: boolean;
  readonly status: number;
  readonly errorType: string | null;
  readonly errorMessage: string | null;
  readonly attempts: readonly { readonly outcome: string }[];
  readonly fallback: boolean;
  readonly interrupted: boolean;
  readonly cancelled: boolean;
  readonly ttftMs: number | null;
  readonly latencyMs: number;
  readonly usage: Usage | null;
  readonly costUsd: number | null;
  readonly finishReasons: readonly FinishReason[];
  readonly facts: { readonly request: ChatRequest | null };
}

/** The inbound side of a request, as the HTTP layer knows it before the body is parsed. */
export interface InboundRequest {
  /** The generation id (`gen-...`). */
  readonly id: string;
  readonly method: string;
  /** The route pattern, e.g. `/v1/chat/completions`. */
  readonly route: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** The trace of one request as the HTTP layer holds it: handed down as `RequestTrace`, closed from above. */
export interface GatewayRequestTrace extends RequestTrace {
  /** Closes the request span from the finished request's record (model, tokens, cost, outcome). */
  finish(record: TracedOutcome): void;
  /** Closes the span of a request that ended without a record (rejected before routing). */
  finishResponse(statusCode: number): void;
}

export interface RequestTracer {
  start(request: InboundRequest): GatewayRequestTrace;
}

/** The GenAI semantic-convention provider name of a route kind (`gen_ai.provider.name`). */
function providerName(route: RouteTarget): string {
  switch (route.kind) {
    case 'gemini':
      return 'gcp.gemini';
    case 'anthropic':
    case 'claude':
      return 'anthropic';
    case 'openai':
      return 'openai';
    case 'deepseek':
      return 'deepseek';
    case 'groq':
      return 'groq';
    case 'mistral':
      return 'mistral_ai';
    default:
      return route.provider;
  }
}

function usageAttributes(usage: Usage, into: Attributes): void {
  into['gen_ai.usage.input_tokens'] = usage.promptTokens;
  into['gen_ai.usage.output_tokens'] = usage.completionTokens;
  if (usage.cachedTokens !== undefined) into['gen_ai.usage.cache_read.input_tokens'] = usage.cachedTokens;
  if (usage.cacheWriteTokens !== undefined) {
    into['gen_ai.usage.cache_creation.input_tokens'] = usage.cacheWriteTokens;
  }
  if (usage.reasoningTokens !== undefined)
    into['gen_ai.usage.reasoning.output_tokens'] = usage.reasoningTokens;
  into['hybrid_inference.usage.estimated'] = usage.estimated;
}

/** The request's sampling parameters under their GenAI attribute names. */
function requestAttributes(request: ChatRequest, into: Attributes): void {
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (typeof maxTokens === 'number') into['gen_ai.request.max_tokens'] = maxTokens;
  if (typeof request.temperature === 'number') into['gen_ai.request.temperature'] = request.temperature;
  if (typeof request.top_p === 'number') into['gen_ai.request.top_p'] = request.top_p;
  if (typeof request.seed === 'number') into['gen_ai.request.seed'] = request.seed;
  const { frequency_penalty: frequency, presence_penalty: presence } = request;
  if (typeof frequency === 'number') into['gen_ai.request.frequency_penalty'] = frequency;
  if (typeof presence === 'number') into['gen_ai.request.presence_penalty'] = presence;
  const { stop } = request;
  if (typeof stop === 'string') into['gen_ai.request.stop_sequences'] = [stop];
  else if (stop !== undefined)
    into['gen_ai.request.stop_sequences'] = stop.filter((item) => typeof item === 'string');
}

function serverOf(route: RouteTarget): { address: string; port: number } | null {
  try {
    const url = new URL(route.baseUrl);
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    return { address: url.hostname, port };
  } catch {
    return null;
  }
}

/**
 * Turns requests into OpenTelemetry spans: one SERVER span per request (its parent taken from the client's
 * `traceparent`), one CLIENT child span per attempt whose context is sent upstream, attributes per the GenAI
 * semantic conventions (`gen_ai.*`) plus the gateway's own (`hybrid_inference.*`: route, attempts, cost).
 * Context is passed explicitly, not through async-local storage: nothing is paid when tracing is off.
 */
export function createRequestTracer(tracer: Tracer): RequestTracer {
  const propagator = new W3CTraceContextPropagator();

  function attemptTraceFor(parent: Context, route: RouteTarget, request: ChatRequest): AttemptTrace {
    const attributes: Attributes = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': providerName(route),
      'gen_ai.request.model': route.providerModelId,
      'hybrid_inference.route': route.id,
      'hybrid_inference.route.local': route.isLocal,
    };
    requestAttributes(request, attributes);
    const server = serverOf(route);
    if (server !== null) {
      attributes['server.address'] = server.address;
      attributes['server.port'] = server.port;
    }
    const span = tracer.startSpan(
      `chat ${route.providerModelId}`,
      { kind: SpanKind.CLIENT, attributes },
      parent,
    );
    const headers: Record<string, string> = {};
    propagator.inject(trace.setSpan(parent, span), headers, defaultTextMapSetter);
    let ended = false;
    return {
      headers,
      end(outcome: AttemptTraceEnd) {
        if (ended) return;
        ended = true;
        const endAttributes: Attributes = {};
        if (outcome.usage !== null) usageAttributes(outcome.usage, endAttributes);
        if (outcome.finishReasons.length > 0) {
          endAttributes['gen_ai.response.finish_reasons'] = [...outcome.finishReasons];
        }
        const { failure } = outcome;
        if (failure !== null) {
          endAttributes['error.type'] = failure.type;
          if (failure.upstreamStatus !== null) {
            endAttributes['http.response.status_code'] = failure.upstreamStatus;
          }
          span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
        }
        span.setAttributes(endAttributes);
        span.end();
      },
    };
  }

  return {
    start(inbound) {
      const parent = propagator.extract(ROOT_CONTEXT, inbound.headers, defaultTextMapGetter);
      const span: Span = tracer.startSpan(
        `${inbound.method} ${inbound.route}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            'http.request.method': inbound.method,
            'http.route': inbound.route,
            'gen_ai.operation.name': 'chat',
            'gen_ai.response.id': inbound.id,
          },
        },
        parent,
      );
      const context = trace.setSpan(parent, span);
      let ended = false;
      return {
        startAttempt: (route, request) => attemptTraceFor(context, route, request),
        finish(record) {
          if (ended) return;
          ended = true;
          const attributes: Attributes = {
            'gen_ai.request.model': record.requestedModel,
            'http.response.status_code': record.status,
            'hybrid_inference.stream': record.stream,
            'hybrid_inference.attempts': record.attempts.filter((attempt) => attempt.outcome !== 'skipped')
              .length,
            'hybrid_inference.fallback': record.fallback,
            'hybrid_inference.latency_ms': record.latencyMs,
          };
          span.updateName(`chat ${record.requestedModel}`);
          if (record.facts.request !== null) requestAttributes(record.facts.request, attributes);
          if (record.model !== null) attributes['gen_ai.response.model'] = record.model;
          if (record.provider !== null) attributes['hybrid_inference.provider'] = record.provider;
          if (record.route !== null) attributes['hybrid_inference.route'] = record.route;
          if (record.isLocal !== null) attributes['hybrid_inference.route.local'] = record.isLocal;
          if (record.usage !== null) usageAttributes(record.usage, attributes);
          if (record.finishReasons.length > 0) {
            attributes['gen_ai.response.finish_reasons'] = [...record.finishReasons];
          }
          if (record.costUsd !== null) attributes['hybrid_inference.cost_usd'] = record.costUsd;
          if (record.ttftMs !== null) attributes['hybrid_inference.ttft_ms'] = record.ttftMs;
          if (record.cancelled) attributes['hybrid_inference.cancelled'] = true;
          if (record.interrupted) attributes['hybrid_inference.interrupted'] = true;
          if (record.errorType !== null) {
            attributes['error.type'] = record.errorType;
            span.setStatus({ code: SpanStatusCode.ERROR, message: record.errorMessage ?? record.errorType });
          }
          span.setAttributes(attributes);
          span.end();
        },
        finishResponse(statusCode) {
          if (ended) return;
          ended = true;
          span.setAttribute('http.response.status_code', statusCode);
          if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        },
      };
    },
  };
}

import type { GatewayError } from '../errors/index.js';
import type { Attempt } from '../routing/attempt.js';
import type { FinishReason, RouteTarget, Usage } from '../spec/index.js';

const NO_FINISH_REASONS: readonly FinishReason[] = [];
import type { RequestFacts, RequestRecord } from './request-record.js';

/** The record of a request that never reached a serving route (validation, no route, every attempt failed). */
export function failureRecord(input: {
  readonly id: string;
  readonly requestedModel: string;
  readonly stream: boolean;
  readonly error: GatewayError;
  readonly cancelled: boolean;
  readonly latencyMs: number;
  readonly facts: RequestFacts;
}): RequestRecord {
  const { error, cancelled } = input;
  const attempts = Array.isArray(error.metadata.attempts) ? (error.metadata.attempts as Attempt[]) : [];
  return {
    id: input.id,
    requestedModel: input.requestedModel,
    model: null,
    route: null,
    provider: null,
    isLocal: null,
    stream: input.stream,
    // 499: nginx's "client closed request"; nothing was sent, the client was gone.
    status: cancelled ? 499 : error.status,
    errorType: cancelled ? 'cancelled' : error.code,
    errorMessage: error.message,
    attempts,
    fallback: false,
    interrupted: false,
    cancelled,
    ttftMs: null,
    latencyMs: input.latencyMs,
    usage: null,
    costUsd: null,
    finishReasons: NO_FINISH_REASONS,
    nativeFinishReason: null,
    facts: input.facts,
    responseText: null,
  };
}

/** The record of a request a route served (completely, interrupted, or cancelled by the client). */
export function servedRecord(input: {
  readonly id: string;
  readonly requestedModel: string;
  readonly route: RouteTarget;
  readonly attempts: readonly Attempt[];
  readonly stream: boolean;
  readonly usage: Usage;
  readonly costUsd: number;
  readonly ttftMs: number | null;
  readonly latencyMs: number;
  readonly failure: GatewayError | null;
  readonly cancelled: boolean;
  readonly facts: RequestFacts;
  readonly responseText: string;
  readonly finishReasons: readonly FinishReason[];
  readonly nativeFinishReason: string | null;
}): RequestRecord {
  const { route, failure, cancelled } = input;
  return {
    id: input.id,
    requestedModel: input.requestedModel,
    model: route.modelId,
    route: route.id,
    provider: route.provider,
    isLocal: route.isLocal,
    stream: input.stream,
    status: 200,
    errorType: cancelled ? 'cancelled' : (failure?.code ?? null),
    errorMessage: failure?.message ?? null,
    attempts: input.attempts,
    fallback: input.attempts.length > 1,
    interrupted: failure !== null,
    cancelled,
    ttftMs: input.ttftMs,
    latencyMs: input.latencyMs,
    usage: input.usage,
    costUsd: input.costUsd,
    finishReasons: input.finishReasons,
    nativeFinishReason: input.nativeFinishReason,
    facts: input.facts,
    responseText: input.responseText,
  };
}

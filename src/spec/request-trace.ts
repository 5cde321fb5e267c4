import type { ChatRequest } from './chat-request.js';
import type { FinishReason } from './finish-reason.js';
import type { RouteTarget } from './route-target.js';
import type { Usage } from './usage.js';

/**
 * The trace of one request (OpenTelemetry spans when tracing is on), handed from the HTTP layer down to the
 * executor so every attempt becomes a child span whose context travels upstream.
 */
export interface RequestTrace {
  /** Opens the span of one attempt at one route. */
  startAttempt(route: RouteTarget, request: ChatRequest): AttemptTrace;
}

/** How an attempt ended, for its span. */
export interface AttemptTraceEnd {
  /** Tokens of a successful attempt, when known. */
  readonly usage: Usage | null;
  readonly finishReasons: readonly FinishReason[];
  /** Null on success. `type` is the gateway's error code or upstream reason (`rate_limited`, `timeout`, ...). */
  readonly failure: {
    readonly type: string;
    readonly message: string;
    readonly upstreamStatus: number | null;
  } | null;
}

export interface AttemptTrace {
  /** W3C trace context (`traceparent`, `tracestate`) of the attempt's span, sent upstream with the call. */
  readonly headers: Readonly<Record<string, string>>;
  /** Ends the span; later calls are ignored. */
  end(outcome: AttemptTraceEnd): void;
}

import type { Adapter, AdapterCallOptions } from '../adapters/adapter.js';
import {
  UNLIMITED_DECISION,
  type LimitReason,
  type QuotaDecision,
  type QuotaReservation,
} from '../limits/quota-limiter.js';
import type { CounterStanding } from '../state/state-store.js';
import type { RoutingSettings } from '../config/index.js';
import { GatewayError, toGatewayError } from '../errors/index.js';
import type {
  AttemptTrace,
  AttemptTraceEnd,
  CancelSignal,
  ChatRequest,
  ChatResult,
  FinishReason,
  RequestTrace,
  RouteTarget,
  StreamPart,
} from '../spec/index.js';
import { isSubstantiveDelta, NO_PARTS, takeReadyParts, type ReadyParts } from '../spec/index.js';
import type { Attempt } from './attempt.js';
import type { AttemptEnd, RouteStates, SkipReason } from './route-states.js';
import { backoffDelayMs } from './backoff.js';
import { classifyOutcome } from './classify-outcome.js';
import { summarizeFailure } from './summarize-failure.js';
import { CancelController } from '../util/cancel-controller.js';

export interface ExecutorDependencies {
  readonly adapterFor: (route: RouteTarget) => Adapter;
  readonly settings: Pick<RoutingSettings, 'retry' | 'timeouts'>;
  readonly now: () => number;
  readonly random: () => number;
  readonly sleep: (delayMs: number, signal: CancelSignal) => Promise<void>;
  /** Told about every attempt (health, cooldowns, circuit, in-flight, latency); asked before each one. */
  readonly states: RouteStates;
  /**
   * Reserves the route's quotas before an attempt (models.yaml `limits:`). Returns synchronously for routes
   * without quotas, so the common path costs no promise. Absent: no quotas.
   */
  readonly reserveQuota?: (
    route: RouteTarget,
    request: ChatRequest,
  ) => QuotaDecision | Promise<QuotaDecision>;
}

export interface CompletedCall {
  readonly result: ChatResult;
  readonly route: RouteTarget;
  readonly attempts: readonly Attempt[];
  /** The quota closest to its limit for the route that served (for `X-RateLimit-*`), if any. */
  readonly rateLimit: CounterStanding | null;
}

/** A stream whose route has committed: its first substantive part has arrived (or it ended cleanly). */
export interface CommittedStream {
  readonly route: RouteTarget;
  readonly attempts: readonly Attempt[];
  readonly rateLimit: CounterStanding | null;
  /** Buffered parts first, then the rest as the upstream sends them; throws GatewayError if it breaks. */
  readonly parts: AsyncIterable<StreamPart>;
  /**
   * Must be called once when the stream is over (also when the client went away): releases the route's
   * in-flight slot and reports a failure after the commit to the route's health.
   */
  finish(end: AttemptEnd, failure: GatewayError | null): void;
}

export interface Executor {
  /**
   * `skipped`: routes the caller left out of the plan because they take no traffic now (for the report).
   * `trace`: the request's trace, each attempt a child span (null: tracing off).
   */
  complete(
    plan: readonly RouteTarget[],
    request: ChatRequest,
    signal: CancelSignal,
    skipped?: readonly Attempt[],
    trace?: RequestTrace | null,
  ): Promise<CompletedCall>;
  openStream(
    plan: readonly RouteTarget[],
    request: ChatRequest,
    signal: CancelSignal,
    skipped?: readonly Attempt[],
    trace?: RequestTrace | null,
  ): Promise<CommittedStream>;
}

type Run<T> = (adapter: Adapter, options: AdapterCallOptions, reservation: QuotaReservation) => Promise<T>;

const NO_SKIPS: readonly Attempt[] = [];

interface PlanOutcome<T> {
  readonly value: T;
  readonly route: RouteTarget;
  readonly attempts: Attempt[];
  readonly reservation: QuotaReservation;
  /** The span of the attempt that succeeded, still open (the caller ends it). */
  readonly attemptTrace: AttemptTrace | null;
}

const NO_FINISH_REASONS: readonly FinishReason[] = [];

/** How a failed attempt is described on its trace span. */
function failureOf(error: GatewayError): NonNullable<AttemptTraceEnd['failure']> {
  return {
    type: error.upstreamReason ?? error.code,
    message: error.message,
    upstreamStatus: error.upstreamStatus,
  };
}

/**
 * Runs the attempts of a plan in order: retries retryable failures with jittered backoff inside the overall
 * deadline, falls back on the others, returns request-side errors at once (DESIGN.md §5). A stream is only
 * handed back once it commits, so a failure before the first token falls back invisibly.
 */
export function createExecutor(dependencies: ExecutorDependencies): Executor {
  const { settings, states } = dependencies;

  /**
   * `firstAnswerMs`: how long an attempt may take to produce its value (a stream's first token); null for
   * no limit but the overall deadline. One timer per attempt enforces whichever comes first.
   */
  async function runPlan<T>(
    plan: readonly RouteTarget[],
    request: ChatRequest,
    signal: CancelSignal,
    firstAnswerMs: number | null,
    skipped: readonly Attempt[],
    trace: RequestTrace | null,
    run: Run<T>,
  ): Promise<PlanOutcome<T>> {
    const attempts: Attempt[] = [...skipped];
    const failures: GatewayError[] = [];
    const deadline = dependencies.now() + settings.timeouts.totalMs;
    for (const route of plan) {
      const adapter = dependencies.adapterFor(route);
      for (let retry = 0; ; retry += 1) {
        if (signal.aborted) throw signal.reason;
        // An earlier attempt of this request may have cooled the route (or its provider) down or opened its
        // circuit: no retry or fallback into it.
        const availability = states.availability(route);
        if (!availability.available) {
          attempts.push(skippedAttempt(route, availability.reason, availability.retryAfterMs));
          break;
        }
        const pending = dependencies.reserveQuota?.(route, request) ?? UNLIMITED_DECISION;
        const quota = pending instanceof Promise ? await pending : pending;
        if (!quota.admitted) {
          attempts.push(skippedAttempt(route, quota.reason, quota.retryAfterMs));
          break;
        }
        const { reservation } = quota;
        if (signal.aborted) {
          reservation.refund();
          throw signal.reason;
        }
        // The attempt's own controller enforces the deadline before commit and stops a failed attempt; the
        // client's signal stays linked to it for the whole call, also after a stream committed and this
        // function returned. It lives as long as the request's signal; aborting a finished attempt is harmless.
        const controller = new CancelController();
        signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
        const remainingMs = deadline - dependencies.now();
        const isFirstAnswerLimit = firstAnswerMs !== null && firstAnswerMs < remainingMs;
        const timer = setTimeout(
          () => {
            controller.abort(
              isFirstAnswerLimit
                ? new GatewayError('timeout', `The upstream sent no answer within ${firstAnswerMs} ms.`, {
                    upstreamReason: 'timeout',
                    isRetryable: true,
                  })
                : new GatewayError(
                    'timeout',
                    `No answer within the ${settings.timeouts.totalMs} ms deadline.`,
                    {
                      upstreamReason: 'timeout',
                    },
                  ),
            );
          },
          Math.max(isFirstAnswerLimit ? firstAnswerMs : remainingMs, 0),
        );
        const startedAt = dependencies.now();
        states.attemptStarted(route);
        const attemptTrace = trace === null ? null : trace.startAttempt(route, request);
        try {
          const options: AdapterCallOptions = {
            signal: controller.signal,
            onQuotaExhausted: (resetMs) => states.quotaExhausted(route, resetMs),
            ...(attemptTrace === null ? {} : { traceHeaders: attemptTrace.headers }),
          };
          const value = await run(adapter, options, reservation);
          attempts.push(attemptOf(route, 'success', null, dependencies.now() - startedAt));
          return { value, route, attempts, reservation, attemptTrace };
        } catch (thrown) {
          reservation.refund();
          if (signal.aborted) {
            states.attemptEnded(route, null);
            attemptTrace?.end({
              usage: null,
              finishReasons: NO_FINISH_REASONS,
              failure: failureOf(toGatewayError(signal.reason)),
            });
            throw signal.reason;
          }
          const deadlineReason: unknown = controller.signal.reason;
          const error = deadlineReason instanceof GatewayError ? deadlineReason : toGatewayError(thrown);
          controller.abort();
          attemptTrace?.end({ usage: null, finishReasons: NO_FINISH_REASONS, failure: failureOf(error) });
          states.attemptFailed(route, error);
          states.attemptEnded(route, null);
          attempts.push(attemptOf(route, 'failed', error, dependencies.now() - startedAt));
          failures.push(error);
          const action = classifyOutcome(error);
          if (action === 'final') throw error.withMetadata({ attempts });
          const delayMs = backoffDelayMs(
            retry,
            settings.retry.backoffMs,
            settings.retry.maxBackoffMs,
            dependencies.random,
          );
          const canRetry =
            action === 'retry' && retry < settings.retry.attempts && dependencies.now() + delayMs < deadline;
          if (!canRetry) break;
          await dependencies.sleep(delayMs, signal);
        } finally {
          clearTimeout(timer);
        }
        if (dependencies.now() >= deadline) break;
      }
      if (dependencies.now() >= deadline) break;
    }
    throw summarizeFailure(plan, failures, attempts);
  }

  return {
    async complete(plan, request, signal, skipped = NO_SKIPS, trace = null) {
      const { value, route, attempts, reservation, attemptTrace } = await runPlan(
        plan,
        request,
        signal,
        settings.timeouts.attemptMs ?? null,
        skipped,
        trace,
        async (adapter, options, attemptReservation) => {
          const startedAt = dependencies.now();
          const result = await adapter.complete(request, options);
          const latencyMs = dependencies.now() - startedAt;
          states.attemptSucceeded(adapter.route, latencyMs, latencyMs);
          states.attemptEnded(adapter.route, { usage: result.usage, generationMs: latencyMs });
          attemptReservation.settle(result.usage);
          return result;
        },
      );
      attemptTrace?.end({ usage: value.usage, finishReasons: finishReasonsOf(value), failure: null });
      return { result: value, route, attempts, rateLimit: reservation.binding };
    },

    async openStream(plan, request, signal, skipped = NO_SKIPS, trace = null) {
      const { value, route, attempts, reservation, attemptTrace } = await runPlan(
        plan,
        request,
        signal,
        settings.timeouts.ttftMs,
        skipped,
        trace,
        async (adapter, options) => {
          const startedAt = dependencies.now();
          const committed = await waitForCommit(adapter.stream(request, options), options.signal);
          states.attemptSucceeded(adapter.route, dependencies.now() - startedAt, null);
          return committed;
        },
      );
      let finished = false;
      return {
        route,
        attempts,
        rateLimit: reservation.binding,
        parts: replay(value.buffered, value.iterator),
        finish(end, failure) {
          if (finished) return;
          finished = true;
          if (failure !== null) states.attemptFailed(route, failure);
          states.attemptEnded(route, end);
          attemptTrace?.end({
            usage: end.usage,
            finishReasons: end.finishReasons ?? NO_FINISH_REASONS,
            failure: failure === null ? null : failureOf(failure),
          });
          // Billed for what was generated, also when the stream broke or the client left.
          reservation.settle(end.usage);
        },
      };
    },
  };
}

function finishReasonsOf(result: ChatResult): FinishReason[] {
  const reasons: FinishReason[] = [];
  for (const choice of result.choices) if (choice.finishReason !== null) reasons.push(choice.finishReason);
  return reasons;
}

function skippedAttempt(
  route: RouteTarget,
  reason: SkipReason | LimitReason,
  retryAfterMs: number | null,
): Attempt {
  return {
    route: route.id,
    provider: route.provider,
    outcome: 'skipped',
    reason,
    upstreamStatus: null,
    durationMs: 0,
    ...(retryAfterMs === null ? {} : { retryAfterMs }),
  };
}

function attemptOf(
  route: RouteTarget,
  outcome: Attempt['outcome'],
  error: GatewayError | null,
  durationMs: number,
): Attempt {
  return {
    route: route.id,
    provider: route.provider,
    outcome,
    reason: error === null ? null : (error.upstreamReason ?? 'error'),
    upstreamStatus: error?.upstreamStatus ?? null,
    durationMs,
    ...(error === null ? {} : { message: error.message }),
  };
}

/**
 * Reads a stream until its first substantive part (content, reasoning or a tool call) or its clean end, with
 * the attempt timer of runPlan bounding the wait (ttft_ms). Whatever came before is buffered and replayed.
 */
async function waitForCommit(
  stream: AsyncIterable<StreamPart>,
  signal: CancelSignal,
): Promise<{ buffered: StreamPart[]; iterator: AsyncIterator<StreamPart> | null }> {
  const iterator = stream[Symbol.asyncIterator]();
  const buffered: StreamPart[] = [];
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return { buffered, iterator: null };
      buffered.push(next.value);
      if (next.value.kind === 'delta' && isSubstantiveDelta(next.value.delta)) return { buffered, iterator };
    }
  } catch (error) {
    await iterator.return?.();
    throw error;
  } finally {
    if (signal.aborted) await iterator.return?.();
  }
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * The committed stream: buffered parts first, then the live iterator's own promises, unwrapped (no extra
 * promise hop per token on the hot path); `takeReady` passes on what is already converted.
 */
function replay(
  buffered: readonly StreamPart[],
  iterator: AsyncIterator<StreamPart> | null,
): AsyncIterable<StreamPart> {
  let position = 0;
  const live: AsyncIterator<StreamPart> & ReadyParts = {
    next() {
      if (position < buffered.length) {
        return Promise.resolve({ done: false, value: buffered[position++] as StreamPart });
      }
      return iterator === null ? Promise.resolve(DONE) : iterator.next();
    },
    return() {
      return iterator?.return?.() ?? Promise.resolve(DONE);
    },
    takeReady() {
      const held = iterator === null ? NO_PARTS : takeReadyParts(iterator);
      if (position >= buffered.length) return held;
      const rest = buffered.slice(position);
      position = buffered.length;
      return held.length === 0 ? rest : [...rest, ...held];
    },
  };
  return { [Symbol.asyncIterator]: () => live };
}

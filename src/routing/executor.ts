import type { Adapter } from '../adapters/adapter.js';
import type { RoutingSettings } from '../config/index.js';
import { GatewayError, toGatewayError } from '../errors/index.js';
import type { ChatRequest, ChatResult, RouteTarget, StreamPart } from '../spec/index.js';
import { isSubstantiveDelta } from '../spec/index.js';
import type { Attempt } from './attempt.js';
import { backoffDelayMs } from './backoff.js';
import { classifyOutcome } from './classify-outcome.js';
import { summarizeFailure } from './summarize-failure.js';

export interface ExecutorDependencies {
  readonly adapterFor: (route: RouteTarget) => Adapter;
  readonly settings: Pick<RoutingSettings, 'retry' | 'timeouts'>;
  readonly now: () => number;
  readonly random: () => number;
  readonly sleep: (delayMs: number, signal: AbortSignal) => Promise<void>;
}

export interface CompletedCall {
  readonly result: ChatResult;
  readonly route: RouteTarget;
  readonly attempts: readonly Attempt[];
}

/** A stream whose route has committed: its first substantive part has arrived (or it ended cleanly). */
export interface CommittedStream {
  readonly route: RouteTarget;
  readonly attempts: readonly Attempt[];
  /** Buffered parts first, then the rest as the upstream sends them; throws GatewayError if it breaks. */
  readonly parts: AsyncIterable<StreamPart>;
}

export interface Executor {
  complete(plan: readonly RouteTarget[], request: ChatRequest, signal: AbortSignal): Promise<CompletedCall>;
  openStream(
    plan: readonly RouteTarget[],
    request: ChatRequest,
    signal: AbortSignal,
  ): Promise<CommittedStream>;
}

type Run<T> = (adapter: Adapter, signal: AbortSignal) => Promise<T>;

interface PlanOutcome<T> {
  readonly value: T;
  readonly route: RouteTarget;
  readonly attempts: Attempt[];
  /** Unlinks the successful attempt from the client's signal; a stream calls it when it ends. */
  readonly release: () => void;
}

/**
 * Runs the attempts of a plan in order: retries retryable failures with jittered backoff inside the overall
 * deadline, falls back on the others, returns request-side errors at once (DESIGN.md §5). A stream is only
 * handed back once it commits, so a failure before the first token falls back invisibly.
 */
export function createExecutor(dependencies: ExecutorDependencies): Executor {
  const { settings } = dependencies;

  async function runPlan<T>(
    plan: readonly RouteTarget[],
    signal: AbortSignal,
    run: Run<T>,
  ): Promise<PlanOutcome<T>> {
    const attempts: Attempt[] = [];
    const failures: GatewayError[] = [];
    const deadline = dependencies.now() + settings.timeouts.totalMs;
    for (const route of plan) {
      const adapter = dependencies.adapterFor(route);
      for (let retry = 0; ; retry += 1) {
        if (signal.aborted) throw signal.reason;
        // The attempt's own controller enforces the deadline before commit and stops a failed attempt; the
        // client's signal stays linked to it for the whole call, also after a stream committed and this
        // function returned (a listener, not AbortSignal.any: that allocates per request on the hot path).
        const controller = new AbortController();
        const onClientAbort = () => controller.abort(signal.reason);
        signal.addEventListener('abort', onClientAbort, { once: true });
        const release = () => signal.removeEventListener('abort', onClientAbort);
        const remainingMs = deadline - dependencies.now();
        const timer = setTimeout(
          () => {
            controller.abort(
              new GatewayError('timeout', `No answer within the ${settings.timeouts.totalMs} ms deadline.`, {
                upstreamReason: 'timeout',
              }),
            );
          },
          Math.max(remainingMs, 0),
        );
        const startedAt = dependencies.now();
        try {
          const value = await run(adapter, controller.signal);
          attempts.push(attemptOf(route, 'success', null, dependencies.now() - startedAt));
          return { value, route, attempts, release };
        } catch (thrown) {
          release();
          if (signal.aborted) throw signal.reason;
          const deadlineReason: unknown = controller.signal.reason;
          const error = deadlineReason instanceof GatewayError ? deadlineReason : toGatewayError(thrown);
          controller.abort();
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
    async complete(plan, request, signal) {
      const { value, route, attempts, release } = await runPlan(plan, signal, (adapter, attemptSignal) =>
        adapter.complete(request, { signal: attemptSignal }),
      );
      release();
      return { result: value, route, attempts };
    },

    async openStream(plan, request, signal) {
      const { value, route, attempts, release } = await runPlan(plan, signal, (adapter, attemptSignal) =>
        waitForCommit(adapter.stream(request, { signal: attemptSignal }), dependencies, attemptSignal),
      );
      return { route, attempts, parts: replay(value.buffered, value.iterator, release) };
    },
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
 * the time-to-first-token limit. Whatever came before is buffered and replayed to the client.
 */
async function waitForCommit(
  stream: AsyncIterable<StreamPart>,
  dependencies: ExecutorDependencies,
  signal: AbortSignal,
): Promise<{ buffered: StreamPart[]; iterator: AsyncIterator<StreamPart> | null }> {
  const iterator = stream[Symbol.asyncIterator]();
  const buffered: StreamPart[] = [];
  const ttftMs = dependencies.settings.timeouts.ttftMs;
  let timer: NodeJS.Timeout | undefined;
  const firstTokenTimeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(
        new GatewayError('timeout', `The upstream sent no token within ${ttftMs} ms.`, {
          upstreamReason: 'timeout',
          isRetryable: true,
        }),
      );
    }, ttftMs);
  });
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), firstTokenTimeout]);
      if (next.done === true) return { buffered, iterator: null };
      buffered.push(next.value);
      if (next.value.kind === 'delta' && isSubstantiveDelta(next.value.delta)) return { buffered, iterator };
    }
  } catch (error) {
    await iterator.return?.();
    throw error;
  } finally {
    clearTimeout(timer);
    if (signal.aborted) await iterator.return?.();
  }
}

/**
 * The committed stream: buffered parts first, then the live iterator. A plain iterator object rather than an
 * async generator, to save a promise hop per token on the hot path.
 */
function replay(
  buffered: readonly StreamPart[],
  iterator: AsyncIterator<StreamPart> | null,
  release: () => void,
): AsyncIterable<StreamPart> {
  let position = 0;
  let finished = false;
  const finish = async (): Promise<IteratorResult<StreamPart>> => {
    if (!finished) {
      finished = true;
      release();
      await iterator?.return?.();
    }
    return { done: true, value: undefined };
  };
  const live: AsyncIterator<StreamPart> = {
    async next() {
      if (position < buffered.length) return { done: false, value: buffered[position++] as StreamPart };
      if (iterator === null || finished) return finish();
      try {
        const next = await iterator.next();
        if (next.done === true) {
          finished = true;
          release();
        }
        return next;
      } catch (error) {
        finished = true;
        release();
        throw error;
      }
    },
    return: finish,
  };
  return { [Symbol.asyncIterator]: () => live };
}

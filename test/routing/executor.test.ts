import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Adapter } from '../../src/adapters/adapter.js';
import { GatewayError, type UpstreamFailureReason } from '../../src/errors/index.js';
import { createExecutor } from '../../src/routing/executor.js';
import type {
  CancelSignal,
  ChatRequest,
  ChatResult,
  ReadyParts,
  RouteTarget,
  StreamPart,
} from '../../src/spec/index.js';
import { takeReadyParts } from '../../src/spec/index.js';
import { makeRoute } from '../helpers/make-route.js';
import { makeRouteStates } from '../helpers/make-route-states.js';

const request: ChatRequest = { model: 'test-model', messages: [{ role: 'user', content: 'hi' }] };

function result(text: string): ChatResult {
  return {
    upstreamId: null,
    upstreamModel: null,
    systemFingerprint: null,
    usage: null,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text },
        finishReason: 'stop',
        nativeFinishReason: 'stop',
      },
    ],
  };
}

function upstreamError(
  reason: UpstreamFailureReason,
  options: { retryable?: boolean; retryAfterMs?: number } = {},
) {
  const code =
    reason === 'rate_limited'
      ? 'rate_limit_exceeded'
      : reason === 'request_rejected'
        ? 'invalid_request'
        : 'provider_unavailable';
  return new GatewayError(code, `upstream said ${reason}`, {
    upstreamReason: reason,
    isRetryable: options.retryable ?? false,
    retryAfterMs: options.retryAfterMs ?? null,
  });
}

type Behaviour = (call: number) => ChatResult | GatewayError;

function delta(content: string, finish: 'stop' | null = null): StreamPart {
  return { kind: 'delta', index: 0, delta: { content }, finishReason: finish, nativeFinishReason: finish };
}

function fakeAdapters(
  behaviours: Record<string, Behaviour>,
  streams: Record<string, (signal: CancelSignal) => AsyncIterable<StreamPart>> = {},
) {
  const calls: string[] = [];
  const adapterFor = (route: RouteTarget): Adapter => ({
    id: route.id,
    route,
    complete: async () => {
      calls.push(route.id);
      const outcome = behaviours[route.id]!(calls.filter((id) => id === route.id).length);
      if (outcome instanceof GatewayError) throw outcome;
      return outcome;
    },
    stream: (_request, options) => {
      calls.push(route.id);
      return streams[route.id]!(options.signal);
    },
  });
  return { adapterFor, calls };
}

const DEFAULT_TIMEOUTS = {
  connectMs: 1000,
  ttftMs: 1000,
  idleMs: 1000,
  totalMs: 60_000,
  keepAliveMs: 1000,
  attemptMs: null,
};

/** An executor with test settings; `clock` defaults to real time and `sleep` to no wait. */
function customExecutor(
  adapterFor: (route: RouteTarget) => Adapter,
  options: {
    retry: { attempts: number; backoffMs: number; maxBackoffMs: number };
    timeouts?: Partial<typeof DEFAULT_TIMEOUTS>;
    now?: () => number;
    sleep?: (delayMs: number) => Promise<void>;
  },
) {
  const now = options.now ?? Date.now;
  return createExecutor({
    adapterFor,
    settings: { retry: options.retry, timeouts: { ...DEFAULT_TIMEOUTS, ...options.timeouts } },
    now,
    random: () => 0.5,
    sleep: options.sleep ?? (async () => undefined),
    states: makeRouteStates(now),
  });
}

function executorWith(adapterFor: (route: RouteTarget) => Adapter, sleeps: number[] = []) {
  let clock = 0;
  return customExecutor(adapterFor, {
    retry: { attempts: 2, backoffMs: 100, maxBackoffMs: 1000 },
    now: () => clock,
    sleep: async (delayMs) => {
      sleeps.push(delayMs);
      clock += delayMs;
    },
  });
}

const first = makeRoute({ id: 'first/test-model' });
const second = makeRoute({ id: 'second/test-model' });

describe('executor, non-stream', () => {
  test('retries a retryable failure with jittered backoff, then succeeds on the same route', async () => {
    const sleeps: number[] = [];
    const { adapterFor, calls } = fakeAdapters({
      'first/test-model': (call) =>
        call < 3 ? upstreamError('server_error', { retryable: true }) : result('ok'),
    });
    const outcome = await executorWith(adapterFor, sleeps).complete(
      [first],
      request,
      new AbortController().signal,
    );
    assert.equal(outcome.route, first);
    assert.deepEqual(calls, ['first/test-model', 'first/test-model', 'first/test-model']);
    assert.deepEqual(sleeps, [50, 100], 'full jitter: random 0.5 × 100·2^n');
    assert.deepEqual(
      outcome.attempts.map((attempt) => attempt.outcome),
      ['failed', 'failed', 'success'],
    );
  });

  test('falls back at once on 429, auth and model-not-found, without retrying the same route', async () => {
    for (const reason of ['rate_limited', 'auth_error', 'model_not_found', 'invalid_response'] as const) {
      const { adapterFor, calls } = fakeAdapters({
        'first/test-model': () => upstreamError(reason),
        'second/test-model': () => result('from second'),
      });
      const outcome = await executorWith(adapterFor).complete(
        [first, second],
        request,
        new AbortController().signal,
      );
      assert.equal(outcome.route, second, reason);
      assert.deepEqual(calls, ['first/test-model', 'second/test-model'], reason);
    }
  });

  test('total_ms bounds a hanging attempt: 504 naming the deadline, the upstream call aborted', async () => {
    let aborted = false;
    const adapterFor = (route: RouteTarget): Adapter => ({
      id: route.id,
      route,
      complete: (_request, options) =>
        new Promise<ChatResult>((_resolve, reject) => {
          options.signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
        }),
      stream: () => {
        throw new Error('unused');
      },
    });
    const executor = customExecutor(adapterFor, {
      retry: { attempts: 2, backoffMs: 1, maxBackoffMs: 1 },
      timeouts: { connectMs: 50, totalMs: 40 },
    });
    await assert.rejects(
      executor.complete([first, second], request, new AbortController().signal),
      (error: GatewayError) => error.status === 504 && /40 ms deadline/.test(error.message),
    );
    assert.ok(aborted);
  });

  test('no retry starts when its backoff would end past the deadline; the next route gets the time left', async () => {
    let clock = 0;
    const { adapterFor, calls } = fakeAdapters({
      'first/test-model': () => {
        clock += 900;
        return upstreamError('server_error', { retryable: true });
      },
      'second/test-model': () => result('late'),
    });
    const executor = customExecutor(adapterFor, {
      retry: { attempts: 5, backoffMs: 400, maxBackoffMs: 400 },
      timeouts: { totalMs: 1000 },
      now: () => clock,
      sleep: async (delayMs) => {
        clock += delayMs;
      },
    });
    const outcome = await executor.complete([first, second], request, new AbortController().signal);
    assert.equal(outcome.route, second);
    assert.deepEqual(
      calls,
      ['first/test-model', 'second/test-model'],
      '900 + 200 ms backoff > 1000 ms: no retry',
    );
  });

  test('returns a request-side 400 at once: no retry, no fallback', async () => {
    const { adapterFor, calls } = fakeAdapters({
      'first/test-model': () => upstreamError('request_rejected'),
      'second/test-model': () => result('never'),
    });
    await assert.rejects(
      executorWith(adapterFor).complete([first, second], request, new AbortController().signal),
      (error: GatewayError) => error.status === 400 && Array.isArray(error.metadata.attempts),
    );
    assert.deepEqual(calls, ['first/test-model']);
  });

  test('all rate limited → 429 with the earliest Retry-After; mixed failures → 502 listing attempts', async () => {
    const limited = fakeAdapters({
      'first/test-model': () => upstreamError('rate_limited', { retryAfterMs: 7000 }),
      'second/test-model': () => upstreamError('rate_limited', { retryAfterMs: 3000 }),
    });
    await assert.rejects(
      executorWith(limited.adapterFor).complete([first, second], request, new AbortController().signal),
      (error: GatewayError) => error.status === 429 && error.retryAfterMs === 3000,
    );
    const mixed = fakeAdapters({
      'first/test-model': () => upstreamError('rate_limited', { retryAfterMs: 7000 }),
      'second/test-model': () => upstreamError('auth_error'),
    });
    await assert.rejects(
      executorWith(mixed.adapterFor).complete([first, second], request, new AbortController().signal),
      (error: GatewayError) =>
        error.status === 502 &&
        /All 2 routes for test-model failed/.test(error.message) &&
        (error.metadata.attempts as unknown[]).length === 2,
    );
  });
});

async function* parts(...items: (StreamPart | Error)[]): AsyncGenerator<StreamPart> {
  for (const item of items) {
    await Promise.resolve();
    if (item instanceof Error) throw item;
    yield item;
  }
}

async function collect(stream: AsyncIterable<StreamPart>): Promise<string> {
  let text = '';
  for await (const part of stream) if (part.kind === 'delta') text += part.delta.content ?? '';
  return text;
}

describe('executor, stream', () => {
  test('a failure before the first token falls back invisibly', async () => {
    const { adapterFor } = fakeAdapters(
      {},
      {
        'first/test-model': () =>
          parts(
            {
              kind: 'delta',
              index: 0,
              delta: { role: 'assistant', content: '' },
              finishReason: null,
              nativeFinishReason: null,
            },
            upstreamError('interrupted'),
          ),
        'second/test-model': () => parts(delta('Hello'), delta(' world', 'stop')),
      },
    );
    const committed = await executorWith(adapterFor).openStream(
      [first, second],
      request,
      new AbortController().signal,
    );
    assert.equal(committed.route, second);
    assert.equal(await collect(committed.parts), 'Hello world');
  });

  test('after commit a failure reaches the consumer; no splice with another route', async () => {
    const { adapterFor, calls } = fakeAdapters(
      {},
      {
        'first/test-model': () =>
          parts(delta('Hel'), delta('lo'), upstreamError('interrupted', { retryable: true })),
        'second/test-model': () => parts(delta('never')),
      },
    );
    const committed = await executorWith(adapterFor).openStream(
      [first, second],
      request,
      new AbortController().signal,
    );
    assert.equal(committed.route, first);
    let text = '';
    await assert.rejects(async () => {
      for await (const part of committed.parts) if (part.kind === 'delta') text += part.delta.content ?? '';
    }, /interrupted/);
    assert.equal(text, 'Hello');
    assert.deepEqual(calls, ['first/test-model']);
  });

  test("a committed stream hands over what is ready: the parts read before the commit, then the adapter's", async () => {
    // An adapter iterator holding a whole read: `next` serves one part, `takeReady` the rest of the read.
    const reads = [[delta(''), delta('Hel'), delta('lo')], [delta('!', 'stop')]];
    let held: StreamPart[] = [];
    const iterator: AsyncIterator<StreamPart> & ReadyParts = {
      next: async () => {
        if (held.length === 0) held = reads.shift() ?? [];
        const part = held.shift();
        return part === undefined ? { done: true, value: undefined } : { done: false, value: part };
      },
      takeReady: () => held.splice(0),
    };
    const { adapterFor } = fakeAdapters(
      {},
      { 'first/test-model': () => ({ [Symbol.asyncIterator]: () => iterator }) },
    );
    const committed = await executorWith(adapterFor).openStream(
      [first],
      request,
      new AbortController().signal,
    );
    const live = committed.parts[Symbol.asyncIterator]();
    const seen: string[][] = [];
    for (let next = await live.next(); next.done !== true; next = await live.next()) {
      const batch = [next.value, ...takeReadyParts(live)];
      seen.push(batch.map((part) => (part.kind === 'delta' ? String(part.delta.content) : 'usage')));
    }
    // '' and 'Hel' were read to find the commit, 'lo' was still held by the adapter: one batch.
    assert.deepEqual(seen, [['', 'Hel', 'lo'], ['!']]);
  });

  test('a stream that sends nothing within ttft_ms fails over', async () => {
    const { adapterFor } = fakeAdapters(
      {},
      {
        'first/test-model': (signal) => ({
          [Symbol.asyncIterator]: () => ({
            next: () =>
              new Promise<IteratorResult<StreamPart>>((_resolve, reject) =>
                signal.addEventListener('abort', () => reject(new Error('aborted'))),
              ),
            return: async () => ({ done: true, value: undefined }),
          }),
        }),
        'second/test-model': () => parts(delta('fast')),
      },
    );
    const executor = customExecutor(adapterFor, {
      retry: { attempts: 0, backoffMs: 1, maxBackoffMs: 1 },
      timeouts: { connectMs: 50, ttftMs: 30, idleMs: 50, totalMs: 5000 },
    });
    const committed = await executor.openStream([first, second], request, new AbortController().signal);
    assert.equal(committed.route, second);
    assert.equal(committed.attempts[0]!.reason, 'timeout');
  });
});

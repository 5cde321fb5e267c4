import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EMPTY_ROUTE_STATS, type RouteStats, type WorkerLoad } from '../../src/routing/route-stats.js';
import type { RouteContext } from '../../src/routing/routing-strategy.js';
import { createCostStrategy } from '../../src/routing/strategies/cost-strategy.js';
import { createLeastLatencyStrategy } from '../../src/routing/strategies/least-latency-strategy.js';
import {
  createLoadAwareStrategy,
  type LoadAwareSettings,
} from '../../src/routing/strategies/load-aware-strategy.js';
import type { RouteTarget } from '../../src/spec/index.js';
import { makeContext } from '../helpers/make-context.js';
import { makeRoute } from '../helpers/make-route.js';

function shares(weights: number[]): number[] {
  return weights.map((weight) => Math.round(weight * 1000) / 1000);
}

function sum(weights: number[]): number {
  return weights.reduce((total, weight) => total + weight, 0);
}

function ids(routes: RouteTarget[]): string[] {
  return routes.map((route) => route.id);
}

/** Park–Miller PRNG, as in strategies.test.ts, so draw counts are reproducible. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 16807) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

/** A context whose stats come from a table keyed by route id (missing ids: no observations). */
function statsContext(
  table: Record<string, Partial<RouteStats>>,
  overrides: Partial<RouteContext> = {},
): RouteContext {
  return makeContext({ stats: (route) => ({ ...EMPTY_ROUTE_STATS, ...table[route.id] }), ...overrides });
}

describe('least-latency strategy', () => {
  const a = makeRoute({ id: 'a/m' });
  const b = makeRoute({ id: 'b/m' });
  const c = makeRoute({ id: 'c/m' });
  const known = (ewmaTtftMs: number | null, ewmaLatencyMs: number | null = null): Partial<RouteStats> => ({
    successes: 5,
    ewmaTtftMs,
    ewmaLatencyMs,
  });

  test('picks the lowest EWMA TTFT first, the rest by score as fallbacks', () => {
    const strategy = createLeastLatencyStrategy({ exploration: 0.1 });
    const context = statsContext(
      { 'a/m': known(300), 'b/m': known(100), 'c/m': known(200) },
      { random: () => 0.5 },
    );
    assert.deepEqual(ids(strategy.plan([a, b, c], context)), ['b/m', 'c/m', 'a/m']);
  });

  test('falls back to the EWMA total latency when no TTFT is known', () => {
    const strategy = createLeastLatencyStrategy({ exploration: 0 });
    const context = statsContext({ 'a/m': known(null, 900), 'b/m': known(null, 400) }, { random: () => 0.5 });
    assert.deepEqual(ids(strategy.plan([a, b], context)), ['b/m', 'a/m']);
  });

  test('explores unknown routes (fewer than 3 successes) first, at random among them', () => {
    const strategy = createLeastLatencyStrategy({ exploration: 0 });
    const table = { 'a/m': known(100), 'b/m': { successes: 2, ewmaTtftMs: 50 }, 'c/m': {} };
    assert.deepEqual(ids(strategy.plan([a, b, c], statsContext(table, { random: () => 0 }))), [
      'b/m',
      'a/m',
      'c/m',
    ]);
    assert.deepEqual(ids(strategy.plan([a, b, c], statsContext(table, { random: () => 0.99 }))), [
      'c/m',
      'a/m',
      'b/m',
    ]);
    assert.deepEqual(shares(strategy.weights([a, b, c], statsContext(table))), [0, 0.5, 0.5]);
  });

  test('explores a random route at about the exploration rate (10k draws within ±1%)', () => {
    const exploration = 0.1;
    const strategy = createLeastLatencyStrategy({ exploration });
    const random = seededRandom(11);
    const context = statsContext({ 'a/m': known(300), 'b/m': known(100), 'c/m': known(200) }, { random });
    const firsts = new Map<string, number>();
    for (let draw = 0; draw < 10_000; draw += 1) {
      const plan = strategy.plan([a, b, c], context);
      assert.equal(plan.length, 3, 'every route stays as a fallback');
      const first = plan[0]!.id;
      firsts.set(first, (firsts.get(first) ?? 0) + 1);
    }
    const expected = strategy.weights([a, b, c], context);
    assert.deepEqual(shares(expected), [0.033, 0.933, 0.033]);
    [a, b, c].forEach((route, index) => {
      const share = (firsts.get(route.id) ?? 0) / 10_000;
      assert.ok(Math.abs(share - expected[index]!) < 0.01, `${route.id} share ${share}`);
    });
  });

  test('weights sum to 1 over positive-weight routes; zero-weight routes get nothing', () => {
    const off = makeRoute({ id: 'off/m', weight: 0 });
    const strategy = createLeastLatencyStrategy({ exploration: 0.05 });
    const cases: Record<string, Partial<RouteStats>>[] = [
      { 'a/m': known(300), 'b/m': known(100), 'c/m': known(200), 'off/m': known(1) },
      { 'a/m': known(300), 'b/m': {}, 'c/m': known(200), 'off/m': {} },
      {},
    ];
    for (const table of cases) {
      const weights = strategy.weights([a, off, b, c], statsContext(table));
      assert.ok(Math.abs(sum(weights) - 1) < 1e-9, `sum ${sum(weights)}`);
      assert.equal(weights[1], 0);
      assert.ok(!strategy.plan([a, off, b, c], statsContext(table)).includes(off));
    }
  });
});

describe('load-aware strategy (hybrid spill-over)', () => {
  const settings: LoadAwareSettings = {
    maxWaiting: 4,
    targetTtftMs: 1500,
    staleAfterMs: 3000,
    hysteresis: 0.5,
    kvCacheLimit: 0.95,
  };
  const local = makeRoute({ id: 'vllm/m', kind: 'vllm', isLocal: true });
  const remote = makeRoute({ id: 'groq/m', kind: 'groq' });
  const worker = (waiting: number, overrides: Partial<WorkerLoad> = {}): WorkerLoad => ({
    waiting,
    running: 2,
    kvCacheUsage: 0.3,
    scrapedAt: 1000,
    inFlightAtScrape: 0,
    ...overrides,
  });
  const at = (table: Record<string, Partial<RouteStats>>, nowMs = 2000) =>
    statsContext(table, { now: () => nowMs, random: () => 0 });

  test('keeps traffic local while the queue is below max_waiting', () => {
    const strategy = createLoadAwareStrategy(settings);
    const context = at({ 'vllm/m': { worker: worker(3) } });
    assert.deepEqual(ids(strategy.plan([remote, local], context)), ['vllm/m', 'groq/m']);
    assert.deepEqual(strategy.weights([remote, local], context), [0, 1]);
  });

  test('spills to remote at max_waiting, keeping the local route as a last resort', () => {
    const strategy = createLoadAwareStrategy(settings);
    const context = at({ 'vllm/m': { worker: worker(4) } });
    assert.deepEqual(ids(strategy.plan([local, remote], context)), ['groq/m', 'vllm/m']);
    assert.deepEqual(strategy.weights([local, remote], context), [0, 1]);
  });

  test('counts requests sent since the scrape as queued', () => {
    const strategy = createLoadAwareStrategy(settings);
    // waiting 2 + (in flight 5 - 3 at scrape) = 4 = max_waiting.
    const context = at({ 'vllm/m': { inFlight: 5, worker: worker(2, { inFlightAtScrape: 3 }) } });
    assert.deepEqual(ids(strategy.plan([local, remote], context)), ['groq/m', 'vllm/m']);
  });

  test('stale or missing metrics count as saturated', () => {
    const stale = at({ 'vllm/m': { worker: worker(0, { scrapedAt: 1000 }) } }, 1000 + 3001);
    assert.deepEqual(ids(createLoadAwareStrategy(settings).plan([local, remote], stale)), [
      'groq/m',
      'vllm/m',
    ]);
    const fresh = at({ 'vllm/m': { worker: worker(0, { scrapedAt: 1000 }) } }, 1000 + 3000);
    assert.deepEqual(ids(createLoadAwareStrategy(settings).plan([local, remote], fresh)), [
      'vllm/m',
      'groq/m',
    ]);
    const missing = at({ 'vllm/m': { worker: null } });
    assert.deepEqual(ids(createLoadAwareStrategy(settings).plan([local, remote], missing)), [
      'groq/m',
      'vllm/m',
    ]);
  });

  test('free slots absorb new requests; a full KV cache leaves none', () => {
    // Capacity 4 learned from a scrape with a queue (every slot busy), then one with 2 running: 2 free slots.
    const strategy = createLoadAwareStrategy(settings);
    strategy.plan([local, remote], at({ 'vllm/m': { worker: worker(1, { running: 4 }) } }));
    const sentSince = (inFlight: number, kvCacheUsage: number) =>
      at({ 'vllm/m': { inFlight, worker: worker(0, { running: 2, kvCacheUsage }) } });
    assert.deepEqual(
      ids(strategy.plan([local, remote], sentSince(5, 0.3))),
      ['vllm/m', 'groq/m'],
      '5 sent, 2 free: queue 3',
    );
    assert.deepEqual(
      ids(strategy.plan([local, remote], sentSince(6, 0.3))),
      ['groq/m', 'vllm/m'],
      'queue 4: spills',
    );
    const full = createLoadAwareStrategy(settings);
    full.plan([local, remote], at({ 'vllm/m': { worker: worker(1, { running: 4 }) } }));
    assert.deepEqual(
      ids(full.plan([local, remote], sentSince(4, 0.95))),
      ['groq/m', 'vllm/m'],
      'KV full: no free slot, queue 4',
    );
  });

  test('a broken TTFT target counts as saturated only while something is queued', () => {
    const slowIdle = at({ 'vllm/m': { ewmaTtftMs: 2000, worker: worker(0) } });
    assert.deepEqual(ids(createLoadAwareStrategy(settings).plan([local, remote], slowIdle)), [
      'vllm/m',
      'groq/m',
    ]);
    const slowBusy = at({ 'vllm/m': { ewmaTtftMs: 2000, worker: worker(1) } });
    assert.deepEqual(ids(createLoadAwareStrategy(settings).plan([local, remote], slowBusy)), [
      'groq/m',
      'vllm/m',
    ]);
  });

  test('hysteresis: a spilled route does not return before queue <= floor(max_waiting × hysteresis), then returns', () => {
    const strategy = createLoadAwareStrategy(settings);
    const planAt = (waiting: number) =>
      ids(strategy.plan([local, remote], at({ 'vllm/m': { worker: worker(waiting) } })))[0];
    assert.equal(planAt(3), 'vllm/m');
    assert.equal(planAt(4), 'groq/m', 'spills at max_waiting');
    assert.equal(planAt(3), 'groq/m', 'still spilling below max_waiting');
    assert.equal(planAt(2), 'vllm/m', 'returns at floor(4 × 0.5) = 2');
    assert.equal(planAt(3), 'vllm/m', 'open again: stays local below max_waiting');
  });

  test('weights() reads the spill state without advancing it', () => {
    const strategy = createLoadAwareStrategy(settings);
    assert.deepEqual(strategy.weights([local, remote], at({ 'vllm/m': { worker: worker(5) } })), [0, 1]);
    assert.deepEqual(ids(strategy.plan([local, remote], at({ 'vllm/m': { worker: worker(3) } }))), [
      'vllm/m',
      'groq/m',
    ]);
  });

  test('a non-scraped local route (llama.cpp) uses the gateway in-flight count as its queue', () => {
    const llamaCpp = makeRoute({ id: 'llamacpp/m', kind: 'openai_compat', isLocal: true });
    const strategy = createLoadAwareStrategy(settings);
    assert.deepEqual(ids(strategy.plan([llamaCpp, remote], at({ 'llamacpp/m': { inFlight: 3 } }))), [
      'llamacpp/m',
      'groq/m',
    ]);
    assert.deepEqual(ids(strategy.plan([llamaCpp, remote], at({ 'llamacpp/m': { inFlight: 4 } }))), [
      'groq/m',
      'llamacpp/m',
    ]);
  });

  test('open local routes go least queue first, equal queues drawn by weight', () => {
    const heavy = makeRoute({ id: 'vllm/a', kind: 'vllm', isLocal: true, weight: 3 });
    const light = makeRoute({ id: 'vllm/b', kind: 'vllm', isLocal: true, weight: 1 });
    const strategy = createLoadAwareStrategy(settings);
    const busy = { 'vllm/a': { worker: worker(2) }, 'vllm/b': { worker: worker(1) } };
    assert.deepEqual(ids(strategy.plan([heavy, light, remote], at(busy))), ['vllm/b', 'vllm/a', 'groq/m']);
    const idle = { 'vllm/a': { worker: worker(0) }, 'vllm/b': { worker: worker(0) } };
    const drawn = (random: number) =>
      ids(
        strategy.plan([heavy, light, remote], statsContext(idle, { now: () => 2000, random: () => random })),
      );
    assert.deepEqual(drawn(0.5), ['vllm/a', 'vllm/b', 'groq/m']);
    assert.deepEqual(drawn(0.9), ['vllm/b', 'vllm/a', 'groq/m']);
    assert.deepEqual(shares(strategy.weights([heavy, light, remote], at(idle))), [0.75, 0.25, 0]);
  });

  test('remote routes: first drawn by weight, zero-weight remotes left out', () => {
    const cheap = makeRoute({ id: 'groq/a', weight: 1 });
    const big = makeRoute({ id: 'together/a', weight: 3 });
    const off = makeRoute({ id: 'off/a', weight: 0 });
    const strategy = createLoadAwareStrategy(settings);
    const context = at({ 'vllm/m': { worker: worker(9) } });
    assert.deepEqual(ids(strategy.plan([local, cheap, big, off], context)), [
      'groq/a',
      'together/a',
      'vllm/m',
    ]);
    assert.deepEqual(shares(strategy.weights([local, cheap, big, off], context)), [0, 0.25, 0.75, 0]);
  });

  test('with no remote route, traffic stays local even when every local route is saturated', () => {
    const second = makeRoute({ id: 'sglang/m', kind: 'sglang', isLocal: true });
    const strategy = createLoadAwareStrategy(settings);
    const context = at({ 'vllm/m': { worker: worker(7) }, 'sglang/m': { worker: worker(5) } });
    assert.deepEqual(ids(strategy.plan([local, second], context)), ['sglang/m', 'vllm/m']);
    assert.deepEqual(strategy.weights([local, second], context), [0.5, 0.5]);
  });
});

describe('cost strategy', () => {
  const pricey = makeRoute({ id: 'openai/m', pricing: { prompt: '0.000002', completion: '0.000008' } });
  const cheap = makeRoute({ id: 'groq/m', pricing: { prompt: '0.00000059', completion: '0.00000079' } });
  const local = makeRoute({ id: 'vllm/m', isLocal: true, pricing: { prompt: '0', completion: '0' } });

  test('cheapest route first (local routes priced by their own pricing), the rest by price', () => {
    const strategy = createCostStrategy();
    assert.deepEqual(ids(strategy.plan([pricey, cheap, local], makeContext())), [
      'vllm/m',
      'groq/m',
      'openai/m',
    ]);
    assert.deepEqual(strategy.weights([pricey, cheap, local], makeContext()), [0, 0, 1]);
  });

  test('the per-request fee counts; an unparseable price goes last', () => {
    const fee = makeRoute({ id: 'fee/m', pricing: { prompt: '0', completion: '0', request: '0.01' } });
    const broken = makeRoute({ id: 'broken/m', pricing: { prompt: 'free', completion: '0' } });
    assert.deepEqual(ids(createCostStrategy().plan([broken, fee, pricey], makeContext())), [
      'openai/m',
      'fee/m',
      'broken/m',
    ]);
  });

  test('equal prices are broken by EWMA latency (unmeasured last), then config order', () => {
    const a = makeRoute({ id: 'a/m' });
    const b = makeRoute({ id: 'b/m' });
    const c = makeRoute({ id: 'c/m' });
    const d = makeRoute({ id: 'd/m' });
    const context = statsContext({
      'a/m': { ewmaTtftMs: 500 },
      'b/m': { ewmaTtftMs: null, ewmaLatencyMs: 200 },
    });
    assert.deepEqual(ids(createCostStrategy().plan([c, a, d, b], context)), ['b/m', 'a/m', 'c/m', 'd/m']);
    assert.deepEqual(createCostStrategy().weights([c, a, d, b], context), [0, 0, 0, 1]);
  });

  test('zero-weight routes are excluded, however cheap', () => {
    const off = makeRoute({ id: 'off/m', weight: 0, pricing: { prompt: '0', completion: '0' } });
    const strategy = createCostStrategy();
    assert.deepEqual(ids(strategy.plan([pricey, off, cheap], makeContext())), ['groq/m', 'openai/m']);
    assert.deepEqual(strategy.weights([pricey, off, cheap], makeContext()), [0, 0, 1]);
  });
});

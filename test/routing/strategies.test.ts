import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createFixedStrategy } from '../../src/routing/strategies/fixed-strategy.js';
import { createRankedStrategy } from '../../src/routing/strategies/ranked-strategy.js';
import { createWeightedStrategy } from '../../src/routing/strategies/weighted-strategy.js';
import { makeContext } from '../helpers/make-context.js';
import { makeRoute } from '../helpers/make-route.js';

const local = makeRoute({ id: 'vllm/m', isLocal: true });
const local2 = makeRoute({ id: 'sglang/m', isLocal: true });
const remote = makeRoute({ id: 'groq/m' });

function shares(weights: number[]): number[] {
  return weights.map((weight) => Math.round(weight * 1000) / 1000);
}

describe('fixed strategy (the seed FixedRatioStrategy, renormalised)', () => {
  test('splits local_fraction over local routes and the rest over remote ones', () => {
    assert.deepEqual(shares(createFixedStrategy(0.6).weights([local, remote], makeContext())), [0.6, 0.4]);
    assert.deepEqual(
      shares(createFixedStrategy(0.6).weights([local, local2, remote], makeContext())),
      [0.3, 0.3, 0.4],
    );
  });

  test('a missing group leaves its share to the other', () => {
    assert.deepEqual(shares(createFixedStrategy(0.6).weights([local, local2], makeContext())), [0.5, 0.5]);
    assert.deepEqual(shares(createFixedStrategy(0.6).weights([remote], makeContext())), [1]);
  });

  test('local_fraction 0 is soft offload: local routes are neither chosen nor fallbacks', () => {
    const strategy = createFixedStrategy(0);
    assert.deepEqual(shares(strategy.weights([local, remote], makeContext())), [0, 1]);
    assert.deepEqual(
      strategy.plan([local, remote], makeContext({ random: () => 0 })).map((route) => route.id),
      ['groq/m'],
    );
  });

  test('draws follow the weights (10k draws within ±2%)', () => {
    const strategy = createFixedStrategy(0.6);
    let seed = 7;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return (seed - 1) / 2147483646;
    };
    let localFirst = 0;
    for (let draw = 0; draw < 10_000; draw += 1) {
      const plan = strategy.plan([local, remote], makeContext({ random }));
      if (plan[0] === local) localFirst += 1;
      assert.equal(plan.length, 2, 'the other route stays as fallback');
    }
    assert.ok(Math.abs(localFirst / 10_000 - 0.6) < 0.02, `local share ${localFirst / 10_000}`);
  });
});

describe('weighted strategy', () => {
  test('renormalises weights and leaves zero-weight routes out of the plan', () => {
    const a = makeRoute({ id: 'a/m', weight: 3 });
    const b = makeRoute({ id: 'b/m', weight: 1 });
    const off = makeRoute({ id: 'c/m', weight: 0 });
    const strategy = createWeightedStrategy();
    assert.deepEqual(shares(strategy.weights([a, b, off], makeContext())), [0.75, 0.25, 0]);
    assert.deepEqual(
      strategy.plan([a, b, off], makeContext({ random: () => 0.9 })).map((route) => route.id),
      ['b/m', 'a/m'],
    );
  });
});

describe('ranked strategy', () => {
  test('orders by rank, ties in config order', () => {
    const first = makeRoute({ id: 'x/m', rank: 2 });
    const second = makeRoute({ id: 'y/m', rank: 1 });
    const third = makeRoute({ id: 'z/m', rank: 2 });
    const strategy = createRankedStrategy();
    assert.deepEqual(
      strategy.plan([first, second, third], makeContext({ random: () => 0.5 })).map((route) => route.id),
      ['y/m', 'x/m', 'z/m'],
    );
    assert.deepEqual(strategy.weights([first, second, third], makeContext()), [0, 1, 0]);
  });
});

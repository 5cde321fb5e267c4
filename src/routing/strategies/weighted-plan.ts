import type { RouteTarget } from '../../spec/index.js';
import type { RouteContext } from '../routing-strategy.js';

/** Renormalises weights over the routes with a positive weight; all-zero stays all-zero. */
export function normalizeWeights(weights: readonly number[]): number[] {
  const total = weights.reduce((sum, weight) => sum + (weight > 0 ? weight : 0), 0);
  if (total <= 0) return weights.map(() => 0);
  return weights.map((weight) => (weight > 0 ? weight / total : 0));
}

/**
 * First route drawn in proportion to its weight; the other positive-weight routes follow as fallbacks,
 * heaviest first. Zero-weight routes are not in the plan.
 */
export function weightedPlan(
  candidates: readonly RouteTarget[],
  weights: readonly number[],
  context: RouteContext,
): RouteTarget[] {
  const normalized = normalizeWeights(weights);
  const eligible: { route: RouteTarget; weight: number }[] = [];
  candidates.forEach((route, index) => {
    const weight = normalized[index] ?? 0;
    if (weight > 0) eligible.push({ route, weight });
  });
  if (eligible.length <= 1) return eligible.map((entry) => entry.route);
  const draw = context.random();
  let cumulative = 0;
  let chosen = eligible.length - 1;
  for (let index = 0; index < eligible.length; index += 1) {
    cumulative += eligible[index]?.weight ?? 0;
    if (draw < cumulative) {
      chosen = index;
      break;
    }
  }
  const first = eligible[chosen];
  const rest = eligible
    .filter((_, index) => index !== chosen)
    .sort((left, right) => right.weight - left.weight);
  return [...(first === undefined ? [] : [first.route]), ...rest.map((entry) => entry.route)];
}

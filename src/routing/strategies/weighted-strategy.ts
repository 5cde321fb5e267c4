import type { RouteTarget } from '../../spec/index.js';
import type { RouteContext, RoutingStrategy } from '../routing-strategy.js';
import { normalizeWeights, weightedPlan } from './weighted-plan.js';

/** `weighted`: the models.yaml weights, renormalised over the eligible routes. */
export function createWeightedStrategy(): RoutingStrategy {
  const weightsOf = (candidates: readonly RouteTarget[]) => candidates.map((route) => route.weight);
  return {
    name: 'weighted',
    weights: (candidates) => normalizeWeights(weightsOf(candidates)),
    plan: (candidates, context: RouteContext) => weightedPlan(candidates, weightsOf(candidates), context),
  };
}

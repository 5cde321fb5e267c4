import type { RouteTarget } from '../../spec/index.js';
import type { RouteContext, RoutingStrategy } from '../routing-strategy.js';
import { normalizeWeights, weightedPlan } from './weighted-plan.js';

/**
 * `fixed`: the seed's FixedRatioStrategy. Local routes share `localFraction`, remote routes the rest; inside a
 * group the models.yaml weights set the proportions. A group that is empty (or offloaded) leaves its share to
 * the other, so the weights always sum to 1 over the routes that get traffic. `localFraction: 0` is soft
 * offload: local routes get no traffic and are not fallbacks.
 */
export function createFixedStrategy(localFraction: number): RoutingStrategy {
  const weightsOf = (candidates: readonly RouteTarget[]): number[] => {
    const localTotal = candidates.reduce(
      (sum, route) => sum + (route.isLocal ? Math.max(route.weight, 0) : 0),
      0,
    );
    const remoteTotal = candidates.reduce(
      (sum, route) => sum + (route.isLocal ? 0 : Math.max(route.weight, 0)),
      0,
    );
    const localShare = remoteTotal === 0 ? (localFraction > 0 ? 1 : 0) : localTotal === 0 ? 0 : localFraction;
    const remoteShare = localTotal === 0 || localShare === 0 ? 1 : 1 - localShare;
    return normalizeWeights(
      candidates.map((route) => {
        const weight = Math.max(route.weight, 0);
        if (route.isLocal) return localTotal === 0 ? 0 : (localShare * weight) / localTotal;
        return remoteTotal === 0 ? 0 : (remoteShare * weight) / remoteTotal;
      }),
    );
  };
  return {
    name: 'fixed',
    weights: weightsOf,
    plan: (candidates, context: RouteContext) => weightedPlan(candidates, weightsOf(candidates), context),
  };
}

import type { RouteTarget } from '../../spec/index.js';
import type { RoutingStrategy } from '../routing-strategy.js';

/** `ranked`: FreeRouter's waterfall. Routes in `rank` order (ties keep config order), each tried in turn. */
export function createRankedStrategy(): RoutingStrategy {
  const order = (candidates: readonly RouteTarget[]) =>
    candidates
      .map((route, index) => ({ route, index }))
      .filter((entry) => entry.route.weight > 0)
      .sort((left, right) => left.route.rank - right.route.rank || left.index - right.index)
      .map((entry) => entry.route);
  return {
    name: 'ranked',
    // All traffic goes to the first route while it works; the rest are fallbacks.
    weights: (candidates) => {
      const first = order(candidates)[0];
      return candidates.map((route) => (route === first ? 1 : 0));
    },
    plan: (candidates) => order(candidates),
  };
}

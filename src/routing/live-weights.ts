import type { RouteTarget } from '../spec/index.js';
import type { RouteStates } from './route-states.js';
import type { RouteContext, RoutingStrategy } from './routing-strategy.js';

/**
 * The traffic share of each route now (same order as `routes`): the strategy's weights over the routes that
 * take traffic, 0 for the others (cooling down, circuit open, failed health check).
 */
export function liveWeights(
  strategy: RoutingStrategy,
  routes: readonly RouteTarget[],
  states: RouteStates,
  context: RouteContext,
): number[] {
  const available = routes.filter((route) => states.availability(route).available);
  const weights = strategy.weights(available, context);
  const byId = new Map(available.map((route, index) => [route.id, weights[index] ?? 0]));
  return routes.map((route) => byId.get(route.id) ?? 0);
}

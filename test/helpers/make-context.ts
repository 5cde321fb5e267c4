import { EMPTY_ROUTE_STATS } from '../../src/routing/route-stats.js';
import type { RouteContext } from '../../src/routing/routing-strategy.js';

/** A strategy context with test defaults: Math.random, clock at 0, no observations. */
export function makeContext(overrides: Partial<RouteContext> = {}): RouteContext {
  return { random: Math.random, now: () => 0, stats: () => EMPTY_ROUTE_STATS, ...overrides };
}

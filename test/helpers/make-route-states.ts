import { resolveRoutingSettings } from '../../src/config/routing-settings.js';
import { RouteStates } from '../../src/routing/route-states.js';

/** Route states with the default routing.yaml settings, overridable per test. */
export function makeRouteStates(
  now: () => number,
  overrides: Partial<ConstructorParameters<typeof RouteStates>[0]> = {},
): RouteStates {
  return new RouteStates({ ...resolveRoutingSettings(null), ...overrides }, now);
}

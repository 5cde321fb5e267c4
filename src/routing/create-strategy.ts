import type { RoutingSettings } from '../config/index.js';
import type { RoutingStrategy } from './routing-strategy.js';
import { createFixedStrategy } from './strategies/fixed-strategy.js';
import { createRankedStrategy } from './strategies/ranked-strategy.js';
import { createWeightedStrategy } from './strategies/weighted-strategy.js';

const FACTORIES: Record<RoutingSettings['strategy'], (settings: RoutingSettings) => RoutingStrategy> = {
  fixed: (settings) => createFixedStrategy(settings.localFraction),
  weighted: () => createWeightedStrategy(),
  ranked: () => createRankedStrategy(),
};

/** The strategy named by `routing_strategy` in routing.yaml. */
export function createStrategy(settings: RoutingSettings): RoutingStrategy {
  return FACTORIES[settings.strategy](settings);
}

import type { RoutingSettings } from '../config/index.js';
import type { RoutingStrategy } from './routing-strategy.js';
import { createCostStrategy } from './strategies/cost-strategy.js';
import { createFixedStrategy } from './strategies/fixed-strategy.js';
import { createLeastLatencyStrategy } from './strategies/least-latency-strategy.js';
import { createLoadAwareStrategy } from './strategies/load-aware-strategy.js';
import { createRankedStrategy } from './strategies/ranked-strategy.js';
import { createWeightedStrategy } from './strategies/weighted-strategy.js';

const FACTORIES: Record<RoutingSettings['strategy'], (settings: RoutingSettings) => RoutingStrategy> = {
  fixed: (settings) => createFixedStrategy(settings.localFraction),
  weighted: () => createWeightedStrategy(),
  ranked: () => createRankedStrategy(),
  'least-latency': (settings) => createLeastLatencyStrategy({ exploration: settings.exploration }),
  'load-aware': (settings) => createLoadAwareStrategy(settings),
  cost: () => createCostStrategy(),
};

/** The strategy named by `routing_strategy` in routing.yaml. */
export function createStrategy(settings: RoutingSettings): RoutingStrategy {
  return FACTORIES[settings.strategy](settings);
}

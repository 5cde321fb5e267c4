import type { Config, ModelEntry } from '../config/index.js';
import type { ModelRegistry } from '../gateway/model-registry.js';
import type { RouteStates } from '../routing/route-states.js';

/**
 * What the read-only endpoints show, as of now: the config and catalog in force (a reload swaps them) and the
 * live route states.
 */
export interface GatewayView {
  readonly config: Config;
  readonly registry: ModelRegistry;
  readonly strategyName: string;
  readonly states: RouteStates;
  /** Live traffic share of each of the model's routes (0 for routes taking no traffic now). */
  weightsOf(model: ModelEntry): number[];
}

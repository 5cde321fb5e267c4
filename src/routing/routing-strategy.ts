import type { RouteTarget } from '../spec/index.js';
import type { RouteStats } from './route-stats.js';

/** Inputs a strategy may use besides the candidates; injected so strategies stay pure and testable. */
export interface RouteContext {
  /** Uniform draw in [0, 1). */
  readonly random: () => number;
  /** Clock in ms (the gateway's injected clock). */
  readonly now: () => number;
  /** Observed load and latency of a route. */
  readonly stats: (route: RouteTarget) => RouteStats;
}

/**
 * Orders the candidate routes of one model into an attempt list. The candidates are the routes that may take
 * traffic now (healthy, circuit not open, not cooling down); routes left out of the plan get no traffic, not
 * even as fallbacks (a zero weight means "off", DESIGN.md §5).
 */
export interface RoutingStrategy {
  readonly name: string;
  /** Live traffic share per candidate (same order), summing to 1 over the routes that get traffic. */
  weights(candidates: readonly RouteTarget[], context: RouteContext): number[];
  plan(candidates: readonly RouteTarget[], context: RouteContext): RouteTarget[];
}

import type { RouteTarget } from '../spec/index.js';

/** Inputs a strategy may use besides the candidates; injected so strategies stay pure and testable. */
export interface RouteContext {
  /** Uniform draw in [0, 1). */
  readonly random: () => number;
}

/**
 * Orders the candidate routes of one model into an attempt list. Routes left out of the plan get no traffic,
 * not even as fallbacks (a zero weight means "off", DESIGN.md §5).
 */
export interface RoutingStrategy {
  readonly name: string;
  /** Live traffic share per candidate (same order), summing to 1 over the routes that get traffic. */
  weights(candidates: readonly RouteTarget[]): number[];
  plan(candidates: readonly RouteTarget[], context: RouteContext): RouteTarget[];
}

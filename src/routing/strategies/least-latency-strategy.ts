import type { RouteTarget } from '../../spec/index.js';
import { observedLatencyMs } from '../route-stats.js';
import type { RouteContext, RoutingStrategy } from '../routing-strategy.js';

/** Successful attempts a route needs before its EWMA is trusted; below it the route is explored first. */
export const MIN_KNOWN_SUCCESSES = 3;

interface Scored {
  readonly route: RouteTarget;
  readonly index: number;
  /** EWMA TTFT (else latency) in ms; null while the route is unknown. */
  readonly scoreMs: number | null;
}

function scoreAll(candidates: readonly RouteTarget[], context: RouteContext): Scored[] {
  const scored: Scored[] = [];
  candidates.forEach((route, index) => {
    if (route.weight <= 0) return;
    const stats = context.stats(route);
    const latencyMs = observedLatencyMs(stats);
    const scoreMs = stats.successes >= MIN_KNOWN_SUCCESSES && latencyMs !== null ? latencyMs : null;
    scored.push({ route, index, scoreMs });
  });
  // Known routes by score ascending, unknown ones after them; ties keep config order.
  return scored.sort(
    (left, right) =>
      (left.scoreMs ?? Number.POSITIVE_INFINITY) - (right.scoreMs ?? Number.POSITIVE_INFINITY) ||
      Number(left.scoreMs === null) - Number(right.scoreMs === null) ||
      left.index - right.index,
  );
}

function pick<T>(items: readonly T[], draw: number): T | undefined {
  return items[Math.min(items.length - 1, Math.floor(draw * items.length))];
}

/**
 * `least-latency`: the route with the lowest EWMA time to first token (total latency when no TTFT is known)
 * goes first, the others follow by score as fallbacks. A route with fewer than {@link MIN_KNOWN_SUCCESSES}
 * successes is unknown: a random unknown route goes first until every route is known. Then, with probability
 * `exploration` (0..1, default 0.05), a uniformly random route goes first so every route's EWMA stays fresh.
 * One `random()` draw per plan.
 */
export function createLeastLatencyStrategy(settings: { readonly exploration: number }): RoutingStrategy {
  const exploration = Math.min(Math.max(settings.exploration, 0), 1);
  return {
    name: 'least-latency',
    weights: (candidates, context) => {
      const scored = scoreAll(candidates, context);
      const unknown = scored.filter((entry) => entry.scoreMs === null);
      const shares = new Map<RouteTarget, number>();
      if (unknown.length > 0) {
        for (const entry of unknown) shares.set(entry.route, 1 / unknown.length);
      } else {
        const explored = exploration / scored.length;
        scored.forEach((entry, position) =>
          shares.set(entry.route, position === 0 ? 1 - exploration + explored : explored),
        );
      }
      return candidates.map((route) => shares.get(route) ?? 0);
    },
    plan: (candidates, context) => {
      const scored = scoreAll(candidates, context);
      if (scored.length <= 1) return scored.map((entry) => entry.route);
      const unknown = scored.filter((entry) => entry.scoreMs === null);
      const draw = context.random();
      let first: Scored | undefined;
      if (unknown.length > 0) first = pick(unknown, draw);
      // Rescale the draw that decided to explore into a uniform pick over every route.
      else if (draw < exploration) first = pick(scored, draw / exploration);
      else first = scored[0];
      if (first === undefined) return scored.map((entry) => entry.route);
      return [first.route, ...scored.filter((entry) => entry !== first).map((entry) => entry.route)];
    },
  };
}

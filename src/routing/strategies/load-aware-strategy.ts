import type { RoutingSettings } from '../../config/index.js';
import type { RouteTarget } from '../../spec/index.js';
import type { RouteStats } from '../route-stats.js';
import { isScraped } from '../worker-load-monitor.js';
import type { RouteContext, RoutingStrategy } from '../routing-strategy.js';
import { normalizeWeights, weightedPlan } from './weighted-plan.js';

export type LoadAwareSettings = Pick<
  RoutingSettings,
  'maxWaiting' | 'targetTtftMs' | 'staleAfterMs' | 'hysteresis' | 'kvCacheLimit'
>;

interface LocalLoad {
  /** Estimated queue depth in requests; +Infinity when unknown (no scrape or a stale one). */
  readonly queue: number;
  /** A hard condition holds (stale or missing metrics, latency target broken with a queue). */
  readonly saturated: boolean;
}

/**
 * Queue estimate and hard saturation of one local route at `nowMs`. For a scraped worker: its own `waiting`
 * count, plus the requests this gateway sent since the scrape that found no free slot. Free slots are the
 * worker's capacity (learned: the `running` count seen while requests were waiting, else the highest seen)
 * minus what was running; a full KV cache leaves none, as the worker cannot admit a new sequence.
 */
export function measureLocalLoad(
  route: RouteTarget,
  stats: RouteStats,
  nowMs: number,
  settings: LoadAwareSettings,
  capacity: number = 0,
): LocalLoad {
  let queue = stats.inFlight;
  if (isScraped(route)) {
    const worker = stats.worker;
    // No metrics, or metrics too old to trust, count as saturated: spilling is safer than queueing blind.
    if (worker === null || nowMs - worker.scrapedAt > settings.staleAfterMs) {
      return { queue: Number.POSITIVE_INFINITY, saturated: true };
    }
    const kvFull = worker.kvCacheUsage !== null && worker.kvCacheUsage >= settings.kvCacheLimit;
    const freeSlots = kvFull ? 0 : Math.max(0, capacity - worker.running);
    const sentSince = Math.max(0, stats.inFlight - worker.inFlightAtScrape);
    queue = worker.waiting + Math.max(0, sentSince - freeSlots);
  }
  const slow = stats.ewmaTtftMs !== null && stats.ewmaTtftMs > settings.targetTtftMs && queue > 0;
  return { queue, saturated: slow };
}

/** Capacity of a worker as its scrapes show it: exact while requests wait (every slot busy), else a floor. */
export function learnCapacity(previous: number, stats: RouteStats): number {
  const worker = stats.worker;
  if (worker === null) return previous;
  return worker.waiting > 0 ? worker.running : Math.max(previous, worker.running);
}

/**
 * Next spill state of a local route: an open route spills once its queue reaches `maxWaiting` (or it is
 * saturated); a spilling route reopens only when its queue is down to ⌊maxWaiting × hysteresis⌋ and it is not
 * saturated, so a route at the threshold does not flap.
 */
export function nextSpilling(wasSpilling: boolean, load: LocalLoad, settings: LoadAwareSettings): boolean {
  if (load.saturated) return true;
  if (wasSpilling) return load.queue > Math.floor(settings.maxWaiting * settings.hysteresis);
  return load.queue >= settings.maxWaiting;
}

interface Classified {
  readonly open: { route: RouteTarget; queue: number; index: number }[];
  readonly spilling: { route: RouteTarget; queue: number; index: number }[];
  readonly remote: RouteTarget[];
}

function byQueue(left: { queue: number; index: number }, right: { queue: number; index: number }): number {
  // Infinity - Infinity is NaN (falsy): unknown queues tie and keep config order.
  return left.queue - right.queue || left.index - right.index;
}

/**
 * `load-aware`: hybrid spill-over. Traffic stays on open local routes (least queue first; equal queues drawn in
 * proportion to weight) while they have headroom; when every local route is spilling, it goes to the remote
 * routes (first drawn by weight, the rest as fallbacks); spilling local routes come last as a final resort.
 * The queue of a vLLM/SGLang route is the scraped `waiting` plus the gateway's requests sent since the scrape
 * beyond the worker's free slots; of any other local route, the gateway's in-flight count. The spill state per route id lives in the
 * instance and is advanced by `plan()`; `weights()` reads it without advancing it.
 */
export function createLoadAwareStrategy(settings: LoadAwareSettings): RoutingStrategy {
  const spillingById = new Map<string, boolean>();
  const capacityById = new Map<string, number>();

  const classify = (
    candidates: readonly RouteTarget[],
    context: RouteContext,
    commit: boolean,
  ): Classified => {
    const classified: Classified = { open: [], spilling: [], remote: [] };
    const nowMs = context.now();
    candidates.forEach((route, index) => {
      if (route.weight <= 0) return;
      if (!route.isLocal) {
        classified.remote.push(route);
        return;
      }
      const stats = context.stats(route);
      const capacity = learnCapacity(capacityById.get(route.id) ?? 0, stats);
      if (commit) capacityById.set(route.id, capacity);
      const load = measureLocalLoad(route, stats, nowMs, settings, capacity);
      const spilling = nextSpilling(spillingById.get(route.id) ?? false, load, settings);
      if (commit) spillingById.set(route.id, spilling);
      (spilling ? classified.spilling : classified.open).push({ route, queue: load.queue, index });
    });
    classified.open.sort(byQueue);
    classified.spilling.sort(byQueue);
    return classified;
  };

  /** Open locals by queue; routes with the same queue are drawn in proportion to their weight. */
  const orderOpen = (open: Classified['open'], context: RouteContext): RouteTarget[] => {
    const ordered: RouteTarget[] = [];
    for (let start = 0; start < open.length;) {
      const queue = open[start]?.queue;
      let end = start;
      while (end < open.length && open[end]?.queue === queue) end += 1;
      const group = open.slice(start, end).map((entry) => entry.route);
      ordered.push(
        ...weightedPlan(
          group,
          group.map((route) => route.weight),
          context,
        ),
      );
      start = end;
    }
    return ordered;
  };

  return {
    name: 'load-aware',
    weights: (candidates, context) => {
      const { open, spilling, remote } = classify(candidates, context, false);
      const receiving = new Set<RouteTarget>(
        open.length > 0
          ? open.map((entry) => entry.route)
          : remote.length > 0
            ? remote
            : spilling.map((entry) => entry.route),
      );
      return normalizeWeights(candidates.map((route) => (receiving.has(route) ? route.weight : 0)));
    },
    plan: (candidates, context) => {
      const { open, spilling, remote } = classify(candidates, context, true);
      return [
        ...orderOpen(open, context),
        ...weightedPlan(
          remote,
          remote.map((route) => route.weight),
          context,
        ),
        ...spilling.map((entry) => entry.route),
      ];
    },
  };
}

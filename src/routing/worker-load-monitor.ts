import type { RouteTarget } from '../spec/index.js';
import type { HttpProbe } from '../adapters/http-probe.js';
import { parseWorkerMetrics } from './parse-worker-metrics.js';
import { createPeriodicTask } from './periodic-task.js';
import { routeOrigin } from './route-origin.js';
import type { RouteStates } from './route-states.js';

export interface WorkerLoadMonitorOptions {
  readonly routes: () => readonly RouteTarget[];
  readonly states: RouteStates;
  readonly probe: HttpProbe;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly now: () => number;
}

export interface WorkerLoadMonitor {
  scrapeNow(): Promise<void>;
  start(): void;
  stop(): void;
}

const SCRAPED_KINDS = new Set<RouteTarget['kind']>(['vllm', 'sglang']);

/** Local vLLM and SGLang routes report their queue on `/metrics`; other routes are not scraped. */
export function isScraped(route: RouteTarget): boolean {
  return route.isLocal && SCRAPED_KINDS.has(route.kind);
}

/**
 * Scrapes the `/metrics` of local vLLM/SGLang workers every `intervalMs` for the load-aware strategy. A
 * failed scrape leaves the last figures in place; once they are older than `stale_after_ms` the strategy
 * counts the worker as saturated, so a worker that stops answering loses its traffic.
 */
export function createWorkerLoadMonitor(options: WorkerLoadMonitorOptions): WorkerLoadMonitor {
  async function round(): Promise<void> {
    const byOrigin = new Map<string, RouteTarget[]>();
    for (const route of options.routes()) {
      if (!isScraped(route)) continue;
      const origin = routeOrigin(route);
      const routes = byOrigin.get(origin);
      if (routes === undefined) byOrigin.set(origin, [route]);
      else routes.push(route);
    }
    await Promise.all(
      [...byOrigin].map(async ([origin, routes]) => {
        try {
          const response = await options.probe(`${origin}/metrics`, {
            headers: {},
            timeoutMs: options.timeoutMs,
          });
          if (response.status !== 200) return;
          const metrics = parseWorkerMetrics(response.text);
          if (metrics === null) return;
          const scrapedAt = options.now();
          for (const route of routes) options.states.setWorkerLoad(route, { ...metrics, scrapedAt });
        } catch {
          // Left stale on purpose: stale metrics count as saturated.
        }
      }),
    );
  }

  const task = createPeriodicTask(round, options.intervalMs);
  return { scrapeNow: task.runNow, start: task.start, stop: task.stop };
}

import { authHeadersOf } from '../adapters/auth-headers.js';
import type { RouteTarget } from '../spec/index.js';
import type { HttpProbe } from '../adapters/http-probe.js';
import { createPeriodicTask } from './periodic-task.js';
import { routeOrigin } from './route-origin.js';
import type { RouteStates } from './route-states.js';

export interface HealthMonitorOptions {
  /** The routes now configured (read at every round, so a config reload is followed). */
  readonly routes: () => readonly RouteTarget[];
  readonly states: RouteStates;
  readonly probe: HttpProbe;
  /** 0 = off. */
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Also check remote routes with `GET {base_url}/models`. */
  readonly checkRemote: boolean;
  /** Told when a route changes between healthy and unhealthy. */
  readonly onChange?: (route: RouteTarget, healthy: boolean, detail: string | null) => void;
}

export interface HealthMonitor {
  /** One round of checks now; resolves when every probe answered or timed out. */
  checkNow(): Promise<void>;
  start(): void;
  stop(): void;
}

interface Target {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly routes: RouteTarget[];
}

/** Local workers: the origin's `/health` (vLLM, SGLang, llama.cpp). Remotes: `GET /models` with the key. */
function targetOf(route: RouteTarget, checkRemote: boolean): Omit<Target, 'routes'> | null {
  if (route.isLocal) return { url: `${routeOrigin(route)}/health`, headers: {} };
  if (!checkRemote) return null;
  return { url: `${route.baseUrl}/models`, headers: { ...route.headers, ...authHeadersOf(route) } };
}

/**
 * Active health checks every `intervalMs` (routing.yaml `health_check`, seed meaning; `timeout` is the probe
 * timeout). A failed check takes the route out of traffic at once (its weight goes to 0 and the others are
 * renormalised); a passing one puts it back. Routes sharing an endpoint and key are probed once.
 */
export function createHealthMonitor(options: HealthMonitorOptions): HealthMonitor {
  async function round(): Promise<void> {
    const targets = new Map<string, Target>();
    for (const route of options.routes()) {
      const target = targetOf(route, options.checkRemote);
      if (target === null) continue;
      // Same endpoint and same credentials: one probe (the key is only compared, never kept or logged).
      const key = `${target.url}\n${route.kind}\n${route.apiKey}`;
      const existing = targets.get(key);
      if (existing === undefined) targets.set(key, { ...target, routes: [route] });
      else existing.routes.push(route);
    }
    await Promise.all(
      [...targets.values()].map(async (target) => {
        let detail: string | null = null;
        try {
          const response = await options.probe(target.url, {
            headers: target.headers,
            timeoutMs: options.timeoutMs,
          });
          if (response.status < 200 || response.status >= 300) {
            detail = `health check answered HTTP ${response.status}`;
          }
        } catch (error) {
          detail = `health check failed: ${error instanceof Error ? error.message : String(error)}`;
        }
        for (const route of target.routes) {
          const wasHealthy = options.states.snapshot(route).health !== 'unhealthy';
          options.states.setHealth(route, detail === null, detail);
          if (wasHealthy !== (detail === null)) options.onChange?.(route, detail === null, detail);
        }
      }),
    );
  }

  const task = createPeriodicTask(round, options.intervalMs);
  return { checkNow: task.runNow, start: task.start, stop: task.stop };
}

import type { RouteTarget } from '../spec/index.js';
import type { StateStore } from '../state/state-store.js';
import { createPeriodicTask } from './periodic-task.js';
import type { RouteSignal, RouteStates } from './route-states.js';

const ROUTE_REASONS: readonly RouteSignal['reason'][] = ['cooldown', 'model_not_found', 'circuit_open'];
const PROVIDER_REASONS: readonly RouteSignal['reason'][] = ['auth_error', 'cooldown'];

function keyOf(scope: RouteSignal['scope'], reason: RouteSignal['reason'], name: string): string {
  return `rs:${scope}:${reason}:${name}`;
}

export interface RouteStateSync {
  /** Reads what other processes published and applies it; resolves when done. */
  syncNow(): Promise<void>;
  start(): void;
  stop(): void;
}

/**
 * Shares cooldowns and open circuits between gateway processes through the state store: each process
 * publishes the ones it sees (a 429's cooldown, a provider's bad key, a circuit that opened) and reads the
 * others' every `intervalMs`, so a route one replica found broken is avoided by all within that interval.
 * Each process keeps its own circuit counts and health checks; only their verdicts travel.
 */
export function createRouteStateSync(options: {
  readonly states: RouteStates;
  readonly store: StateStore;
  readonly routes: () => readonly RouteTarget[];
  readonly now: () => number;
  readonly intervalMs: number;
}): RouteStateSync {
  const { states, store, now } = options;

  states.onSignal = (signal) => {
    void store.setUntil(keyOf(signal.scope, signal.reason, signal.name), signal.until, now());
  };

  async function round(): Promise<void> {
    const routes = options.routes();
    const wanted: { signal: Omit<RouteSignal, 'until'>; key: string }[] = [];
    for (const route of routes) {
      for (const reason of ROUTE_REASONS) {
        wanted.push({
          signal: { scope: 'route', name: route.id, reason },
          key: keyOf('route', reason, route.id),
        });
      }
    }
    for (const provider of new Set(routes.map((route) => route.provider))) {
      for (const reason of PROVIDER_REASONS) {
        wanted.push({
          signal: { scope: 'provider', name: provider, reason },
          key: keyOf('provider', reason, provider),
        });
      }
    }
    if (wanted.length === 0) return;
    const untils = await store.getUntil(
      wanted.map((entry) => entry.key),
      now(),
    );
    untils.forEach((until, index) => {
      const entry = wanted[index];
      if (until !== null && entry !== undefined) states.applySignal({ ...entry.signal, until });
    });
  }

  const task = createPeriodicTask(() => round().catch(() => undefined), options.intervalMs, {
    runAtStart: false,
  });
  return {
    syncNow: task.runNow,
    start: task.start,
    stop() {
      task.stop();
      states.onSignal = null;
    },
  };
}

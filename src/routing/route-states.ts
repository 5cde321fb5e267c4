import type { RoutingSettings } from '../config/index.js';
import type { GatewayError, UpstreamFailureReason } from '../errors/index.js';
import type { FinishReason, RouteTarget, Usage } from '../spec/index.js';
import { CircuitBreaker, type CircuitState } from './circuit-breaker.js';
import { emptyCounters, periodCounters, rollPeriods, type RouteCounters } from './route-counters.js';
import { EMPTY_ROUTE_STATS, type RouteStats, type WorkerLoad } from './route-stats.js';

/** Why a route takes no traffic right now (listed as a skipped attempt). */
export type SkipReason =
  | 'circuit_open'
  | 'circuit_half_open'
  | 'cooldown'
  | 'provider_cooldown'
  | 'unhealthy'
  | 'auth_error'
  | 'model_not_found';

export type Availability =
  | { readonly available: true }
  | { readonly available: false; readonly reason: SkipReason; readonly retryAfterMs: number | null };

const AVAILABLE: Availability = { available: true };

export interface LastError {
  readonly at: number;
  readonly reason: UpstreamFailureReason | 'error';
  readonly status: number | null;
  readonly message: string;
}

/** Everything `/routing` and `/v1/providers/status` show about one route. */
export interface RouteSnapshot {
  readonly availability: Availability;
  readonly health: 'healthy' | 'unhealthy' | 'unknown';
  readonly healthDetail: string | null;
  readonly circuit: CircuitState;
  /** Remaining ms of the route's own cooldown (429, model not found). */
  readonly cooldownRemainingMs: number;
  /** Remaining ms of the provider-wide cooldown (auth errors). */
  readonly providerCooldownRemainingMs: number;
  readonly stats: RouteStats;
  readonly lastError: LastError | null;
  readonly counters: Readonly<RouteCounters>;
}

/** How an attempt ended, reported once per attempt after its last byte. */
export interface AttemptEnd {
  readonly usage: Usage | null;
  /** Ms from the first token to the end (streams), or null. */
  readonly generationMs: number | null;
  /** The choices' finish reasons, when the stream sent them (for the attempt's trace span). */
  readonly finishReasons?: readonly FinishReason[];
}

interface Cooldown {
  until: number;
  reason: 'cooldown' | 'auth_error' | 'model_not_found' | 'circuit_open';
}

/**
 * A change other gateway processes should know about: a route or provider that takes no traffic until
 * `until` (shared through the state store, so replicas agree).
 */
export interface RouteSignal {
  readonly scope: 'route' | 'provider';
  /** Route id or provider slug. */
  readonly name: string;
  readonly reason: Cooldown['reason'];
  readonly until: number;
}

class RouteState {
  readonly breaker: CircuitBreaker;
  inFlight = 0;
  ewmaLatencyMs: number | null = null;
  ewmaTtftMs: number | null = null;
  ewmaTokensPerSecond: number | null = null;
  successes = 0;
  worker: WorkerLoad | null = null;
  health: 'healthy' | 'unhealthy' | 'unknown' = 'unknown';
  healthDetail: string | null = null;
  cooldown: Cooldown | null = null;
  lastError: LastError | null = null;
  readonly counters: RouteCounters = emptyCounters();

  constructor(breaker: CircuitBreaker) {
    this.breaker = breaker;
  }
}

export interface RouteStatesSettings {
  readonly circuitBreaker: RoutingSettings['circuitBreaker'];
  readonly cooldowns: RoutingSettings['cooldowns'];
  readonly ewmaAlpha: number;
}

/**
 * The gateway's live knowledge of its routes: circuit breakers, cooldowns, active health, in-flight counts
 * and latency EWMAs, keyed by route id (and provider slug for provider-wide cooldowns). The router asks it
 * which routes may take traffic; the executor reports every attempt to it (DESIGN.md §5 side effects).
 * Synchronous and allocation-light: it sits on the hot path. State survives config reloads for routes that
 * keep their id.
 */
export class RouteStates {
  readonly #routes = new Map<string, RouteState>();
  readonly #providerCooldowns = new Map<string, Cooldown>();
  #settings: RouteStatesSettings;
  readonly #now: () => number;
  /** Set by the state sync: told about every new cooldown and every circuit that opens. */
  onSignal: ((signal: RouteSignal) => void) | null = null;

  constructor(settings: RouteStatesSettings, now: () => number) {
    this.#settings = settings;
    this.#now = now;
  }

  /** New settings after a config reload; existing state is kept. */
  reconfigure(settings: RouteStatesSettings): void {
    this.#settings = settings;
    for (const state of this.#routes.values()) state.breaker.reconfigure(settings.circuitBreaker);
  }

  /** Drops the state of routes no longer configured. */
  retain(routeIds: ReadonlySet<string>): void {
    for (const id of this.#routes.keys()) if (!routeIds.has(id)) this.#routes.delete(id);
  }

  #state(route: RouteTarget): RouteState {
    let state = this.#routes.get(route.id);
    if (state === undefined) {
      state = new RouteState(new CircuitBreaker(this.#settings.circuitBreaker, this.#now));
      this.#routes.set(route.id, state);
    }
    return state;
  }

  availability(route: RouteTarget): Availability {
    const state = this.#routes.get(route.id);
    const providerCooldown = this.#providerCooldowns.get(route.provider);
    if (state === undefined && providerCooldown === undefined) return AVAILABLE;
    const now = this.#now();
    if (providerCooldown !== undefined) {
      if (providerCooldown.until > now) {
        return {
          available: false,
          reason: providerCooldown.reason === 'auth_error' ? 'auth_error' : 'provider_cooldown',
          retryAfterMs: providerCooldown.until - now,
        };
      }
      this.#providerCooldowns.delete(route.provider);
    }
    if (state === undefined) return AVAILABLE;
    if (state.health === 'unhealthy') return { available: false, reason: 'unhealthy', retryAfterMs: null };
    if (state.cooldown !== null) {
      if (state.cooldown.until > now) {
        return { available: false, reason: state.cooldown.reason, retryAfterMs: state.cooldown.until - now };
      }
      state.cooldown = null;
    }
    if (!state.breaker.allows()) {
      const remaining = state.breaker.remainingOpenMs();
      return remaining > 0
        ? { available: false, reason: 'circuit_open', retryAfterMs: remaining }
        : { available: false, reason: 'circuit_half_open', retryAfterMs: null };
    }
    return AVAILABLE;
  }

  stats(route: RouteTarget): RouteStats {
    return this.#routes.get(route.id) ?? EMPTY_ROUTE_STATS;
  }

  /** An attempt on the route starts (in half-open it is the probe). */
  attemptStarted(route: RouteTarget): void {
    const state = this.#state(route);
    state.inFlight += 1;
    state.breaker.onAttempt();
    rollPeriods(state.counters, this.#now());
    state.counters.requestsToday += 1;
    state.counters.requestsThisMinute += 1;
  }

  /**
   * The attempt produced its answer (non-stream) or committed (stream). `ttftMs` is the time to the first
   * token; `latencyMs` the whole call for non-stream answers, null for streams (not over yet).
   */
  attemptSucceeded(route: RouteTarget, ttftMs: number, latencyMs: number | null): void {
    const state = this.#state(route);
    const alpha = this.#settings.ewmaAlpha;
    state.breaker.onSuccess();
    state.successes += 1;
    state.ewmaTtftMs = ewma(state.ewmaTtftMs, ttftMs, alpha);
    if (latencyMs !== null) state.ewmaLatencyMs = ewma(state.ewmaLatencyMs, latencyMs, alpha);
    state.counters.totalEvents += 1;
    state.counters.successes += 1;
    state.counters.lastUsedAt = this.#now();
    state.counters.lastStatusCode = 200;
  }

  /**
   * The attempt failed (before or after a stream committed). Applies the side effects of the outcome
   * table: 429 → route cooldown; 401/403 → provider-wide cooldown; model not found → route cooldown;
   * 5xx, timeouts, connection errors, broken answers → the circuit breaker. Request-side errors (400) say
   * nothing about the route.
   */
  attemptFailed(route: RouteTarget, error: GatewayError): void {
    const reason = error.upstreamReason;
    if (reason === null || reason === 'request_rejected') return;
    const state = this.#state(route);
    const now = this.#now();
    const { cooldowns } = this.#settings;
    state.lastError = { at: now, reason, status: error.upstreamStatus, message: error.message };
    state.counters.totalEvents += 1;
    state.counters.failures += 1;
    state.counters.lastUsedAt = now;
    state.counters.lastStatusCode = error.upstreamStatus;
    switch (reason) {
      case 'rate_limited':
        state.counters.rateLimits += 1;
        state.cooldown = { until: now + (error.retryAfterMs ?? cooldowns.rateLimitMs), reason: 'cooldown' };
        this.#signal('route', route.id, state.cooldown);
        return;
      case 'auth_error':
        this.#providerCooldowns.set(route.provider, {
          until: now + cooldowns.authErrorMs,
          reason: 'auth_error',
        });
        this.#signal('provider', route.provider, this.#providerCooldowns.get(route.provider) as Cooldown);
        return;
      case 'model_not_found':
        state.counters.notFound += 1;
        state.cooldown = { until: now + cooldowns.modelNotFoundMs, reason: 'model_not_found' };
        this.#signal('route', route.id, state.cooldown);
        return;
      case 'timeout':
        state.counters.timeouts += 1;
        this.#breakerFailure(route, state);
        return;
      case 'server_error':
      case 'connection_error':
      case 'invalid_response':
      case 'interrupted':
        this.#breakerFailure(route, state);
        return;
    }
  }

  #breakerFailure(route: RouteTarget, state: RouteState): void {
    const wasOpen = state.breaker.state() === 'open';
    state.breaker.onFailure();
    if (!wasOpen && state.breaker.state() === 'open') {
      this.#signal('route', route.id, {
        until: this.#now() + state.breaker.remainingOpenMs(),
        reason: 'circuit_open',
      });
    }
  }

  #signal(scope: RouteSignal['scope'], name: string, cooldown: Cooldown): void {
    this.onSignal?.({ scope, name, reason: cooldown.reason, until: cooldown.until });
  }

  /**
   * A cooldown or open circuit another gateway process saw (from the shared state store). Applied as a
   * cooldown: this process's own circuit breaker keeps its own counts.
   */
  applySignal(signal: RouteSignal): void {
    if (signal.until <= this.#now()) return;
    if (signal.scope === 'provider') {
      const current = this.#providerCooldowns.get(signal.name);
      if (current === undefined || current.until < signal.until) {
        this.#providerCooldowns.set(signal.name, { until: signal.until, reason: signal.reason });
      }
      return;
    }
    let state = this.#routes.get(signal.name);
    if (state === undefined) {
      state = new RouteState(new CircuitBreaker(this.#settings.circuitBreaker, this.#now));
      this.#routes.set(signal.name, state);
    }
    if (state.cooldown === null || state.cooldown.until < signal.until) {
      state.cooldown = { until: signal.until, reason: signal.reason };
    }
  }

  /** The attempt is over (a stream at its last byte): in-flight count, tokens and throughput. */
  attemptEnded(route: RouteTarget, end: AttemptEnd | null): void {
    const state = this.#state(route);
    state.inFlight = Math.max(0, state.inFlight - 1);
    if (end === null || end.usage === null) return;
    state.counters.promptTokens += end.usage.promptTokens;
    state.counters.completionTokens += end.usage.completionTokens;
    rollPeriods(state.counters, this.#now());
    state.counters.tokensToday += end.usage.promptTokens + end.usage.completionTokens;
    if (end.generationMs !== null && end.generationMs > 0 && end.usage.completionTokens > 1) {
      const tokensPerSecond = ((end.usage.completionTokens - 1) * 1000) / end.generationMs;
      state.ewmaTokensPerSecond = ewma(state.ewmaTokensPerSecond, tokensPerSecond, this.#settings.ewmaAlpha);
    }
  }

  /**
   * A successful answer spent the upstream's quota (`x-ratelimit-remaining-*: 0`): the route cools down until
   * the upstream's reset, so the next request goes elsewhere instead of into a 429.
   */
  quotaExhausted(route: RouteTarget, resetMs: number): void {
    const state = this.#state(route);
    const until = this.#now() + resetMs;
    if (state.cooldown === null || state.cooldown.until < until) {
      state.cooldown = { until, reason: 'cooldown' };
      this.#signal('route', route.id, state.cooldown);
    }
  }

  /** Result of an active health check; an unhealthy route takes no traffic until a check passes. */
  setHealth(route: RouteTarget, healthy: boolean, detail: string | null): void {
    const state = this.#state(route);
    state.health = healthy ? 'healthy' : 'unhealthy';
    state.healthDetail = detail;
  }

  /** A scrape of the worker's own metrics; the route's in-flight count now is kept beside it. */
  setWorkerLoad(route: RouteTarget, load: Omit<WorkerLoad, 'inFlightAtScrape'>): void {
    const state = this.#state(route);
    state.worker = { ...load, inFlightAtScrape: state.inFlight };
  }

  snapshot(route: RouteTarget): RouteSnapshot {
    const state = this.#routes.get(route.id);
    const availability = this.availability(route);
    const now = this.#now();
    const providerCooldown = this.#providerCooldowns.get(route.provider);
    const providerCooldownRemainingMs = Math.max(0, (providerCooldown?.until ?? 0) - now);
    if (state === undefined) {
      return {
        availability,
        health: 'unknown',
        healthDetail: null,
        circuit: 'closed',
        cooldownRemainingMs: 0,
        providerCooldownRemainingMs,
        stats: EMPTY_ROUTE_STATS,
        lastError: null,
        counters: emptyCounters(),
      };
    }
    return {
      availability,
      health: state.health,
      healthDetail: state.healthDetail,
      circuit: state.breaker.state(),
      cooldownRemainingMs: Math.max(0, (state.cooldown?.until ?? 0) - now),
      providerCooldownRemainingMs,
      stats: {
        inFlight: state.inFlight,
        ewmaLatencyMs: state.ewmaLatencyMs,
        ewmaTtftMs: state.ewmaTtftMs,
        ewmaTokensPerSecond: state.ewmaTokensPerSecond,
        successes: state.successes,
        worker: state.worker,
      },
      lastError: state.lastError,
      counters: periodCounters(state.counters, now),
    };
  }
}

function ewma(previous: number | null, sample: number, alpha: number): number {
  return previous === null ? sample : previous + alpha * (sample - previous);
}

import type { RoutingSettings } from '../config/index.js';

export type CircuitState = 'closed' | 'open' | 'half_open';

type BreakerSettings = RoutingSettings['circuitBreaker'];

const BUCKETS = 10;

/**
 * Passive circuit breaker of one route. Opens after `failureThreshold` consecutive failures, or when the
 * failure share over the sliding window reaches `failureRate` once `minRequests` outcomes were seen. An open
 * circuit turns half-open after `cooldownMs`: one probe goes through; its success closes the circuit, its
 * failure opens it again for another cooldown. The window is a ring of buckets, so memory stays constant
 * whatever the request rate.
 */
export class CircuitBreaker {
  #state: CircuitState = 'closed';
  #consecutiveFailures = 0;
  #openedAt = 0;
  #probeInFlight = false;
  readonly #successes = new Array<number>(BUCKETS).fill(0);
  readonly #failures = new Array<number>(BUCKETS).fill(0);
  /** Index of the bucket each slot holds (time / bucket width), to reset stale slots lazily. */
  readonly #slots = new Array<number>(BUCKETS).fill(-1);

  private settings: BreakerSettings;
  private readonly now: () => number;

  constructor(settings: BreakerSettings, now: () => number) {
    this.settings = settings;
    this.now = now;
  }

  /** New thresholds after a config reload; the state is kept. */
  reconfigure(settings: BreakerSettings): void {
    this.settings = settings;
  }

  /** The state now: an open circuit whose cooldown is over reads as half-open. */
  state(): CircuitState {
    if (this.#state === 'open' && this.now() - this.#openedAt >= this.settings.cooldownMs) {
      this.#state = 'half_open';
      this.#probeInFlight = false;
    }
    return this.#state;
  }

  /** Milliseconds until an open circuit lets a probe through; 0 otherwise. */
  remainingOpenMs(): number {
    if (this.state() !== 'open') return 0;
    return Math.max(0, this.#openedAt + this.settings.cooldownMs - this.now());
  }

  /** Whether an attempt may go through now; in half-open, only while no probe is running. */
  allows(): boolean {
    const state = this.state();
    return state === 'closed' || (state === 'half_open' && !this.#probeInFlight);
  }

  /** Called when an attempt starts; in half-open it is the probe. */
  onAttempt(): void {
    if (this.state() === 'half_open') this.#probeInFlight = true;
  }

  onSuccess(): void {
    this.#consecutiveFailures = 0;
    if (this.state() !== 'closed') {
      this.#close();
      return;
    }
    this.#count(this.#successes);
  }

  onFailure(): void {
    const state = this.state();
    this.#consecutiveFailures += 1;
    if (state === 'half_open') {
      this.#open();
      return;
    }
    if (state === 'open') return;
    this.#count(this.#failures);
    if (this.#consecutiveFailures >= this.settings.failureThreshold) {
      this.#open();
      return;
    }
    const { successes, failures } = this.windowCounts();
    const total = successes + failures;
    if (total >= this.settings.minRequests && failures / total >= this.settings.failureRate) this.#open();
  }

  /** Outcomes inside the sliding window. */
  windowCounts(): { successes: number; failures: number } {
    const current = this.#slot();
    let successes = 0;
    let failures = 0;
    for (let index = 0; index < BUCKETS; index += 1) {
      if (current - (this.#slots[index] ?? -1) < BUCKETS) {
        successes += this.#successes[index] ?? 0;
        failures += this.#failures[index] ?? 0;
      }
    }
    return { successes, failures };
  }

  #slot(): number {
    return Math.floor(this.now() / Math.max(1, this.settings.windowMs / BUCKETS));
  }

  #count(into: number[]): void {
    const slot = this.#slot();
    const index = slot % BUCKETS;
    if (this.#slots[index] !== slot) {
      this.#slots[index] = slot;
      this.#successes[index] = 0;
      this.#failures[index] = 0;
    }
    into[index] = (into[index] ?? 0) + 1;
  }

  #open(): void {
    this.#state = 'open';
    this.#openedAt = this.now();
    this.#probeInFlight = false;
  }

  #close(): void {
    this.#state = 'closed';
    this.#probeInFlight = false;
    this.#consecutiveFailures = 0;
    this.#slots.fill(-1);
  }
}

import { MemoryStore } from './memory-store.js';
import type { CounterAdjustment, CounterCharge, ReserveResult } from './state-store.js';

/** A limit cut to one gateway's share: never below 1 (a positive limit still admits), never above the limit. */
export function scaleLimit(limit: number, share: number): number {
  return Math.max(Math.min(1, limit), Math.floor(limit * share));
}

/**
 * What a RedisStore serves from while Redis is unreachable, and what this process remembers so Redis can be
 * put right when it returns: the concurrency slots it holds (in flight now, whichever store admitted them)
 * and the cooldowns it set. Minute and day counters of an outage are local only and are dropped at its end.
 */
export class RedisFallback {
  #store = new MemoryStore();
  #share = 1;
  /** Gateway-clock time of the first local reserve of this outage: older charges live in Redis only. */
  #since: number | null = null;
  /** Concurrency slots this process holds, by counter key; zero entries stay so Redis can be zeroed too. */
  readonly #held = new Map<string, number>();
  /** Cooldowns and open circuits this process set, by key. */
  readonly #untils = new Map<string, number>();

  /** This gateway's share of every limit while degraded (1 / live gateways when Redis was last seen). */
  get share(): number {
    return this.#share;
  }

  /** Starts an outage: fresh local counters, seeded with the slots this process already holds. */
  begin(share: number, now: number): void {
    this.#share = share;
    this.#store = new MemoryStore();
    this.#since = null;
    const seed: CounterAdjustment[] = [];
    for (const [key, slots] of this.#held) {
      if (slots > 0) seed.push({ key, window: 'concurrent', amount: slots, chargedAt: now });
    }
    void this.#store.adjust(seed, now);
  }

  /** Reserves on the local counters, each limit scaled to this gateway's share. */
  async reserve(charges: readonly CounterCharge[], now: number): Promise<ReserveResult> {
    this.#since ??= now;
    const scaled = charges.map((charge) => ({ ...charge, limit: scaleLimit(charge.limit, this.#share) }));
    const result = await this.#store.reserve(scaled, now);
    if (result.admitted) this.noteReserved(charges);
    return result;
  }

  /**
   * Applies adjustments to the local counters. A minute or day settle of a charge made on Redis before the
   * outage is skipped: the local counters never held it, and a refund would only make room that is not there.
   */
  async adjust(adjustments: readonly CounterAdjustment[], now: number): Promise<void> {
    const since = this.#since;
    const local = adjustments.filter(
      (adjustment) => adjustment.window === 'concurrent' || (since !== null && adjustment.chargedAt >= since),
    );
    await this.#store.adjust(local, now);
  }

  /** Records slots taken by an admitted reserve (on Redis or locally). */
  noteReserved(charges: readonly CounterCharge[]): void {
    for (const charge of charges) {
      if (charge.window === 'concurrent') this.#addHeld(charge.key, charge.amount);
    }
  }

  /** Records slots given back, whichever store the adjustment goes to. */
  noteAdjusted(adjustments: readonly CounterAdjustment[]): void {
    for (const adjustment of adjustments) {
      if (adjustment.window === 'concurrent') this.#addHeld(adjustment.key, adjustment.amount);
    }
  }

  #addHeld(key: string, amount: number): void {
    this.#held.set(key, Math.max(0, (this.#held.get(key) ?? 0) + amount));
  }

  /** Every concurrency counter this process has touched, with the slots it holds now. */
  heldSlots(): [string, number][] {
    return [...this.#held];
  }

  noteUntil(key: string, until: number, now: number): void {
    if (until > now && until > (this.#untils.get(key) ?? 0)) this.#untils.set(key, until);
    // Bounded by the live keys: passed ones go once the map grows.
    if (this.#untils.size > 1024) this.untilsAfter(now);
  }

  getUntil(keys: readonly string[], now: number): (number | null)[] {
    return keys.map((key) => {
      const until = this.#untils.get(key);
      return until !== undefined && until > now ? until : null;
    });
  }

  /** Cooldowns still running, to write back to Redis; passed ones are forgotten. */
  untilsAfter(now: number): [string, number][] {
    for (const [key, until] of this.#untils) if (until <= now) this.#untils.delete(key);
    return [...this.#untils];
  }
}

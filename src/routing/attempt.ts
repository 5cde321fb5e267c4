import type { UpstreamFailureReason } from '../errors/index.js';
import type { LimitReason } from '../limits/quota-limiter.js';
import type { SkipReason } from './route-states.js';

/** One try of one route, as reported in `error.metadata.attempts` and logged. */
export interface Attempt {
  readonly route: string;
  readonly provider: string;
  /** `skipped`: the route takes no traffic now (cooldown, open circuit, failed health check) and was not tried. */
  readonly outcome: 'success' | 'failed' | 'skipped';
  readonly reason: UpstreamFailureReason | SkipReason | LimitReason | 'error' | null;
  readonly upstreamStatus: number | null;
  readonly durationMs: number;
  readonly message?: string;
  /** Skipped routes: when the route takes traffic again, if known. */
  readonly retryAfterMs?: number;
}

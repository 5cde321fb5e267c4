import type { UpstreamFailureReason } from '../errors/index.js';

/** One try of one route, as reported in `error.metadata.attempts` and logged. */
export interface Attempt {
  readonly route: string;
  readonly provider: string;
  readonly outcome: 'success' | 'failed';
  readonly reason: UpstreamFailureReason | 'error' | null;
  readonly upstreamStatus: number | null;
  readonly durationMs: number;
  readonly message?: string;
}

import type { Attempt } from '../routing/attempt.js';
import type { Usage } from '../spec/index.js';

/** The facts of one finished request: what the log line (and later the request log) is made from. */
export interface RequestRecord {
  readonly id: string;
  readonly requestedModel: string;
  readonly model: string | null;
  readonly route: string | null;
  readonly provider: string | null;
  readonly isLocal: boolean | null;
  readonly stream: boolean;
  /** HTTP status sent to the client (200 for streams that started, even if interrupted later). */
  readonly status: number;
  readonly errorType: string | null;
  readonly errorMessage: string | null;
  readonly attempts: readonly Attempt[];
  readonly fallback: boolean;
  readonly interrupted: boolean;
  readonly cancelled: boolean;
  readonly ttftMs: number | null;
  readonly latencyMs: number;
  readonly usage: Usage | null;
  readonly costUsd: number | null;
}

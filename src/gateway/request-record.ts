import type { Attempt } from '../routing/attempt.js';
import type { ChatRequest, FinishReason, Usage } from '../spec/index.js';

/** Facts about the request itself, for the request log (not used on the response path). */
export interface RequestFacts {
  /** Clock time the request arrived. */
  readonly receivedAt: number;
  /** The canonical request: messages (for the prompt text and hash), sampling parameters, `user`. */
  readonly request: ChatRequest | null;
  /** OpenRouter's app attribution headers. */
  readonly referer: string | null;
  readonly title: string | null;
}

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
  /** Each choice's finish reason as sent to the client (`error` for a stream that broke); empty on failure. */
  readonly finishReasons: readonly FinishReason[];
  /** The upstream's own finish reason of the first choice (`end_turn`, `MAX_TOKENS`, `stop`, ...). */
  readonly nativeFinishReason: string | null;
  readonly facts: RequestFacts;
  /** What the model generated (text, reasoning, tool calls), for the response hash and `LOG_CONTENT`. */
  readonly responseText: string | null;
  /** The client key's id (never the key), set by the auth layer when the record is produced with keys on. */
  readonly apiKeyId?: string | null;
}

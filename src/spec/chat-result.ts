import type { ToolCall } from './chat-request.js';
import type { FinishReason } from './finish-reason.js';
import type { Usage } from './usage.js';

/** What an adapter returns for a non-streaming call, already in canonical (OpenAI) terms. */
export interface ChatResult {
  /** The upstream's own response id (`chatcmpl-...`), kept for the log; clients see our `gen-` id. */
  readonly upstreamId: string | null;
  /** The model name the upstream reported, if any. */
  readonly upstreamModel: string | null;
  readonly choices: readonly ChatChoice[];
  /** Null when the upstream sent no usage; the gateway then estimates it. */
  readonly usage: Usage | null;
  readonly systemFingerprint: string | null;
}

export interface ChatChoice {
  readonly index: number;
  readonly message: AssistantMessage;
  readonly finishReason: FinishReason | null;
  /** The raw upstream finish reason (`end_turn`, `MAX_TOKENS`, `stop`, ...). */
  readonly nativeFinishReason: string | null;
  readonly logprobs?: unknown;
}

export interface AssistantMessage {
  readonly role: 'assistant';
  readonly content: string | null;
  readonly reasoning?: string | null;
  readonly tool_calls?: readonly ToolCall[];
  readonly refusal?: string | null;
  readonly [field: string]: unknown;
}

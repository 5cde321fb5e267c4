import type { ChatResult, Usage } from '../spec/index.js';
import { serializeUsage } from './serialize-usage.js';

export interface ResponseIdentity {
  readonly id: string;
  /** Unix seconds. */
  readonly created: number;
  /** Public id of the model that served the request (after fallback). */
  readonly model: string;
  /** Display name of the provider that served it. */
  readonly provider: string;
}

/** The non-stream `chat.completion` body (OpenRouter's superset of OpenAI's). */
export function serializeCompletion(
  identity: ResponseIdentity,
  result: ChatResult,
  usage: Usage,
  cost: number,
): Record<string, unknown> {
  return {
    id: identity.id,
    object: 'chat.completion',
    created: identity.created,
    model: identity.model,
    provider: identity.provider,
    system_fingerprint: result.systemFingerprint,
    choices: result.choices.map((choice) => ({
      index: choice.index,
      message: choice.message,
      logprobs: choice.logprobs ?? null,
      finish_reason: choice.finishReason,
      native_finish_reason: choice.nativeFinishReason,
    })),
    usage: serializeUsage(usage, cost),
  };
}

import type { GatewayError } from '../errors/index.js';
import type { ChatDelta, FinishReason } from '../spec/index.js';
import type { ResponseIdentity } from './serialize-completion.js';
import { serializeUsage } from './serialize-usage.js';
import type { Usage } from '../spec/index.js';

/**
 * Writes SSE events of one stream. The fields every chunk repeats (id, object, created, model, provider) are
 * serialised once per stream, not once per token.
 */
export interface ChunkWriter {
  delta(
    index: number,
    delta: ChatDelta,
    finishReason: FinishReason | null,
    nativeFinishReason: string | null,
    logprobs: unknown,
  ): string;
  usage(usage: Usage, cost: number): string;
  /** The mid-stream failure event: top-level `error` plus a choice finished with `error`. */
  error(error: GatewayError): string;
}

export const DONE_EVENT = 'data: [DONE]\n\n';

/** The end of a choice that has not finished, the common case: one constant instead of three pieces per token. */
const OPEN_CHOICE_TAIL = ',"finish_reason":null,"native_finish_reason":null}]}\n\n';

export function createChunkWriter(identity: ResponseIdentity): ChunkWriter {
  const head =
    `data: {"id":${JSON.stringify(identity.id)},"object":"chat.completion.chunk","created":${identity.created},` +
    `"model":${JSON.stringify(identity.model)},"provider":${JSON.stringify(identity.provider)},`;
  const choicesHead = `${head}"choices":[{"index":`;
  // Nearly every delta is choice 0: its opening is built once per stream.
  const firstChoiceHead = `${choicesHead}0,"delta":`;
  return {
    delta(index, delta, finishReason, nativeFinishReason, logprobs) {
      const opening = index === 0 ? firstChoiceHead : `${choicesHead}${index},"delta":`;
      if (finishReason === null && nativeFinishReason === null && logprobs === undefined) {
        return opening + JSON.stringify(delta) + OPEN_CHOICE_TAIL;
      }
      const finish = finishReason === null ? 'null' : `"${finishReason}"`;
      const native = nativeFinishReason === null ? 'null' : JSON.stringify(nativeFinishReason);
      const logprobsJson = logprobs === undefined ? '' : `,"logprobs":${JSON.stringify(logprobs)}`;
      return `${opening}${JSON.stringify(delta)},"finish_reason":${finish},"native_finish_reason":${native}${logprobsJson}}]}\n\n`;
    },
    usage(usage, cost) {
      return `${head}"choices":[],"usage":${JSON.stringify(serializeUsage(usage, cost))}}\n\n`;
    },
    error(error) {
      const body = {
        code: error.status,
        message: error.message,
        metadata: { error_type: error.code, ...error.metadata },
      };
      return `${head}"error":${JSON.stringify(body)},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error","native_finish_reason":null}]}\n\n`;
    },
  };
}

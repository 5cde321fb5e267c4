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

export function createChunkWriter(identity: ResponseIdentity): ChunkWriter {
  const head =
    `data: {"id":${JSON.stringify(identity.id)},"object":"chat.completion.chunk","created":${identity.created},` +
    `"model":${JSON.stringify(identity.model)},"provider":${JSON.stringify(identity.provider)},`;
  return {
    delta(index, delta, finishReason, nativeFinishReason, logprobs) {
      const finish = finishReason === null ? 'null' : `"${finishReason}"`;
      const native = nativeFinishReason === null ? 'null' : JSON.stringify(nativeFinishReason);
      const logprobsJson = logprobs === undefined ? '' : `,"logprobs":${JSON.stringify(logprobs)}`;
      return `${head}"choices":[{"index":${index},"delta":${JSON.stringify(delta)},"finish_reason":${finish},"native_finish_reason":${native}${logprobsJson}}]}\n\n`;
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

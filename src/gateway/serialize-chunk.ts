import type { ResponseIdentity } from './serialize-completion.js';
import { serializeUsage } from './serialize-usage.js';
import type { StreamEncoder, StreamFormat } from './stream-events.js';

export const DONE_EVENT = 'data: [DONE]\n\n';

/** The end of a choice that has not finished, the common case: one constant instead of three pieces per token. */
const OPEN_CHOICE_TAIL = ',"finish_reason":null,"native_finish_reason":null}]}\n\n';

/**
 * The encoder of `chat.completion.chunk` SSE events for one stream. The fields every chunk repeats (id, object,
 * created, model, provider) are serialised once per stream, not once per token. `error` is the mid-stream
 * failure event (top-level `error` plus a choice finished with `error`); `end` is the usage chunk and `[DONE]`.
 */
export function createChunkWriter(identity: ResponseIdentity): StreamEncoder {
  const head =
    `data: {"id":${JSON.stringify(identity.id)},"object":"chat.completion.chunk","created":${identity.created},` +
    `"model":${JSON.stringify(identity.model)},"provider":${JSON.stringify(identity.provider)},`;
  const choicesHead = `${head}"choices":[{"index":`;
  // Nearly every delta is choice 0: its opening is built once per stream.
  const firstChoiceHead = `${choicesHead}0,"delta":`;
  return {
    opening: '',
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
    end(usage, cost) {
      return `${head}"choices":[],"usage":${JSON.stringify(serializeUsage(usage, cost))}}\n\n${DONE_EVENT}`;
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

/** OpenAI/OpenRouter chat-completion streams: `: keep-alive` comments, chunks, a usage chunk and `[DONE]`. */
export const CHAT_COMPLETION_STREAM_FORMAT: StreamFormat = {
  keepAliveEvent: ': keep-alive\n\n',
  createEncoder: createChunkWriter,
  failureBody: (error, identity) => createChunkWriter(identity).error(error) + DONE_EVENT,
};

import type { ParsedChatRequest } from '../parse-chat-request.js';
import type { StreamFormat } from '../stream-events.js';
import { approximateInputTokens } from './count-input-tokens.js';
import { stopSequencesOf } from './map-stop-reason.js';
import { MessagesStreamEncoder, messagesErrorEvent, PING_EVENT } from './messages-stream-encoder.js';

/**
 * How a Messages API stream is written: Anthropic events, `ping` while the upstream is silent, an `error`
 * event for a failure after the status went out. `message_start` carries an approximate input token count;
 * the exact usage (input, output and cache tokens) follows in `message_delta`.
 */
export function createMessagesStreamFormat(parsed: ParsedChatRequest): StreamFormat {
  const stopSequences = stopSequencesOf(parsed.request.stop);
  return {
    keepAliveEvent: PING_EVENT,
    createEncoder: (identity) =>
      new MessagesStreamEncoder(identity, {
        inputTokens: approximateInputTokens(parsed.request),
        stopSequences,
      }),
    failureBody: (error) => messagesErrorEvent(error),
  };
}

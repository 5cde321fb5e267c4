/** Builds the SSE events of one streamed chat completion, byte-compatible with vLLM's output. */
export interface ChunkFormatter {
  /** The first event: `delta:{role:"assistant",content:""}`. */
  role(): string;
  /** One content token; `finishReason` set on the last one, as vLLM does. */
  content(piece: string, finishReason: string | null, stopReason: string | null): string;
  /** The first tool-call fragment: index, id, type, name and empty arguments. */
  toolCallStart(toolCallId: string, name: string): string;
  /** A later tool-call fragment carrying only an arguments piece. */
  toolCallArguments(fragment: string, finishReason: string | null): string;
  /** The `stream_options.include_usage` event: `choices: []` and usage (no `prompt_tokens_details`). */
  usage(promptTokens: number, completionTokens: number): string;
}

/** `data: [DONE]` terminator that ends every successful stream. */
export const doneEvent = 'data: [DONE]\n\n';

/**
 * Creates a formatter for one response. The constant head of every event is built once and the rest is
 * string concatenation, which is much cheaper per token than `JSON.stringify` of a whole chunk object.
 * Chunks omit `usage` (vLLM serialises with `exclude_unset`), unlike OpenAI's `usage: null`.
 */
export function createChunkFormatter(id: string, createdSeconds: number, model: string): ChunkFormatter {
  const head = `data: {"id":"${id}","object":"chat.completion.chunk","created":${createdSeconds},"model":${JSON.stringify(model)},"choices":`;
  const choiceHead = head + '[{"index":0,"delta":';
  const openTail = ',"logprobs":null,"finish_reason":null}]}\n\n';
  const tail = (finishReason: string | null, stopReason: string | null): string =>
    finishReason === null
      ? openTail
      : `,"logprobs":null,"finish_reason":"${finishReason}","stop_reason":${JSON.stringify(stopReason)}}]}\n\n`;
  return {
    role: () => choiceHead + '{"role":"assistant","content":""}' + openTail,
    content: (piece, finishReason, stopReason) =>
      choiceHead + '{"content":' + JSON.stringify(piece) + '}' + tail(finishReason, stopReason),
    toolCallStart: (toolCallId, name) =>
      choiceHead +
      `{"tool_calls":[{"id":"${toolCallId}","type":"function","index":0,"function":{"name":${JSON.stringify(name)},"arguments":""}}]}` +
      openTail,
    toolCallArguments: (fragment, finishReason) =>
      choiceHead +
      `{"tool_calls":[{"index":0,"function":{"arguments":${JSON.stringify(fragment)}}}]}` +
      tail(finishReason, null),
    usage: (promptTokens, completionTokens) =>
      head +
      `[],"usage":{"prompt_tokens":${promptTokens},"total_tokens":${promptTokens + completionTokens},"completion_tokens":${completionTokens}}}\n\n`,
  };
}

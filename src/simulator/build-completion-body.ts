import type { SimulatedCompletion } from './generate-completion.js';

/**
 * The non-stream `chat.completion` body, field for field as vLLM 0.10 serialises it (including the
 * null OpenAI fields and `tool_calls: []` on text answers, which gateways must tolerate).
 */
export function buildCompletionBody(
  id: string,
  createdSeconds: number,
  model: string,
  completion: SimulatedCompletion,
  promptTokens: number,
): string {
  const isToolCall = completion.kind === 'tool_call';
  const message = {
    role: 'assistant',
    content: isToolCall ? null : completion.content,
    refusal: null,
    annotations: null,
    audio: null,
    function_call: null,
    tool_calls: isToolCall
      ? [
          {
            id: completion.toolCallId,
            type: 'function',
            function: { name: completion.name, arguments: completion.arguments },
          },
        ]
      : [],
    reasoning_content: null,
  };
  return JSON.stringify({
    id,
    object: 'chat.completion',
    created: createdSeconds,
    model,
    choices: [
      {
        index: 0,
        message,
        logprobs: null,
        finish_reason: completion.finishReason,
        stop_reason: isToolCall ? null : completion.stopReason,
      },
    ],
    service_tier: null,
    system_fingerprint: null,
    usage: {
      prompt_tokens: promptTokens,
      total_tokens: promptTokens + completion.completionTokens,
      completion_tokens: completion.completionTokens,
      prompt_tokens_details: null,
    },
    prompt_logprobs: null,
    kv_transfer_params: null,
  });
}

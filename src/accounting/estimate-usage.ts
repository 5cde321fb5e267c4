import type { ChatMessage, ContentPart, Usage } from '../spec/index.js';

type CountTokens = (text: string) => number;

let counter: CountTokens | null = null;
let loading: Promise<CountTokens> | null = null;

/**
 * The tokenizer is loaded on first use: most upstreams report usage, and its tables cost start-up time and
 * memory that a gateway in front of vLLM rarely needs. cl100k (GPT-4's) rather than o200k: no GPT encoding
 * is exact for Llama or Qwen anyway, and cl100k's tables take about 17 MB less memory.
 */
async function loadCounter(): Promise<CountTokens> {
  if (counter !== null) return counter;
  loading ??= import('gpt-tokenizer/encoding/cl100k_base').then((module) => {
    counter = (text: string) => module.countTokens(text);
    return counter;
  });
  return loading;
}

/** Per-message overhead of chat templates (role markers), as OpenAI documents for its models. */
const TOKENS_PER_MESSAGE = 4;

function messageText(message: ChatMessage): string {
  const parts: string[] = [];
  if (typeof message.content === 'string') parts.push(message.content);
  else if (Array.isArray(message.content)) {
    for (const part of message.content as readonly ContentPart[])
      if (typeof part.text === 'string') parts.push(part.text);
  }
  for (const call of message.tool_calls ?? []) parts.push(call.function.name, call.function.arguments);
  return parts.join('\n');
}

function countPrompt(count: CountTokens, messages: readonly ChatMessage[]): number {
  let promptTokens = 0;
  for (const message of messages) promptTokens += count(messageText(message)) + TOKENS_PER_MESSAGE;
  return promptTokens;
}

/**
 * Usage counted with a GPT tokenizer when the upstream sent none; flagged `estimated` so nobody mistakes it
 * for the provider's own count.
 */
export async function estimateUsage(
  messages: readonly ChatMessage[],
  completionText: string,
): Promise<Usage> {
  const count = await loadCounter();
  const promptTokens = countPrompt(count, messages);
  const completionTokens = completionText === '' ? 0 : count(completionText);
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens, estimated: true };
}

/** Prompt tokens of a request, counted with the tokenizer (for quota reservations before the answer). */
export async function estimatePromptTokens(messages: readonly ChatMessage[]): Promise<number> {
  return countPrompt(await loadCounter(), messages);
}

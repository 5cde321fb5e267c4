import { estimatePromptTokens } from '../../accounting/estimate-usage.js';
import type { ChatMessage, ChatRequest, ContentPart } from '../../spec/index.js';

/**
 * Input tokens of a converted Messages request, counted with the gateway's tokenizer (the one that estimates
 * usage when an upstream reports none): the messages, plus the tool definitions as the model sees them, as
 * JSON. An estimate: the upstream model's own tokenizer and chat template decide the exact count.
 */
export async function countInputTokens(request: ChatRequest): Promise<number> {
  const tools = request.tools ?? [];
  if (tools.length === 0) return estimatePromptTokens(request.messages);
  const toolsMessage: ChatMessage = { role: 'system', content: JSON.stringify(tools) };
  return estimatePromptTokens([...request.messages, toolsMessage]);
}

/** English text and code average about 4 characters per token in BPE vocabularies. */
const CHARACTERS_PER_TOKEN = 4;

/** Per-message overhead of chat templates, as the tokenizer estimate counts it. */
const TOKENS_PER_MESSAGE = 4;

function messageCharacters(message: ChatMessage): number {
  let characters = 0;
  if (typeof message.content === 'string') characters += message.content.length;
  else if (Array.isArray(message.content)) {
    for (const part of message.content as readonly ContentPart[]) characters += part.text?.length ?? 0;
  }
  for (const call of message.tool_calls ?? []) {
    characters += call.function.name.length + call.function.arguments.length;
  }
  return characters;
}

/**
 * A quick approximation of the input tokens, from the length of the text (about 4 characters a token): for
 * `message_start`, which must leave before the upstream reports its exact count. Counting with the tokenizer
 * instead would block the event loop for milliseconds per large prompt (and its first load for a good part
 * of a second) on every stream; the exact count follows in `message_delta` anyway.
 */
export function approximateInputTokens(request: ChatRequest): number {
  let characters = 0;
  for (const message of request.messages) characters += messageCharacters(message);
  const tools = request.tools ?? [];
  if (tools.length > 0) characters += JSON.stringify(tools).length;
  return Math.ceil(characters / CHARACTERS_PER_TOKEN) + TOKENS_PER_MESSAGE * request.messages.length;
}

import { asRecord } from './as-record.js';
import { countPromptTokens, extractMessageText } from './count-prompt-tokens.js';

/** A function tool the client offered: its name and the JSON-schema `properties` of its parameters. */
export interface SimulatedTool {
  name: string;
  properties: Record<string, unknown>;
}

/** The parts of a chat completion request that steer the simulator, already validated. */
export interface SimulatedChatRequest {
  model: string;
  stream: boolean;
  includeUsage: boolean;
  /** `max_completion_tokens` ?? `max_tokens`; undefined when absent. */
  maxTokens: number | undefined;
  /** vLLM's `ignore_eos`: generate exactly `maxTokens` tokens. */
  ignoreEos: boolean;
  stop: string[];
  tools: SimulatedTool[];
  /** The tool to call, or undefined when the answer is text. */
  forcedTool: SimulatedTool | undefined;
  promptTokens: number;
  /** Text the generation PRNG is seeded from (the last user message). */
  seedText: string;
  /** Per-request overrides from the non-standard `sim` field. */
  tokens: number | undefined;
  ttftMs: number | undefined;
  tokensPerSecond: number | undefined;
}

/** Either the validated request or a 400 message naming the offending field. */
export type ParseChatRequestResult =
  { ok: true; request: SimulatedChatRequest } | { ok: false; message: string; param: string | null };

/** Validates a parsed JSON body the way vLLM's pydantic model would reject it (400), minus the noise. */
export function parseChatRequest(body: unknown): ParseChatRequestResult {
  const record = asRecord(body);
  if (record === undefined) return failure('Request body must be a JSON object.', null);
  if (typeof record.model !== 'string') return failure('Field `model` must be a string.', 'model');
  const messages = record.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    return failure('Field `messages` must be a non-empty array.', 'messages');
  }
  const messageRecords: Record<string, unknown>[] = [];
  for (const message of messages as unknown[]) {
    const messageRecord = asRecord(message);
    if (messageRecord === undefined || typeof messageRecord.role !== 'string') {
      return failure('Every message must be an object with a string `role`.', 'messages');
    }
    messageRecords.push(messageRecord);
  }
  const maxTokens = readCount(record.max_completion_tokens ?? record.max_tokens, 1);
  if (maxTokens === null) return failure('`max_tokens` must be an integer >= 1.', 'max_tokens');
  const stop = readStop(record.stop);
  if (stop === undefined) return failure('`stop` must be a string or an array of strings.', 'stop');
  const tools = readTools(record.tools);
  if (tools === undefined) return failure('`tools` must be an array of function tools with names.', 'tools');
  const lastMessage = messageRecords[messageRecords.length - 1];
  const forced = pickForcedTool(record.tool_choice, tools, lastMessage?.role === 'tool');
  if (typeof forced === 'string') return failure(forced, 'tool_choice');
  const knobs = asRecord(record.sim) ?? {};
  const tokens = readCount(knobs.tokens, 0);
  const ttftMs = readCount(knobs.ttft_ms, 0);
  const tokensPerSecond = readCount(knobs.tokens_per_second, 0);
  if (tokens === null || ttftMs === null || tokensPerSecond === null) {
    return failure('`sim.tokens`, `sim.ttft_ms` and `sim.tokens_per_second` must be numbers >= 0.', 'sim');
  }
  const streamOptions = asRecord(record.stream_options);
  return {
    ok: true,
    request: {
      model: record.model,
      stream: record.stream === true,
      includeUsage: record.stream === true && streamOptions?.include_usage === true,
      maxTokens,
      ignoreEos: record.ignore_eos === true,
      stop,
      tools,
      forcedTool: forced,
      promptTokens: countPromptTokens(messageRecords),
      seedText: findLastUserText(messageRecords),
      tokens,
      ttftMs,
      tokensPerSecond,
    },
  };
}

function failure(message: string, param: string | null): ParseChatRequestResult {
  return { ok: false, message, param };
}

/** undefined when absent, null when invalid, else the number (integers only when `minimum` is 1). */
function readCount(value: unknown, minimum: number): number | undefined | null {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < minimum) return null;
  if (minimum === 1 && !Number.isInteger(value)) return null;
  return value;
}

function readStop(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (!Array.isArray(value)) return undefined;
  const stops: string[] = [];
  for (const item of value as unknown[]) {
    if (typeof item !== 'string') return undefined;
    if (item !== '') stops.push(item);
  }
  return stops;
}

function readTools(value: unknown): SimulatedTool[] | undefined {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return undefined;
  const tools: SimulatedTool[] = [];
  for (const item of value as unknown[]) {
    const definition = asRecord(asRecord(item)?.function);
    if (definition === undefined || typeof definition.name !== 'string') return undefined;
    const properties = asRecord(asRecord(definition.parameters)?.properties) ?? {};
    tools.push({ name: definition.name, properties });
  }
  return tools;
}

/**
 * The tool vLLM would be forced to call: the named one for `{type:"function",function:{name}}`, the first
 * for `"required"`. After a `role:"tool"` message the model answers in text, which keeps agent loops finite.
 * Returns an error message when the named tool was not offered.
 */
function pickForcedTool(
  toolChoice: unknown,
  tools: SimulatedTool[],
  answersToolResult: boolean,
): SimulatedTool | undefined | string {
  if (tools.length === 0 || answersToolResult) return undefined;
  if (toolChoice === 'required') return tools[0];
  const name = asRecord(asRecord(toolChoice)?.function)?.name;
  if (typeof name !== 'string') return undefined;
  return tools.find((tool) => tool.name === name) ?? `Tool '${name}' has not been passed in \`tools\`.`;
}

function findLastUserText(messages: Record<string, unknown>[]): string {
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    const message = messages[index];
    if (message?.role === 'user') return extractMessageText(message.content);
  }
  return '';
}

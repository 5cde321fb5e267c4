import type { ChatMessage } from '../../spec/index.js';
import { parseChatRequest, type ParsedChatRequest } from '../parse-chat-request.js';
import { describeValue, invalidParameter, isRecord } from '../parse-provider-preferences.js';
import { convertMessages, convertSystem } from './convert-message-content.js';
import { convertToolChoice, convertTools } from './convert-messages-tools.js';

/** Sampling fields with the same name and meaning in both APIs (ranges are checked by `parseChatRequest`). */
const SHARED_FIELDS = ['model', 'temperature', 'top_p', 'top_k'] as const;

/** OpenRouter routing fields an Anthropic client may add too (`models` fallbacks, `provider` preferences). */
const ROUTING_FIELDS = ['models', 'provider'] as const;

export interface ConvertMessagesRequestOptions {
  /** False for `count_tokens`, whose body has no `max_tokens` (default true). */
  readonly requireMaxTokens?: boolean;
}

function convertMaxTokens(value: unknown, required: boolean): number | undefined {
  if (value === undefined || value === null) {
    if (!required) return undefined;
    throw invalidParameter(
      'max_tokens',
      "'max_tokens' is required: the most tokens to generate (an integer >= 1).",
    );
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalidParameter(
      'max_tokens',
      `'max_tokens' must be an integer >= 1, got ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

function convertStopSequences(value: unknown): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw invalidParameter('stop_sequences', "'stop_sequences' must be an array of strings.");
  }
  const sequences = (value as string[]).filter((sequence) => sequence !== '');
  return sequences.length === 0 ? null : sequences;
}

/** `thinking` as OpenRouter's `reasoning`: a token budget, adaptive (on), or off. */
function convertThinking(value: unknown): Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  if (!isRecord(value))
    throw invalidParameter('thinking', `'thinking' must be an object, got ${describeValue(value)}.`);
  switch (value.type) {
    case 'enabled': {
      const budget = value.budget_tokens;
      if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < 1) {
        throw invalidParameter(
          'thinking.budget_tokens',
          "'thinking.budget_tokens' is required when thinking is enabled: an integer >= 1.",
        );
      }
      return { max_tokens: budget };
    }
    case 'adaptive':
      return { enabled: true };
    case 'disabled':
      return { enabled: false };
    default:
      throw invalidParameter('thinking.type', "'thinking.type' must be enabled, adaptive or disabled.");
  }
}

/** Structured output (`output_format`, or `output_config.format`) as a `json_schema` response format. */
function convertOutputFormat(body: Record<string, unknown>): Record<string, unknown> | null {
  const config = isRecord(body.output_config) ? body.output_config : undefined;
  const field = body.output_format === undefined ? 'output_config.format' : 'output_format';
  const format = body.output_format ?? config?.format;
  if (format === undefined || format === null) return null;
  if (!isRecord(format) || format.type !== 'json_schema' || !isRecord(format.schema)) {
    throw invalidParameter(field, `'${field}' must be {"type": "json_schema", "schema": {...}}.`);
  }
  return { type: 'json_schema', json_schema: { name: 'output', schema: format.schema, strict: true } };
}

function convertUser(metadata: unknown): string | null {
  if (metadata === undefined || metadata === null) return null;
  if (!isRecord(metadata)) throw invalidParameter('metadata', "'metadata' must be an object.");
  const userId = metadata.user_id;
  if (userId === undefined || userId === null) return null;
  if (typeof userId !== 'string')
    throw invalidParameter('metadata.user_id', "'metadata.user_id' must be a string.");
  return userId;
}

/**
 * A Messages API body (`POST /v1/messages`) as the canonical chat request the pipeline serves: `system` becomes
 * the first message, content blocks become OpenAI messages (tool results as `tool` messages, tool uses as
 * `tool_calls`), tools become function tools, `stop_sequences` → `stop`, `thinking` → `reasoning`,
 * `metadata.user_id` → `user`. Anthropic-only fields with no upstream meaning (`cache_control`, `service_tier`,
 * `container`, ...) are dropped. Every failure is a 400 naming the Messages API field.
 */
export function convertMessagesRequest(
  body: unknown,
  options: ConvertMessagesRequestOptions = {},
): ParsedChatRequest {
  if (!isRecord(body)) {
    throw invalidParameter('body', `The request body must be a JSON object, got ${describeValue(body)}.`);
  }
  if (typeof body.model !== 'string' || body.model === '') {
    throw invalidParameter('model', "'model' is required: a model id from GET /v1/models.");
  }
  const maxTokens = convertMaxTokens(body.max_tokens, options.requireMaxTokens ?? true);
  const system = convertSystem(body.system);
  const messages: ChatMessage[] = convertMessages(body.messages);
  if (system !== null) messages.unshift({ role: 'system', content: system });
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    throw invalidParameter('stream', `'stream' must be a boolean, got ${describeValue(body.stream)}.`);
  }
  const stop = convertStopSequences(body.stop_sequences);
  const tools = convertTools(body.tools);
  const { toolChoice, parallelToolCalls } = convertToolChoice(body.tool_choice);
  const reasoning = convertThinking(body.thinking);
  const responseFormat = convertOutputFormat(body);
  const user = convertUser(body.metadata);

  const chatBody: Record<string, unknown> = { messages };
  for (const field of [...SHARED_FIELDS, ...ROUTING_FIELDS]) {
    if (body[field] !== undefined && body[field] !== null) chatBody[field] = body[field];
  }
  if (maxTokens !== undefined) chatBody.max_tokens = maxTokens;
  if (body.stream === true) chatBody.stream = true;
  if (tools !== null && tools.length > 0) {
    chatBody.tools = tools;
    // A choice without tools means nothing upstream, and some servers reject it.
    if (toolChoice !== null) chatBody.tool_choice = toolChoice;
    if (parallelToolCalls !== null) chatBody.parallel_tool_calls = parallelToolCalls;
  }
  if (reasoning !== null) chatBody.reasoning = reasoning;
  if (responseFormat !== null) chatBody.response_format = responseFormat;
  if (user !== null) chatBody.user = user;
  const parsed = parseChatRequest(chatBody);
  if (stop === null) return parsed;
  // Set after validation: chat completions allow at most 4 `stop` strings (OpenAI's limit), Anthropic more.
  return {
    ...parsed,
    request: { ...parsed.request, stop },
    requestedParameters: new Set([...parsed.requestedParameters, 'stop']),
  };
}

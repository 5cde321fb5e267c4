import type { ChatRequest, RouteTarget } from '../../spec/index.js';
import { isRecord } from '../openai-compatible/is-record.js';
import { convertMessages } from './convert-messages.js';
import { convertThinking } from './convert-thinking.js';
import { convertToolChoice, convertTools } from './convert-tools.js';
import type { AnthropicRequestBody } from './wire-types.js';

/** Anthropic's temperature range is 0..1, OpenAI's 0..2. */
const MAX_TEMPERATURE = 1;

/** A parameter also counts as supported when the route lists one of these (OpenRouter lists only one name). */
const PARAMETER_ALIASES: ReadonlyMap<string, readonly string[]> = new Map([
  ['reasoning_effort', ['reasoning']],
  ['include_reasoning', ['reasoning']],
]);

/**
 * The body of `POST {base_url}/messages` for a canonical chat request, serialised once:
 * - `model` is the route's `providerModelId`; `max_tokens` (required by Anthropic) is `max_completion_tokens`,
 *   else `max_tokens`, else the route's `maxOutputTokens`;
 * - messages as convertMessages makes them (system prompt apart, alternating turns);
 * - `tools`, `tool_choice` (+ `parallel_tool_calls`), `stop` → `stop_sequences`, `temperature` (capped at 1),
 *   `top_p`, `top_k`, `reasoning` → `thinking`, `response_format` `json_schema` → `output_config.format`, each only
 *   when the route lists the parameter, as for every adapter;
 * - with thinking on, `temperature`, `top_p` and `top_k` are left out: Anthropic rejects them then;
 * - `user` → `metadata.user_id`; a top-level `cache_control` (automatic prompt caching) is passed on;
 * - `stream: true` for streams. Other fields are OpenAI's or OpenRouter's and have no Anthropic counterpart.
 * Throws a final GatewayError for content Anthropic cannot take.
 */
export function convertRequest(
  request: ChatRequest,
  route: RouteTarget,
  options: { readonly stream: boolean },
): string {
  const supports = (parameter: string) =>
    request[parameter] !== undefined &&
    request[parameter] !== null &&
    isSupported(parameter, route.supportedParameters);
  const requestedMaxTokens =
    positiveInteger(request.max_completion_tokens) ?? positiveInteger(request.max_tokens);
  const { thinking, maxTokens } =
    supports('reasoning') || supports('reasoning_effort')
      ? convertThinking(request, requestedMaxTokens ?? route.maxOutputTokens)
      : { thinking: null, maxTokens: requestedMaxTokens ?? route.maxOutputTokens };
  const { system, messages } = convertMessages(request.messages, route, {
    isThinkingEnabled: thinking !== null,
  });
  const body: AnthropicRequestBody = {
    model: route.providerModelId,
    max_tokens: maxTokens,
    ...(system === undefined ? {} : { system }),
    messages,
  };
  const tools = supports('tools') ? convertTools(request.tools) : undefined;
  if (tools !== undefined) {
    body.tools = tools;
    const toolChoice = convertToolChoice(
      supports('tool_choice') ? request.tool_choice : undefined,
      supports('parallel_tool_calls') ? request.parallel_tool_calls : undefined,
    );
    if (toolChoice !== undefined) body.tool_choice = toolChoice;
  }
  if (thinking !== null) body.thinking = thinking;
  else {
    if (supports('temperature') && typeof request.temperature === 'number')
      body.temperature = Math.min(request.temperature, MAX_TEMPERATURE);
    if (supports('top_p') && typeof request.top_p === 'number') body.top_p = request.top_p;
    if (supports('top_k') && typeof request.top_k === 'number') body.top_k = request.top_k;
  }
  const stopSequences = supports('stop') ? convertStop(request.stop) : undefined;
  if (stopSequences !== undefined) body.stop_sequences = stopSequences;
  if (typeof request.user === 'string' && request.user !== '') body.metadata = { user_id: request.user };
  const schema = supports('response_format') ? jsonSchemaOf(request.response_format) : undefined;
  if (schema !== undefined) body.output_config = { format: { type: 'json_schema', schema } };
  if (isRecord(request.cache_control)) body.cache_control = request.cache_control;
  if (options.stream) body.stream = true;
  return JSON.stringify(body);
}

function isSupported(parameter: string, supportedParameters: ReadonlySet<string>): boolean {
  if (supportedParameters.has(parameter)) return true;
  const aliases = PARAMETER_ALIASES.get(parameter);
  return aliases !== undefined && aliases.some((alias) => supportedParameters.has(alias));
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

function convertStop(stop: unknown): string[] | undefined {
  const sequences = (Array.isArray(stop) ? stop : [stop]).filter(
    (sequence): sequence is string => typeof sequence === 'string' && sequence !== '',
  );
  return sequences.length > 0 ? sequences : undefined;
}

/** The schema of `{type: "json_schema", json_schema: {schema}}`; other formats have no Anthropic counterpart. */
function jsonSchemaOf(responseFormat: unknown): unknown {
  if (!isRecord(responseFormat) || responseFormat.type !== 'json_schema') return undefined;
  return isRecord(responseFormat.json_schema) ? responseFormat.json_schema.schema : undefined;
}

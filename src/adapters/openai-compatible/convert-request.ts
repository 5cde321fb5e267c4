import type { ChatMessage, ChatRequest, RouteTarget } from '../../spec/index.js';
import { OPENROUTER_ONLY_FIELDS } from '../../spec/index.js';
import { isRecord } from './is-record.js';
import type { OpenAICompatibleQuirks } from './quirks.js';

/**
 * The known-parameter universe: request parameters whose support differs between models and vendors. One of
 * these is forwarded only when the route lists it in `supportedParameters` and the kind's quirks allow it.
 */
export const KNOWN_PARAMETERS: ReadonlySet<string> = new Set([
  'temperature',
  'top_p',
  'top_k',
  'min_p',
  'top_a',
  'frequency_penalty',
  'presence_penalty',
  'repetition_penalty',
  'max_tokens',
  'max_completion_tokens',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'prediction',
  'seed',
  'response_format',
  'structured_outputs',
  'stop',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'include_reasoning',
  'reasoning',
  'reasoning_effort',
  'web_search_options',
  'verbosity',
  'n',
  'service_tier',
]);

/** Fields this converter writes itself. */
const STRUCTURAL_FIELDS: ReadonlySet<string> = new Set(['model', 'messages', 'stream', 'stream_options']);

/** A parameter also counts as supported when the route lists one of these (OpenRouter lists only one name). */
const PARAMETER_ALIASES: ReadonlyMap<string, readonly string[]> = new Map([
  ['max_tokens', ['max_completion_tokens']],
  ['max_completion_tokens', ['max_tokens']],
  ['reasoning_effort', ['reasoning']],
  ['include_reasoning', ['reasoning']],
]);

/**
 * The upstream request body, serialised once: the canonical request with `model` set to the route's
 * `providerModelId`; OpenRouter-only fields stripped; known parameters the route or kind does not support
 * dropped; unknown (vendor) fields forwarded unless the kind rejects them; the output-token cap and renamed
 * parameters in the vendor's field; `stream: true` with `stream_options.include_usage` for streams, no
 * `stream` field otherwise. Only the top-level object is copied; messages are shared unless the kind forces a
 * change to them.
 */
export function convertRequest(
  request: ChatRequest,
  route: RouteTarget,
  quirks: OpenAICompatibleQuirks,
  options: { readonly stream: boolean },
): string {
  const body: Record<string, unknown> = {
    model: route.providerModelId,
    messages: quirks.acceptsMessageName ? request.messages : withoutMessageNames(request.messages),
  };
  let maxTokens: unknown;
  let maxCompletionTokens: unknown;
  for (const field of Object.keys(request)) {
    const value = request[field];
    if (value === undefined || STRUCTURAL_FIELDS.has(field) || OPENROUTER_ONLY_FIELDS.has(field)) continue;
    if (KNOWN_PARAMETERS.has(field)) {
      if (quirks.unsupportedParameters.has(field) || !isSupportedByRoute(field, route.supportedParameters))
        continue;
    } else if (!quirks.acceptsUnknownFields && !quirks.extraFields.has(field)) {
      continue;
    }
    if (quirks.maxTokensField !== null && field === 'max_tokens') maxTokens = value;
    else if (quirks.maxTokensField !== null && field === 'max_completion_tokens') maxCompletionTokens = value;
    else body[quirks.renamedParameters.get(field) ?? field] = value;
  }
  if (quirks.maxTokensField !== null && (maxCompletionTokens !== undefined || maxTokens !== undefined)) {
    body[quirks.maxTokensField] = maxCompletionTokens ?? maxTokens;
  }
  if (options.stream) {
    body.stream = true;
    if (quirks.acceptsStreamOptions) {
      // Keeps vendor options the client set (vLLM's `continuous_usage_stats`); usage is always requested.
      const clientOptions = isRecord(request.stream_options) ? request.stream_options : undefined;
      body.stream_options = { ...clientOptions, include_usage: true };
    }
  }
  return JSON.stringify(body);
}

function isSupportedByRoute(parameter: string, supportedParameters: ReadonlySet<string>): boolean {
  if (supportedParameters.has(parameter)) return true;
  const aliases = PARAMETER_ALIASES.get(parameter);
  return aliases !== undefined && aliases.some((alias) => supportedParameters.has(alias));
}

/** Copies only the messages that carry a `name`, and only when one does. */
function withoutMessageNames(messages: readonly ChatMessage[]): readonly ChatMessage[] {
  if (!messages.some((message) => message.name !== undefined)) return messages;
  return messages.map((message) => {
    if (message.name === undefined) return message;
    const copy: Record<string, unknown> = { ...message };
    delete copy.name;
    return copy as ChatMessage;
  });
}

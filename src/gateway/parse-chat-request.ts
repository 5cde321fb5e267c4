import { KNOWN_PARAMETERS } from '../adapters/openai-compatible/convert-request.js';
import type { ChatMessage, ChatRequest, ChatRole } from '../spec/index.js';
import { OPENROUTER_ONLY_FIELDS } from '../spec/index.js';
import {
  describeValue,
  invalidParameter,
  isRecord,
  parseProviderPreferences,
} from './parse-provider-preferences.js';
import {
  DEFAULT_PROVIDER_PREFERENCES,
  type ProviderPreferences,
  type ProviderSortBy,
} from './provider-preferences.js';

/** What the client asked for, split into the canonical request and the gateway's own routing fields. */
export interface ParsedChatRequest {
  /** `model` still holds the requested name (maybe an alias); the gateway replaces it once resolved. */
  readonly request: ChatRequest;
  readonly requestedModel: string;
  /** OpenRouter `models` fallback list, after `model`. `:floor`/`:nitro` suffixes are stripped everywhere. */
  readonly fallbackModels: readonly string[];
  readonly stream: boolean;
  /**
   * The `provider` object, with the sort implied by a `:floor`/`:nitro` suffix on `model` when it sets no
   * `sort` itself; null when the request has neither (the strategy plans alone). Equals `modelPreferences[0]`.
   */
  readonly providerPreferences: ProviderPreferences | null;
  /**
   * Preferences per model, aligned with `[requestedModel, ...fallbackModels]`: each `models[]` entry's own
   * suffix sets its sort (`a:nitro` then `b:floor` sort each model differently); an explicit `provider.sort`
   * wins over every suffix.
   */
  readonly modelPreferences: readonly (ProviderPreferences | null)[];
  /**
   * Sampling and tool parameters the body sets (non-null), named as in `RouteTarget.supportedParameters`, for
   * `provider.require_parameters`. A `json_schema` response format also counts as `structured_outputs`.
   */
  readonly requestedParameters: ReadonlySet<string>;
}

const ROLES: ReadonlySet<string> = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

function checkNumber(
  body: Record<string, unknown>,
  field: string,
  minimum: number,
  maximum: number,
  integer = false,
) {
  const value = body[field];
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw invalidParameter(
      field,
      `'${field}' must be ${integer ? 'an integer' : 'a number'}, got ${describeValue(value)}.`,
    );
  }
  if (value < minimum || value > maximum) {
    throw invalidParameter(field, `'${field}' must be between ${minimum} and ${maximum}, got ${value}.`);
  }
}

function checkContent(message: Record<string, unknown>, path: string, role: ChatRole): void {
  const content = message.content;
  if (content === undefined || content === null) {
    const hasToolCalls =
      role === 'assistant' && Array.isArray(message.tool_calls) && message.tool_calls.length > 0;
    if (role === 'assistant' && (hasToolCalls || content === null)) return;
    throw invalidParameter(`${path}.content`, `'${path}.content' is required for a ${role} message.`);
  }
  if (typeof content === 'string') return;
  if (!Array.isArray(content)) {
    throw invalidParameter(
      `${path}.content`,
      `'${path}.content' must be a string or an array of content parts, got ${describeValue(content)}.`,
    );
  }
  content.forEach((part: unknown, index) => {
    if (!isRecord(part) || typeof part.type !== 'string') {
      throw invalidParameter(
        `${path}.content[${index}]`,
        `'${path}.content[${index}]' must be an object with a string 'type'.`,
      );
    }
    if (part.type === 'text' && typeof part.text !== 'string') {
      throw invalidParameter(
        `${path}.content[${index}].text`,
        `'${path}.content[${index}].text' must be a string.`,
      );
    }
  });
}

function checkMessages(value: unknown): ChatMessage[] {
  if (value === undefined)
    throw invalidParameter('messages', "'messages' is required: a non-empty array of chat messages.");
  if (!Array.isArray(value))
    throw invalidParameter('messages', `'messages' must be an array, got ${describeValue(value)}.`);
  if (value.length === 0) throw invalidParameter('messages', "'messages' must contain at least one message.");
  value.forEach((message: unknown, index) => {
    const path = `messages[${index}]`;
    if (!isRecord(message))
      throw invalidParameter(path, `'${path}' must be an object, got ${describeValue(message)}.`);
    const role = message.role;
    if (typeof role !== 'string' || !ROLES.has(role)) {
      throw invalidParameter(
        `${path}.role`,
        `'${path}.role' must be one of system, developer, user, assistant, tool.`,
      );
    }
    checkContent(message, path, role as ChatRole);
    if (role === 'tool' && typeof message.tool_call_id !== 'string') {
      throw invalidParameter(
        `${path}.tool_call_id`,
        `'${path}.tool_call_id' is required for a tool message.`,
      );
    }
    if (message.tool_calls !== undefined && !Array.isArray(message.tool_calls)) {
      throw invalidParameter(`${path}.tool_calls`, `'${path}.tool_calls' must be an array.`);
    }
  });
  return value as ChatMessage[];
}

function checkTools(body: Record<string, unknown>): void {
  const tools = body.tools;
  if (tools !== undefined && tools !== null) {
    if (!Array.isArray(tools))
      throw invalidParameter('tools', `'tools' must be an array, got ${describeValue(tools)}.`);
    tools.forEach((tool: unknown, index) => {
      const fn = isRecord(tool) ? tool.function : undefined;
      if (!isRecord(tool) || tool.type !== 'function' || !isRecord(fn) || typeof fn.name !== 'string') {
        throw invalidParameter(
          `tools[${index}]`,
          `'tools[${index}]' must be {"type":"function","function":{"name":...}}.`,
        );
      }
    });
  }
  const choice = body.tool_choice;
  if (choice === undefined || choice === null) return;
  if (typeof choice === 'string') {
    if (!['none', 'auto', 'required'].includes(choice)) {
      throw invalidParameter(
        'tool_choice',
        "'tool_choice' must be none, auto, required or {type:'function',function:{name}}.",
      );
    }
    return;
  }
  const fn = isRecord(choice) ? choice.function : undefined;
  if (!isRecord(choice) || !isRecord(fn) || typeof fn.name !== 'string') {
    throw invalidParameter(
      'tool_choice',
      "'tool_choice' must be none, auto, required or {type:'function',function:{name}}.",
    );
  }
}

function checkStop(value: unknown): void {
  if (value === undefined || value === null || typeof value === 'string') return;
  if (!Array.isArray(value) || value.length > 4 || value.some((item) => typeof item !== 'string')) {
    throw invalidParameter('stop', "'stop' must be a string or an array of at most 4 strings.");
  }
}

/** Model variants that only change provider routing (reference §1.4); other suffixes stay in the id. */
const SORT_SUFFIXES: ReadonlyMap<string, ProviderSortBy> = new Map([
  [':floor', 'price'],
  [':nitro', 'throughput'],
]);

/** Strips known suffixes from the right (`m:free:nitro` → `m:free`); the rightmost suffix sets the sort. */
function splitModelVariant(name: string): { model: string; sort: ProviderSortBy | null } {
  let model = name;
  let sort: ProviderSortBy | null = null;
  for (;;) {
    const colon = model.lastIndexOf(':');
    const suffixSort = colon > 0 ? SORT_SUFFIXES.get(model.slice(colon)) : undefined;
    if (suffixSort === undefined) return { model, sort };
    sort ??= suffixSort;
    model = model.slice(0, colon);
  }
}

function checkModels(body: Record<string, unknown>): {
  models: string[];
  sorts: (ProviderSortBy | null)[];
} {
  const model = body.model;
  const models = body.models;
  if (models !== undefined && (!Array.isArray(models) || models.some((item) => typeof item !== 'string'))) {
    throw invalidParameter('models', "'models' must be an array of model ids.");
  }
  // A copy: the body's own array stays as the client sent it.
  const names = [...((models as string[] | undefined) ?? [])];
  if (model === undefined || model === null || model === '') {
    if (names.length === 0)
      throw invalidParameter('model', "'model' is required: a model id from GET /v1/models.");
  } else if (typeof model !== 'string') {
    throw invalidParameter('model', `'model' must be a string, got ${describeValue(model)}.`);
  } else {
    names.unshift(model);
  }
  // A model listed twice (maybe with another suffix) is tried once, with its first spelling's sort.
  const variants = new Map<string, ProviderSortBy | null>();
  for (const name of names) {
    const { model: id, sort } = splitModelVariant(name);
    if (!variants.has(id)) variants.set(id, sort);
  }
  return { models: [...variants.keys()], sorts: [...variants.values()] };
}

/** A suffix sort applies unless `provider.sort` is explicit. */
function withSuffixSort(
  preferences: ProviderPreferences | null,
  sort: ProviderSortBy | null,
): ProviderPreferences | null {
  if (sort === null || (preferences !== null && preferences.sort !== null)) return preferences;
  return { ...(preferences ?? DEFAULT_PROVIDER_PREFERENCES), sort: { by: sort, partition: 'model' } };
}

/**
 * Validates a chat-completions body and splits off the OpenRouter-only fields. Every failure is a 400 naming
 * the offending `param`. The body object is reused, not copied deeply: only the top level is rebuilt.
 */
export function parseChatRequest(body: unknown): ParsedChatRequest {
  if (!isRecord(body)) {
    throw invalidParameter('body', `The request body must be a JSON object, got ${describeValue(body)}.`);
  }
  const { models, sorts } = checkModels(body);
  const model = models[0] as string;
  const provider = parseProviderPreferences(body.provider);
  checkMessages(body.messages);
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    throw invalidParameter('stream', `'stream' must be a boolean, got ${describeValue(body.stream)}.`);
  }
  if (body.stream_options !== undefined && body.stream_options !== null && !isRecord(body.stream_options)) {
    throw invalidParameter('stream_options', "'stream_options' must be an object.");
  }
  checkNumber(body, 'temperature', 0, 2);
  checkNumber(body, 'top_p', 0, 1);
  checkNumber(body, 'top_k', 0, Number.MAX_SAFE_INTEGER, true);
  checkNumber(body, 'max_tokens', 1, Number.MAX_SAFE_INTEGER, true);
  checkNumber(body, 'max_completion_tokens', 1, Number.MAX_SAFE_INTEGER, true);
  checkNumber(body, 'n', 1, 128, true);
  checkNumber(body, 'seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true);
  checkNumber(body, 'frequency_penalty', -2, 2);
  checkNumber(body, 'presence_penalty', -2, 2);
  checkNumber(body, 'top_logprobs', 0, 20, true);
  checkStop(body.stop);
  checkTools(body);
  if (body.response_format !== undefined && body.response_format !== null) {
    const format = body.response_format;
    if (!isRecord(format) || typeof format.type !== 'string') {
      throw invalidParameter(
        'response_format',
        "'response_format' must be an object with a 'type' (text, json_object, json_schema).",
      );
    }
  }
  const request: Record<string, unknown> = {};
  const requestedParameters = new Set<string>();
  for (const key in body) {
    if (OPENROUTER_ONLY_FIELDS.has(key) || key === '__proto__') continue;
    request[key] = body[key];
    if (KNOWN_PARAMETERS.has(key) && body[key] !== undefined && body[key] !== null)
      requestedParameters.add(key);
  }
  if (isRecord(body.response_format) && body.response_format.type === 'json_schema') {
    requestedParameters.add('structured_outputs');
  }
  request.model = model;
  const modelPreferences = sorts.map((sort) => withSuffixSort(provider, sort));
  return {
    request: request as ChatRequest,
    requestedModel: model,
    fallbackModels: models.slice(1),
    stream: body.stream === true,
    providerPreferences: modelPreferences[0] ?? null,
    modelPreferences,
    requestedParameters,
  };
}

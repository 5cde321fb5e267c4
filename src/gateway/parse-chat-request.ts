import { GatewayError } from '../errors/index.js';
import type { ChatMessage, ChatRequest, ChatRole } from '../spec/index.js';
import { OPENROUTER_ONLY_FIELDS } from '../spec/index.js';

/** What the client asked for, split into the canonical request and the gateway's own routing fields. */
export interface ParsedChatRequest {
  /** `model` still holds the requested name (maybe an alias); the gateway replaces it once resolved. */
  readonly request: ChatRequest;
  readonly requestedModel: string;
  /** OpenRouter `models` fallback list, after `model`. */
  readonly fallbackModels: readonly string[];
  readonly stream: boolean;
}

const ROLES: ReadonlySet<string> = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

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
    throw invalid(
      field,
      `'${field}' must be ${integer ? 'an integer' : 'a number'}, got ${describe(value)}.`,
    );
  }
  if (value < minimum || value > maximum) {
    throw invalid(field, `'${field}' must be between ${minimum} and ${maximum}, got ${value}.`);
  }
}

function checkContent(message: Record<string, unknown>, path: string, role: ChatRole): void {
  const content = message.content;
  if (content === undefined || content === null) {
    const hasToolCalls =
      role === 'assistant' && Array.isArray(message.tool_calls) && message.tool_calls.length > 0;
    if (role === 'assistant' && (hasToolCalls || content === null)) return;
    throw invalid(`${path}.content`, `'${path}.content' is required for a ${role} message.`);
  }
  if (typeof content === 'string') return;
  if (!Array.isArray(content)) {
    throw invalid(
      `${path}.content`,
      `'${path}.content' must be a string or an array of content parts, got ${describe(content)}.`,
    );
  }
  content.forEach((part: unknown, index) => {
    if (!isRecord(part) || typeof part.type !== 'string') {
      throw invalid(
        `${path}.content[${index}]`,
        `'${path}.content[${index}]' must be an object with a string 'type'.`,
      );
    }
    if (part.type === 'text' && typeof part.text !== 'string') {
      throw invalid(`${path}.content[${index}].text`, `'${path}.content[${index}].text' must be a string.`);
    }
  });
}

function checkMessages(value: unknown): ChatMessage[] {
  if (value === undefined)
    throw invalid('messages', "'messages' is required: a non-empty array of chat messages.");
  if (!Array.isArray(value))
    throw invalid('messages', `'messages' must be an array, got ${describe(value)}.`);
  if (value.length === 0) throw invalid('messages', "'messages' must contain at least one message.");
  value.forEach((message: unknown, index) => {
    const path = `messages[${index}]`;
    if (!isRecord(message)) throw invalid(path, `'${path}' must be an object, got ${describe(message)}.`);
    const role = message.role;
    if (typeof role !== 'string' || !ROLES.has(role)) {
      throw invalid(
        `${path}.role`,
        `'${path}.role' must be one of system, developer, user, assistant, tool.`,
      );
    }
    checkContent(message, path, role as ChatRole);
    if (role === 'tool' && typeof message.tool_call_id !== 'string') {
      throw invalid(`${path}.tool_call_id`, `'${path}.tool_call_id' is required for a tool message.`);
    }
    if (message.tool_calls !== undefined && !Array.isArray(message.tool_calls)) {
      throw invalid(`${path}.tool_calls`, `'${path}.tool_calls' must be an array.`);
    }
  });
  return value as ChatMessage[];
}

function checkTools(body: Record<string, unknown>): void {
  const tools = body.tools;
  if (tools !== undefined && tools !== null) {
    if (!Array.isArray(tools)) throw invalid('tools', `'tools' must be an array, got ${describe(tools)}.`);
    tools.forEach((tool: unknown, index) => {
      const fn = isRecord(tool) ? tool.function : undefined;
      if (!isRecord(tool) || tool.type !== 'function' || !isRecord(fn) || typeof fn.name !== 'string') {
        throw invalid(
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
      throw invalid(
        'tool_choice',
        "'tool_choice' must be none, auto, required or {type:'function',function:{name}}.",
      );
    }
    return;
  }
  const fn = isRecord(choice) ? choice.function : undefined;
  if (!isRecord(choice) || !isRecord(fn) || typeof fn.name !== 'string') {
    throw invalid(
      'tool_choice',
      "'tool_choice' must be none, auto, required or {type:'function',function:{name}}.",
    );
  }
}

function checkStop(value: unknown): void {
  if (value === undefined || value === null || typeof value === 'string') return;
  if (!Array.isArray(value) || value.length > 4 || value.some((item) => typeof item !== 'string')) {
    throw invalid('stop', "'stop' must be a string or an array of at most 4 strings.");
  }
}

function checkModels(body: Record<string, unknown>): { model: string; fallbackModels: string[] } {
  const model = body.model;
  const models = body.models;
  if (models !== undefined && (!Array.isArray(models) || models.some((item) => typeof item !== 'string'))) {
    throw invalid('models', "'models' must be an array of model ids.");
  }
  const fallbackModels = (models as string[] | undefined) ?? [];
  if (model === undefined || model === null || model === '') {
    const first = fallbackModels[0];
    if (first === undefined) throw invalid('model', "'model' is required: a model id from GET /v1/models.");
    return { model: first, fallbackModels: fallbackModels.slice(1) };
  }
  if (typeof model !== 'string') throw invalid('model', `'model' must be a string, got ${describe(model)}.`);
  return { model, fallbackModels: fallbackModels.filter((item) => item !== model) };
}

/**
 * Validates a chat-completions body and splits off the OpenRouter-only fields. Every failure is a 400 naming
 * the offending `param`. The body object is reused, not copied deeply: only the top level is rebuilt.
 */
export function parseChatRequest(body: unknown): ParsedChatRequest {
  if (!isRecord(body)) {
    throw invalid('body', `The request body must be a JSON object, got ${describe(body)}.`);
  }
  const { model, fallbackModels } = checkModels(body);
  checkMessages(body.messages);
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    throw invalid('stream', `'stream' must be a boolean, got ${describe(body.stream)}.`);
  }
  if (body.stream_options !== undefined && body.stream_options !== null && !isRecord(body.stream_options)) {
    throw invalid('stream_options', "'stream_options' must be an object.");
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
      throw invalid(
        'response_format',
        "'response_format' must be an object with a 'type' (text, json_object, json_schema).",
      );
    }
  }
  const request: Record<string, unknown> = {};
  for (const key in body) {
    if (!OPENROUTER_ONLY_FIELDS.has(key) && key !== '__proto__') request[key] = body[key];
  }
  request.model = model;
  return {
    request: request as ChatRequest,
    requestedModel: model,
    fallbackModels,
    stream: body.stream === true,
  };
}

import type { ToolChoice, ToolDefinition } from '../../spec/index.js';
import { describeValue, invalidParameter, isRecord } from '../parse-provider-preferences.js';

/** Messages API `tools` (client tools) as OpenAI function tools; null when absent. */
export function convertTools(value: unknown): ToolDefinition[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) {
    throw invalidParameter('tools', `'tools' must be an array, got ${describeValue(value)}.`);
  }
  return value.map((tool: unknown, index): ToolDefinition => {
    const path = `tools[${index}]`;
    if (!isRecord(tool)) throw invalidParameter(path, `'${path}' must be an object.`);
    // Server tools (web search, code execution, ...) run inside Anthropic's API: no upstream here has them.
    if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom') {
      throw invalidParameter(
        `${path}.type`,
        `'${path}.type' ${JSON.stringify(tool.type)} is a server tool, not supported by this gateway; define client tools with name, description and input_schema.`,
      );
    }
    if (typeof tool.name !== 'string' || tool.name === '') {
      throw invalidParameter(`${path}.name`, `'${path}.name' is required: a non-empty string.`);
    }
    if (!isRecord(tool.input_schema)) {
      throw invalidParameter(
        `${path}.input_schema`,
        `'${path}.input_schema' is required: a JSON schema object.`,
      );
    }
    if (tool.description !== undefined && typeof tool.description !== 'string') {
      throw invalidParameter(`${path}.description`, `'${path}.description' must be a string.`);
    }
    return {
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        parameters: tool.input_schema,
      },
    };
  });
}

/** What `tool_choice` becomes: OpenAI's choice, and `parallel_tool_calls: false` when parallel use is off. */
export interface ConvertedToolChoice {
  readonly toolChoice: ToolChoice | null;
  readonly parallelToolCalls: false | null;
}

/** `{type: auto | any | tool | none}` → `auto` / `required` / the named function / `none`. */
export function convertToolChoice(value: unknown): ConvertedToolChoice {
  if (value === undefined || value === null) return { toolChoice: null, parallelToolCalls: null };
  if (!isRecord(value)) {
    throw invalidParameter(
      'tool_choice',
      `'tool_choice' must be an object with a 'type' (auto, any, tool, none).`,
    );
  }
  if (value.disable_parallel_tool_use !== undefined && typeof value.disable_parallel_tool_use !== 'boolean') {
    throw invalidParameter(
      'tool_choice.disable_parallel_tool_use',
      "'tool_choice.disable_parallel_tool_use' must be true or false.",
    );
  }
  const parallelToolCalls = value.disable_parallel_tool_use === true ? false : null;
  switch (value.type) {
    case 'auto':
      return { toolChoice: 'auto', parallelToolCalls };
    case 'any':
      return { toolChoice: 'required', parallelToolCalls };
    case 'none':
      return { toolChoice: 'none', parallelToolCalls: null };
    case 'tool':
      if (typeof value.name !== 'string' || value.name === '') {
        throw invalidParameter(
          'tool_choice.name',
          "'tool_choice.name' is required when 'tool_choice.type' is \"tool\".",
        );
      }
      return { toolChoice: { type: 'function', function: { name: value.name } }, parallelToolCalls };
    default:
      throw invalidParameter('tool_choice.type', "'tool_choice.type' must be auto, any, tool or none.");
  }
}

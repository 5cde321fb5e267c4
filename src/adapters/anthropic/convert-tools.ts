import { isRecord } from '../openai-compatible/is-record.js';
import type { AnthropicTool, AnthropicToolChoice } from './wire-types.js';

/** A function without declared parameters still needs an object schema. */
const EMPTY_OBJECT_SCHEMA: Readonly<Record<string, unknown>> = { type: 'object', properties: {} };

/**
 * OpenAI `tools` → Anthropic tools `{name, description, input_schema}` (`parameters` becomes `input_schema`; a
 * tool's `cache_control` is kept). Entries that are not function tools are left out: they name features of
 * other vendors. Undefined when no tool is left.
 */
export function convertTools(tools: unknown): AnthropicTool[] | undefined {
  if (!Array.isArray(tools)) return undefined;
  const converted: AnthropicTool[] = [];
  for (const tool of tools) {
    if (!isRecord(tool) || tool.type !== 'function' || !isRecord(tool.function)) continue;
    const { name, description, parameters } = tool.function;
    if (typeof name !== 'string') continue;
    converted.push({
      name,
      ...(typeof description === 'string' ? { description } : {}),
      input_schema: isRecord(parameters) ? parameters : EMPTY_OBJECT_SCHEMA,
      ...(isRecord(tool.cache_control) ? { cache_control: tool.cache_control } : {}),
    });
  }
  return converted.length > 0 ? converted : undefined;
}

/**
 * OpenAI `tool_choice` (+ `parallel_tool_calls`) → Anthropic `tool_choice`: `auto` → `auto`, `required` → `any`,
 * `none` → `none`, `{type:"function", function:{name}}` → `{type:"tool", name}`. `parallel_tool_calls: false`
 * becomes `disable_parallel_tool_use: true` (on `auto` when no choice was given). Undefined when neither says
 * anything Anthropic's default (`auto`, parallel allowed) does not.
 */
export function convertToolChoice(
  toolChoice: unknown,
  parallelToolCalls: unknown,
): AnthropicToolChoice | undefined {
  const isParallelDisabled = parallelToolCalls === false;
  const parallel = isParallelDisabled ? { disable_parallel_tool_use: true } : {};
  if (toolChoice === 'none') return { type: 'none' };
  if (toolChoice === 'required') return { type: 'any', ...parallel };
  if (isRecord(toolChoice) && isRecord(toolChoice.function) && typeof toolChoice.function.name === 'string') {
    return { type: 'tool', name: toolChoice.function.name, ...parallel };
  }
  if (toolChoice === 'auto' || isParallelDisabled) return { type: 'auto', ...parallel };
  return undefined;
}

import type { ToolChoice, ToolDefinition } from '../../spec/index.js';
import { isRecord } from '../openai-compatible/is-record.js';
import { convertSchema, hasProperties } from './convert-schema.js';

/** One entry of Gemini's `tools`: here always a list of function declarations. */
export interface GeminiTool {
  readonly functionDeclarations: readonly Readonly<Record<string, unknown>>[];
}

/** Gemini's `toolConfig`. */
export interface GeminiToolConfig {
  readonly functionCallingConfig: {
    readonly mode: 'AUTO' | 'ANY' | 'NONE';
    readonly allowedFunctionNames?: readonly string[];
  };
}

/**
 * The request's function tools as one Gemini tool holding a `functionDeclarations` entry per function:
 * `name`, `description`, and `parameters` converted by convertSchema. A function without parameters (or with
 * an object schema that has no properties) gets no `parameters`: Gemini rejects an empty object schema there.
 * Non-function tools are skipped; null when nothing is left.
 */
export function convertTools(tools: readonly ToolDefinition[]): GeminiTool[] | null {
  const declarations: Record<string, unknown>[] = [];
  for (const tool of tools) {
    if (tool.type !== 'function' || !isRecord(tool.function)) continue;
    const declaration: Record<string, unknown> = { name: tool.function.name };
    if (typeof tool.function.description === 'string') declaration.description = tool.function.description;
    if (tool.function.parameters !== undefined) {
      const parameters = convertSchema(tool.function.parameters);
      if (hasProperties(parameters)) declaration.parameters = parameters;
    }
    declarations.push(declaration);
  }
  return declarations.length === 0 ? null : [{ functionDeclarations: declarations }];
}

/**
 * `tool_choice` as Gemini's function-calling mode: `auto` → AUTO, `none` → NONE, `required` → ANY, a named
 * function → ANY restricted to it by `allowedFunctionNames`.
 */
export function convertToolChoice(choice: ToolChoice): GeminiToolConfig {
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
}

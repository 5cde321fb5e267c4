import { isRecord } from '../openai-compatible/is-record.js';
import { convertSchema } from './convert-schema.js';

/**
 * Thinking budgets (tokens) for `reasoning.effort`: within every Gemini 2.5/3 model's range (2.5 Pro takes
 * 128-32768, Flash 0-24576, Flash-Lite 512-24576), so one table serves them all. `none` turns thinking off
 * where the model allows it.
 */
const THINKING_BUDGETS: ReadonlyMap<string, number> = new Map([
  ['none', 0],
  ['minimal', 512],
  ['low', 1024],
  ['medium', 8192],
  ['high', 24576],
  ['xhigh', 24576],
]);

/** The request parameters this converter reads, already filtered by what the route supports. */
export type GenerationParameters = Readonly<Record<string, unknown>>;

/**
 * Gemini's `generationConfig` from the OpenAI parameters present in `parameters`: `max_completion_tokens`
 * (else `max_tokens`) → `maxOutputTokens`; `temperature`, `top_p` → `topP`, `top_k` → `topK`, `stop` →
 * `stopSequences` (a string becomes a one-item list), `seed`, `presence_penalty` → `presencePenalty`,
 * `frequency_penalty` → `frequencyPenalty`, `n` → `candidateCount`; `response_format` `json_object` →
 * `responseMimeType: application/json`, `json_schema` → the same plus `responseSchema` (convertSchema);
 * reasoning → `thinkingConfig` (see convertThinkingConfig). null when nothing applies.
 */
export function convertGenerationConfig(parameters: GenerationParameters): Record<string, unknown> | null {
  const config: Record<string, unknown> = {};
  const maxTokens = parameters.max_completion_tokens ?? parameters.max_tokens;
  if (typeof maxTokens === 'number') config.maxOutputTokens = maxTokens;
  copyNumber(parameters, 'temperature', config, 'temperature');
  copyNumber(parameters, 'top_p', config, 'topP');
  copyNumber(parameters, 'top_k', config, 'topK');
  const stop = parameters.stop;
  if (typeof stop === 'string') config.stopSequences = [stop];
  else if (Array.isArray(stop) && stop.length > 0) config.stopSequences = stop;
  copyNumber(parameters, 'seed', config, 'seed');
  copyNumber(parameters, 'presence_penalty', config, 'presencePenalty');
  copyNumber(parameters, 'frequency_penalty', config, 'frequencyPenalty');
  copyNumber(parameters, 'n', config, 'candidateCount');
  const format = parameters.response_format;
  if (isRecord(format) && format.type === 'json_object') config.responseMimeType = 'application/json';
  if (isRecord(format) && format.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    const jsonSchema = isRecord(format.json_schema) ? format.json_schema : {};
    if (isRecord(jsonSchema.schema)) config.responseSchema = convertSchema(jsonSchema.schema);
  }
  const thinkingConfig = convertThinkingConfig(parameters);
  if (thinkingConfig !== null) config.thinkingConfig = thinkingConfig;
  return Object.keys(config).length === 0 ? null : config;
}

/**
 * `thinkingConfig` from OpenRouter's `reasoning` object (`max_tokens` → `thinkingBudget` as is; `effort` →
 * a budget from THINKING_BUDGETS; `enabled: false` → budget 0; `exclude: true` → thoughts not returned),
 * OpenAI's `reasoning_effort`, or the legacy `include_reasoning`. Asking for reasoning sets `includeThoughts`,
 * so the thought summaries come back as `reasoning`. null when the request says nothing about reasoning: the
 * model's own default applies.
 */
export function convertThinkingConfig(parameters: GenerationParameters): Record<string, unknown> | null {
  const reasoning = isRecord(parameters.reasoning) ? parameters.reasoning : null;
  const effort = reasoning?.effort ?? parameters.reasoning_effort;
  const includeReasoning = parameters.include_reasoning;
  if (reasoning === null && effort === undefined && typeof includeReasoning !== 'boolean') return null;
  let budget: number | null = null;
  if (typeof reasoning?.max_tokens === 'number') budget = reasoning.max_tokens;
  else if (typeof effort === 'string') budget = THINKING_BUDGETS.get(effort) ?? null;
  if (reasoning?.enabled === false) budget = 0;
  const isExcluded =
    reasoning?.exclude === true || budget === 0 || (reasoning === null && includeReasoning === false);
  const config: Record<string, unknown> = {};
  if (budget !== null) config.thinkingBudget = budget;
  if (!isExcluded) config.includeThoughts = true;
  return Object.keys(config).length === 0 ? null : config;
}

function copyNumber(
  source: GenerationParameters,
  field: string,
  target: Record<string, unknown>,
  targetField: string,
): void {
  const value = source[field];
  if (typeof value === 'number') target[targetField] = value;
}

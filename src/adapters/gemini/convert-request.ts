import type { ChatRequest, RouteTarget, ToolChoice, ToolDefinition } from '../../spec/index.js';
import { KNOWN_PARAMETERS } from '../openai-compatible/convert-request.js';
import { convertGenerationConfig } from './convert-generation-config.js';
import { convertMessages } from './convert-messages.js';
import { convertToolChoice, convertTools } from './convert-tools.js';

/** A parameter also counts as supported when the route lists one of these (OpenRouter lists only one name). */
const PARAMETER_ALIASES: ReadonlyMap<string, readonly string[]> = new Map([
  ['max_tokens', ['max_completion_tokens']],
  ['max_completion_tokens', ['max_tokens']],
  ['reasoning_effort', ['reasoning']],
  ['include_reasoning', ['reasoning']],
]);

/** Gemini-native request fields a client may set directly; forwarded as they are. */
const NATIVE_FIELDS = ['safetySettings', 'cachedContent'] as const;

/**
 * The `generateContent` / `streamGenerateContent` body, serialised once: `contents` and `systemInstruction`
 * from the messages (convertMessages), `tools` and `toolConfig` from `tools` / `tool_choice`,
 * `generationConfig` from the sampling, output and reasoning parameters. As in the OpenAI-compatible adapter,
 * a known parameter is used only when the route lists it in `supportedParameters`; other OpenAI fields have no
 * Gemini meaning and are dropped, except the Gemini-native `safetySettings` and `cachedContent`. The model is
 * named in the URL, not the body; streaming is chosen by the URL too. Throws GatewayError `invalid_request`
 * for messages Gemini cannot take.
 */
export function convertRequest(request: ChatRequest, route: RouteTarget): string {
  const parameters: Record<string, unknown> = {};
  for (const field of Object.keys(request)) {
    const value = request[field];
    if (value === undefined || value === null || !KNOWN_PARAMETERS.has(field)) continue;
    if (isSupportedByRoute(field, route.supportedParameters)) parameters[field] = value;
  }
  const { systemInstruction, contents } = convertMessages(request.messages);
  const body: Record<string, unknown> = { contents };
  if (systemInstruction !== null) body.systemInstruction = systemInstruction;
  const tools = Array.isArray(parameters.tools)
    ? convertTools(parameters.tools as readonly ToolDefinition[])
    : null;
  if (tools !== null) {
    body.tools = tools;
    if (parameters.tool_choice !== undefined)
      body.toolConfig = convertToolChoice(parameters.tool_choice as ToolChoice);
  }
  const generationConfig = convertGenerationConfig(parameters);
  if (generationConfig !== null) body.generationConfig = generationConfig;
  for (const field of NATIVE_FIELDS) {
    if (request[field] !== undefined && request[field] !== null) body[field] = request[field];
  }
  return JSON.stringify(body);
}

function isSupportedByRoute(parameter: string, supportedParameters: ReadonlySet<string>): boolean {
  if (supportedParameters.has(parameter)) return true;
  const aliases = PARAMETER_ALIASES.get(parameter);
  return aliases !== undefined && aliases.some((alias) => supportedParameters.has(alias));
}

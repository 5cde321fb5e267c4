/** Sampling parameters every OpenAI-compatible chat API takes. */
const BASE_PARAMETERS = [
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'seed',
  'frequency_penalty',
  'presence_penalty',
] as const;

/** Extra sampling parameters that vLLM and SGLang accept (reference §9). */
const LOCAL_WORKER_PARAMETERS = [
  'top_k',
  'min_p',
  'repetition_penalty',
  'logit_bias',
  'logprobs',
  'top_logprobs',
] as const;

/**
 * `supported_parameters` of a model whose models.yaml entry does not list `supported_params`: the base set,
 * tools and structured output when the model declares them, vLLM's extras when every route is local, and `top_k`
 * when every route is a native Gemini or Anthropic one.
 */
export function defaultSupportedParameters(capabilities: {
  readonly supportsTools: boolean;
  readonly supportsStructuredOutput: boolean;
  readonly supportsReasoning: boolean;
  readonly localOnly: boolean;
  /** Every route speaks Gemini's or Anthropic's native API, both of which take `top_k`. */
  readonly nativeTopK: boolean;
}): string[] {
  const parameters: string[] = [...BASE_PARAMETERS];
  if (capabilities.supportsTools) parameters.push('tools', 'tool_choice', 'parallel_tool_calls');
  if (capabilities.supportsStructuredOutput) parameters.push('response_format', 'structured_outputs');
  if (capabilities.supportsReasoning) parameters.push('reasoning', 'include_reasoning', 'reasoning_effort');
  if (capabilities.localOnly) parameters.push(...LOCAL_WORKER_PARAMETERS);
  else if (capabilities.nativeTopK) parameters.push('top_k');
  return parameters;
}

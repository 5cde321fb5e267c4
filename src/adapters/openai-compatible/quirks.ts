import type { AdapterKind, OpenAICompatibleKind } from '../../spec/index.js';

/**
 * How one OpenAI-compatible vendor departs from the OpenAI chat-completions request format. Responses need no
 * per-kind switches: their variations (`reasoning_content`, `prompt_cache_hit_tokens`, `x_groq.usage`, ...) are
 * disjoint field names, so the converters read them all.
 */
export interface OpenAICompatibleQuirks {
  /** Known parameters the vendor rejects or cannot honour; dropped even when the route lists them. */
  readonly unsupportedParameters: ReadonlySet<string>;
  /**
   * Field the output-token cap is sent in (`max_completion_tokens` wins when the client sent both); null sends
   * whichever field(s) the client used.
   */
  readonly maxTokensField: 'max_tokens' | 'max_completion_tokens' | null;
  /** False for vendors that answer 400/422 to fields they do not know: fields outside the universe are dropped. */
  readonly acceptsUnknownFields: boolean;
  /** Vendor fields outside the known-parameter universe that are forwarded even when unknown fields are not. */
  readonly extraFields: ReadonlySet<string>;
  /** Canonical parameter → the vendor's name for it. */
  readonly renamedParameters: ReadonlyMap<string, string>;
  /** Whether `stream_options: {include_usage: true}` is sent on streams (else the vendor reports usage unasked). */
  readonly acceptsStreamOptions: boolean;
  /** False when a `name` on a message is a 400 (Groq): it is removed from the messages that carry one. */
  readonly acceptsMessageName: boolean;
}

/** OpenRouter's sampling extensions that only open-weights servers implement. */
const OPEN_WEIGHTS_SAMPLING = ['top_k', 'min_p', 'top_a', 'repetition_penalty'] as const;

/** A lenient OpenAI-compatible server: forwards everything, sends `max_tokens` (the field every version knows). */
const GENERIC: OpenAICompatibleQuirks = {
  unsupportedParameters: new Set(),
  maxTokensField: 'max_tokens',
  acceptsUnknownFields: true,
  extraFields: new Set(),
  renamedParameters: new Map(),
  acceptsStreamOptions: true,
  acceptsMessageName: true,
};

// Typed as a full record of the OpenAI-compatible kinds: a kind added to AdapterKind must be given an entry here
// or a native adapter, the compiler sees to it.
const QUIRKS: Readonly<Record<OpenAICompatibleKind, OpenAICompatibleQuirks>> = {
  // vLLM and SGLang ignore unknown fields and take vendor extras (`chat_template_kwargs`, `min_tokens`, ...);
  // `top_a` is not implemented (reference §9). `max_completion_tokens` only exists in newer vLLM releases.
  vllm: { ...GENERIC, unsupportedParameters: new Set(['top_a']) },
  sglang: { ...GENERIC, unsupportedParameters: new Set(['top_a']) },
  openai_compat: GENERIC,
  // OpenAI answers 400 "Unrecognized request argument" to unknown fields, and its reasoning models reject
  // `max_tokens`. `reasoning`/`include_reasoning` are OpenRouter's, `structured_outputs` is a capability flag.
  openai: {
    ...GENERIC,
    unsupportedParameters: new Set([
      ...OPEN_WEIGHTS_SAMPLING,
      'reasoning',
      'include_reasoning',
      'structured_outputs',
    ]),
    maxTokensField: 'max_completion_tokens',
    acceptsUnknownFields: false,
    extraFields: new Set([
      'user',
      'metadata',
      'store',
      'modalities',
      'audio',
      'prompt_cache_key',
      'safety_identifier',
      'functions',
      'function_call',
    ]),
  },
  // DeepSeek documents only `max_tokens` and the OpenAI sampling set; extras such as `thinking` pass through.
  deepseek: { ...GENERIC, unsupportedParameters: new Set([...OPEN_WEIGHTS_SAMPLING, 'logit_bias']) },
  // Meta's Llama API names the cap `max_completion_tokens` natively; its compat endpoint accepts it.
  llama: {
    ...GENERIC,
    unsupportedParameters: new Set(['min_p', 'top_a']),
    maxTokensField: 'max_completion_tokens',
  },
  // Groq: `logprobs`, `logit_bias`, `top_logprobs`, `messages[].name` and `n` ≠ 1 are 400s (console.groq.com/docs/
  // openai); it validates fields strictly. Both cap fields are accepted (`max_tokens` is deprecated there).
  groq: {
    ...GENERIC,
    unsupportedParameters: new Set([...OPEN_WEIGHTS_SAMPLING, 'logit_bias', 'logprobs', 'top_logprobs', 'n']),
    maxTokensField: null,
    acceptsUnknownFields: false,
    extraFields: new Set(['user', 'metadata', 'reasoning_format', 'search_settings', 'documents']),
    acceptsMessageName: false,
  },
  // OpenRouter takes the whole universe, both cap fields and its own extras.
  openrouter: { ...GENERIC, maxTokensField: null },
  nvidia: { ...GENERIC, unsupportedParameters: new Set(['top_a']) },
  together: { ...GENERIC, unsupportedParameters: new Set(['top_a']) },
  fireworks: { ...GENERIC, unsupportedParameters: new Set(['top_a']) },
  // Cerebras answers 400 to these OpenAI fields and names the cap `max_completion_tokens`.
  cerebras: {
    ...GENERIC,
    unsupportedParameters: new Set([
      ...OPEN_WEIGHTS_SAMPLING,
      'frequency_penalty',
      'presence_penalty',
      'logit_bias',
      'parallel_tool_calls',
      'service_tier',
    ]),
    maxTokensField: 'max_completion_tokens',
    acceptsUnknownFields: false,
    extraFields: new Set(['user']),
  },
  // Mistral rejects unknown fields with 422 `extra_forbidden`, calls the seed `random_seed`, and always puts
  // usage on its last stream chunk (it has no `stream_options`).
  mistral: {
    ...GENERIC,
    unsupportedParameters: new Set([
      ...OPEN_WEIGHTS_SAMPLING,
      'logit_bias',
      'logprobs',
      'top_logprobs',
      'reasoning',
      'include_reasoning',
      'reasoning_effort',
      'structured_outputs',
      'web_search_options',
      'verbosity',
      'service_tier',
    ]),
    acceptsUnknownFields: false,
    extraFields: new Set(['safe_prompt', 'prompt_mode', 'random_seed']),
    renamedParameters: new Map([['seed', 'random_seed']]),
    acceptsStreamOptions: false,
  },
};

/** The quirks of a kind. */
export function quirksFor(kind: AdapterKind): OpenAICompatibleQuirks {
  // A native kind pointed at an OpenAI-compatible endpoint (tests, proxies) is treated as a generic server.
  return Object.hasOwn(QUIRKS, kind) ? QUIRKS[kind as OpenAICompatibleKind] : GENERIC;
}

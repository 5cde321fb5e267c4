import type { AdapterKind } from '../spec/index.js';

/** What config needs to know per adapter kind: defaults for a route that leaves them out. */
export interface ProviderKindDefaults {
  readonly displayName: string;
  /** Used when a route gives no `base_url`; null means the route must give one. */
  readonly defaultBaseUrl: string | null;
  /** Remote APIs need a key; a route whose key is empty is disabled with a warning. */
  readonly requiresApiKey: boolean;
  /** The environment variable the shipped config reads the key from, for warnings. */
  readonly apiKeyVariable: string | null;
  readonly isLocal: boolean;
}

export const PROVIDER_KINDS: Readonly<Record<AdapterKind, ProviderKindDefaults>> = {
  vllm: {
    displayName: 'vLLM',
    defaultBaseUrl: null,
    requiresApiKey: false,
    apiKeyVariable: null,
    isLocal: true,
  },
  sglang: {
    displayName: 'SGLang',
    defaultBaseUrl: null,
    requiresApiKey: false,
    apiKeyVariable: null,
    isLocal: true,
  },
  openai_compat: {
    displayName: 'OpenAI-compatible',
    defaultBaseUrl: null,
    requiresApiKey: false,
    apiKeyVariable: null,
    isLocal: false,
  },
  openai: {
    displayName: 'OpenAI',
    defaultBaseUrl: 'https://api.openai.com/v1',
    requiresApiKey: true,
    apiKeyVariable: 'OPENAI_API_KEY',
    isLocal: false,
  },
  deepseek: {
    displayName: 'DeepSeek',
    defaultBaseUrl: 'https://api.deepseek.com/v1',
    requiresApiKey: true,
    apiKeyVariable: 'DEEPSEEK_API_KEY',
    isLocal: false,
  },
  llama: {
    displayName: 'Meta',
    defaultBaseUrl: 'https://api.llama.com/compat/v1',
    requiresApiKey: true,
    apiKeyVariable: 'LLAMA_API_KEY',
    isLocal: false,
  },
  groq: {
    displayName: 'Groq',
    defaultBaseUrl: 'https://api.groq.com/openai/v1',
    requiresApiKey: true,
    apiKeyVariable: 'GROQ_API_KEY',
    isLocal: false,
  },
  openrouter: {
    displayName: 'OpenRouter',
    defaultBaseUrl: 'https://openrouter.ai/api/v1',
    requiresApiKey: true,
    apiKeyVariable: 'OPENROUTER_API_KEY',
    isLocal: false,
  },
  nvidia: {
    displayName: 'NVIDIA',
    defaultBaseUrl: 'https://integrate.api.nvidia.com/v1',
    requiresApiKey: true,
    apiKeyVariable: 'NVIDIA_API_KEY',
    isLocal: false,
  },
  together: {
    displayName: 'Together',
    defaultBaseUrl: 'https://api.together.xyz/v1',
    requiresApiKey: true,
    apiKeyVariable: 'TOGETHER_API_KEY',
    isLocal: false,
  },
  fireworks: {
    displayName: 'Fireworks',
    defaultBaseUrl: 'https://api.fireworks.ai/inference/v1',
    requiresApiKey: true,
    apiKeyVariable: 'FIREWORKS_API_KEY',
    isLocal: false,
  },
  cerebras: {
    displayName: 'Cerebras',
    defaultBaseUrl: 'https://api.cerebras.ai/v1',
    requiresApiKey: true,
    apiKeyVariable: 'CEREBRAS_API_KEY',
    isLocal: false,
  },
  mistral: {
    displayName: 'Mistral',
    defaultBaseUrl: 'https://api.mistral.ai/v1',
    requiresApiKey: true,
    apiKeyVariable: 'MISTRAL_API_KEY',
    isLocal: false,
  },
  gemini: {
    displayName: 'Google AI Studio',
    defaultBaseUrl: 'https://generativelanguage.googleapis.com/v1beta',
    requiresApiKey: true,
    apiKeyVariable: 'GEMINI_API_KEY',
    isLocal: false,
  },
  anthropic: {
    displayName: 'Anthropic',
    defaultBaseUrl: 'https://api.anthropic.com/v1',
    requiresApiKey: true,
    apiKeyVariable: 'ANTHROPIC_API_KEY',
    isLocal: false,
  },
  claude: {
    displayName: 'Anthropic',
    defaultBaseUrl: 'https://api.anthropic.com/v1',
    requiresApiKey: true,
    apiKeyVariable: 'ANTHROPIC_API_KEY',
    isLocal: false,
  },
};

export const ADAPTER_KINDS = Object.keys(PROVIDER_KINDS) as AdapterKind[];

export function isAdapterKind(value: string): value is AdapterKind {
  return Object.hasOwn(PROVIDER_KINDS, value);
}

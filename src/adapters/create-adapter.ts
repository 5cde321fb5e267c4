import type { AdapterKind, RouteTarget } from '../spec/index.js';
import type { Adapter, AdapterDependencies } from './adapter.js';
import { createAnthropicAdapter } from './anthropic/index.js';
import { createGeminiAdapter } from './gemini/index.js';
import { createOpenAICompatibleAdapter } from './openai-compatible/index.js';

/** Builds the adapter of one route. */
export type AdapterFactory = (route: RouteTarget, dependencies: AdapterDependencies) => Adapter;

/**
 * The wire protocol of each kind. Typed as a full record, so adding a kind to `AdapterKind` fails to compile
 * until it is mapped here. The OpenAI-compatible kinds differ only in
 * `openai-compatible/quirks.ts`; Gemini and Anthropic have their own wire protocol.
 */
const ADAPTER_FACTORIES: Readonly<Record<AdapterKind, AdapterFactory>> = {
  vllm: createOpenAICompatibleAdapter,
  sglang: createOpenAICompatibleAdapter,
  openai_compat: createOpenAICompatibleAdapter,
  openai: createOpenAICompatibleAdapter,
  deepseek: createOpenAICompatibleAdapter,
  llama: createOpenAICompatibleAdapter,
  groq: createOpenAICompatibleAdapter,
  openrouter: createOpenAICompatibleAdapter,
  nvidia: createOpenAICompatibleAdapter,
  together: createOpenAICompatibleAdapter,
  fireworks: createOpenAICompatibleAdapter,
  cerebras: createOpenAICompatibleAdapter,
  mistral: createOpenAICompatibleAdapter,
  gemini: createGeminiAdapter,
  anthropic: createAnthropicAdapter,
  claude: createAnthropicAdapter,
};

/** The adapter for a route, chosen by `route.kind`. Creating one sends nothing; calls share the origin's pool. */
export function createAdapter(route: RouteTarget, dependencies: AdapterDependencies): Adapter {
  return ADAPTER_FACTORIES[route.kind](route, dependencies);
}

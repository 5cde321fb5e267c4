import type { RouteTarget } from '../../spec/index.js';
import type { Adapter, AdapterDependencies } from '../adapter.js';
import { createOpenAICompatibleAdapter } from '../openai-compatible/index.js';

/** Placeholder until the native Anthropic adapter lands: speaks OpenAI chat completions. */
export function createAnthropicAdapter(route: RouteTarget, dependencies: AdapterDependencies): Adapter {
  return createOpenAICompatibleAdapter(route, dependencies);
}

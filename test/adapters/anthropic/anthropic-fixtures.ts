import { readFileSync } from 'node:fs';
import type { RouteTarget } from '../../../src/spec/index.js';
import { createTestRoute } from '../openai-compatible/fake-upstream.js';

const FIXTURES = new URL('../../../src/adapters/anthropic/fixtures/', import.meta.url);

/** A wire-format file from `src/adapters/anthropic/fixtures/`. */
export function readAnthropicFixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

/** An Anthropic route for tests: every parameter the adapter maps is supported unless overridden. */
export function createAnthropicRoute(baseUrl: string, overrides: Partial<RouteTarget> = {}): RouteTarget {
  return createTestRoute(baseUrl, {
    id: 'anthropic/claude-sonnet-4-5',
    modelId: 'anthropic/claude-sonnet-4.5',
    kind: 'anthropic',
    provider: 'anthropic',
    providerName: 'Anthropic',
    apiKey: 'sk-ant-test',
    providerModelId: 'claude-sonnet-4-5-20250929',
    isLocal: false,
    maxOutputTokens: 4096,
    supportedParameters: new Set([
      'temperature',
      'top_p',
      'top_k',
      'max_tokens',
      'stop',
      'tools',
      'tool_choice',
      'parallel_tool_calls',
      'reasoning',
      'response_format',
    ]),
    ...overrides,
  });
}

import type { RouteTarget } from '../../src/spec/index.js';

/** A route with test defaults; override what the test is about. */
export function makeRoute(overrides: Partial<RouteTarget> & { id: string }): RouteTarget {
  return {
    modelId: 'test-model',
    kind: 'openai_compat',
    provider: overrides.id.split('/')[0] ?? 'test',
    providerName: 'Test',
    baseUrl: 'http://127.0.0.1:1/v1',
    apiKey: '',
    providerModelId: 'upstream-model',
    weight: 1,
    rank: 1,
    pricing: { prompt: '0', completion: '0' },
    isLocal: false,
    supportedParameters: new Set(['temperature', 'max_tokens']),
    contextLength: 8192,
    maxOutputTokens: 4096,
    headers: {},
    limits: { route: {}, model: {}, provider: {} },
    ...overrides,
  };
}

import type { QuotaLimits, RouteTarget } from '../spec/index.js';

/**
 * The limits layer counts quotas per route target; a key's own quotas go through it as a target of their
 * own (`apikey:<id>`) whose only limits are the key's, so they share its counters, windows, settle rules and
 * state store (shared by every gateway process) without a second implementation.
 */
export function keyQuotaTarget(keyId: string, limits: QuotaLimits): RouteTarget {
  return {
    id: `apikey:${keyId}`,
    modelId: '',
    kind: 'openai_compat',
    provider: '',
    providerName: '',
    baseUrl: '',
    apiKey: '',
    providerModelId: '',
    weight: 0,
    rank: 0,
    pricing: { prompt: '0', completion: '0' },
    isLocal: false,
    supportedParameters: new Set(),
    contextLength: 0,
    maxOutputTokens: 0,
    headers: {},
    limits: { route: limits, model: {}, provider: {} },
  };
}

import type { RequestLogEntry } from '../../src/storage/request-log-entry.js';

/** 2026-11-29 10:00:00.123 UTC: ms precision matters. */
export const T0 = Date.UTC(2026, 10, 29, 10, 0, 0, 123);

let unique = 0;
/** A request id unique in this process. */
export function freshId(name = 'request'): string {
  unique += 1;
  return `gen-${name}-${process.pid}-${unique}`;
}

/** A served, fully known request: every column holds a value. */
export function servedEntry(overrides: Partial<RequestLogEntry> = {}): RequestLogEntry {
  return {
    requestId: freshId('served'),
    timestamp: T0,
    requestedModel: 'llama-3.3-70b',
    modelId: 'llama-3.3-70b-instruct',
    provider: 'groq',
    routeId: 'groq/llama-3.3-70b-versatile',
    isLocal: false,
    statusCode: 200,
    errorType: null,
    errorMessage: null,
    stream: true,
    attempts: [
      {
        route: 'local-vllm/llama',
        provider: 'vllm',
        outcome: 'failed',
        reason: 'rate_limited',
        upstreamStatus: 429,
        durationMs: 12,
        retryAfterMs: 7660,
      },
      {
        route: 'groq/llama-3.3-70b-versatile',
        provider: 'groq',
        outcome: 'success',
        reason: null,
        upstreamStatus: 200,
        durationMs: 840,
      },
    ],
    fallback: true,
    interrupted: false,
    cancelled: false,
    params: { temperature: 0.7, top_p: 0.95, max_tokens: 1024, seed: 42, stop: ['\n\n'] },
    ttftMs: 180,
    latencyMs: 920,
    promptTokens: 1200,
    completionTokens: 350,
    reasoningTokens: 40,
    cachedTokens: 1024,
    cacheWriteTokens: 0,
    totalTokens: 1550,
    estimated: false,
    costUsd: 0.00042315,
    finishReason: 'stop',
    nativeFinishReason: 'end_turn',
    apiKeyId: 'key_01',
    userId: 'user-7',
    sessionId: 'session-3',
    referer: 'https://example.com/app',
    title: 'Example app',
    prompt: 'Say hello in French. «ça va ?» 👋',
    response: 'Bonjour !',
    promptHash: 'a'.repeat(64),
    responseHash: 'b'.repeat(64),
    tools: [{ type: 'function', function: { name: 'get_weather' } }],
    metadata: { user_agent: 'openai-node/6.49.0', ip: '127.0.0.1', authenticated: true },
    ...overrides,
  };
}

/** A request no route served: every optional column is null or empty. */
export function failedEntry(overrides: Partial<RequestLogEntry> = {}): RequestLogEntry {
  return {
    requestId: freshId('failed'),
    timestamp: T0 + 1,
    requestedModel: 'no-such-model',
    modelId: 'no-such-model',
    provider: '',
    routeId: null,
    isLocal: null,
    statusCode: 404,
    errorType: 'model_not_found',
    errorMessage: "Model 'no-such-model' is not served here.",
    stream: false,
    attempts: [],
    fallback: false,
    interrupted: false,
    cancelled: false,
    params: {},
    ttftMs: null,
    latencyMs: 2,
    promptTokens: null,
    completionTokens: null,
    reasoningTokens: null,
    cachedTokens: null,
    cacheWriteTokens: null,
    totalTokens: null,
    estimated: false,
    costUsd: null,
    finishReason: null,
    nativeFinishReason: null,
    apiKeyId: null,
    userId: null,
    sessionId: null,
    referer: null,
    title: null,
    prompt: null,
    response: null,
    promptHash: null,
    responseHash: null,
    tools: null,
    metadata: {},
    ...overrides,
  };
}

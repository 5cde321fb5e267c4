import assert from 'node:assert/strict';
import type { RequestLogEntry } from '../../src/storage/request-log-entry.js';
import type { StatsGroup } from '../../src/storage/request-log-stats.js';
import { failedEntry, servedEntry } from './sample-entries.js';

/** A deterministic PRNG (mulberry32): the same rows every run. */
export function seededRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

const MODELS = ['model-a', 'model-b', 'model-c'];
const ROUTES = [
  { provider: 'local-vllm', routeId: 'local-vllm/model', isLocal: true },
  { provider: 'groq', routeId: 'groq/model', isLocal: false },
  { provider: 'deepseek', routeId: 'deepseek/model', isLocal: false },
];
const KEYS = ['key_a', 'key_b', null];
const ERRORS = [
  { statusCode: 429, errorType: 'rate_limit_exceeded' },
  { statusCode: 503, errorType: 'no_route_available' },
  { statusCode: 500, errorType: null },
];

/**
 * `count` varied rows with timestamps spread over `[fromMs, toMs)`: served and failed, local and remote,
 * stream and not, with and without key, tokens, cost and TTFT, fallbacks, interruptions, cancels, and a
 * failure with no error type. Costs are whole nano-dollars, so every store keeps them exactly.
 */
export function variedEntries(count: number, fromMs: number, toMs: number, seed = 7): RequestLogEntry[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  return Array.from({ length: count }, (_, index) => {
    const timestamp = fromMs + Math.floor(((toMs - fromMs) * index) / count);
    const modelId = pick(MODELS);
    const apiKeyId = pick(KEYS);
    const latencyMs = 5 + Math.floor(random() * random() * 3000);
    if (random() < 0.15) {
      const error = pick(ERRORS);
      return failedEntry({ timestamp, modelId, requestedModel: modelId, apiKeyId, latencyMs, ...error });
    }
    const route = pick(ROUTES);
    const stream = random() < 0.6;
    const promptTokens = Math.floor(random() * 2000);
    const completionTokens = Math.floor(random() * 500);
    const interrupted = stream && random() < 0.05;
    const cancelled = !interrupted && random() < 0.05;
    const unknownUsage = random() < 0.05;
    return servedEntry({
      timestamp,
      modelId,
      requestedModel: modelId,
      ...route,
      apiKeyId,
      stream,
      ttftMs: stream ? Math.floor(random() * latencyMs) : null,
      latencyMs,
      fallback: random() < 0.1,
      interrupted,
      cancelled,
      errorType: interrupted ? 'interrupted' : cancelled ? 'cancelled' : null,
      promptTokens: unknownUsage ? null : promptTokens,
      completionTokens: unknownUsage ? null : completionTokens,
      reasoningTokens: unknownUsage ? null : Math.floor(completionTokens / 7),
      cachedTokens: unknownUsage ? null : Math.floor(promptTokens / 3),
      totalTokens: unknownUsage ? null : promptTokens + completionTokens,
      costUsd: unknownUsage ? null : Math.floor(random() * 1e6) / 1e9,
    });
  });
}

/**
 * Asserts `actual` equals `expected` group by group: everything exact but the cost, which a store sums in
 * floating point in its own order (within 1e-9 USD).
 */
export function assertSameStats(actual: readonly StatsGroup[], expected: readonly StatsGroup[]): void {
  const withoutCost = (group: StatsGroup) => ({ ...group, costUsd: 0 });
  assert.deepEqual(actual.map(withoutCost), expected.map(withoutCost));
  actual.forEach((group, index) => {
    const cost = expected[index]?.costUsd ?? Number.NaN;
    assert.ok(Math.abs(group.costUsd - cost) < 1e-9, `cost of ${group.key}: ${group.costUsd} vs ${cost}`);
  });
}

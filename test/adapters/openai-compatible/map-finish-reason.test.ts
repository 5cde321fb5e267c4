import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertUsage } from '../../../src/adapters/openai-compatible/convert-usage.js';
import { mapFinishReason } from '../../../src/adapters/openai-compatible/map-finish-reason.js';

test('finish reasons map onto the OpenRouter set', () => {
  const cases: [unknown, string | null][] = [
    ['stop', 'stop'],
    ['length', 'length'],
    ['tool_calls', 'tool_calls'],
    ['content_filter', 'content_filter'],
    ['function_call', 'tool_calls'],
    ['eos', 'stop'],
    ['end_turn', 'stop'],
    ['MAX_TOKENS', 'length'],
    ['model_length', 'length'],
    ['abort', 'error'],
    ['error', 'error'],
    ['something_new', 'stop'],
    ['', null],
    [null, null],
    [undefined, null],
    [3, null],
  ];
  for (const [native, expected] of cases) assert.equal(mapFinishReason(native), expected, String(native));
});

test('usage: computed total, cached and reasoning tokens, DeepSeek cache fields', () => {
  assert.deepEqual(convertUsage({ prompt_tokens: 10, completion_tokens: 5 }), {
    promptTokens: 10,
    completionTokens: 5,
    totalTokens: 15,
    estimated: false,
  });
  assert.deepEqual(
    convertUsage({
      prompt_tokens: 100,
      completion_tokens: 20,
      total_tokens: 120,
      prompt_tokens_details: { cached_tokens: 64, cache_write_tokens: 8 },
      completion_tokens_details: { reasoning_tokens: 12 },
    }),
    {
      promptTokens: 100,
      completionTokens: 20,
      totalTokens: 120,
      cachedTokens: 64,
      cacheWriteTokens: 8,
      reasoningTokens: 12,
      estimated: false,
    },
  );
  assert.equal(
    convertUsage({
      prompt_tokens: 1200,
      completion_tokens: 4,
      prompt_cache_hit_tokens: 1152,
      prompt_cache_miss_tokens: 48,
    })?.cachedTokens,
    1152,
  );
  assert.equal(convertUsage(null), null);
  assert.equal(convertUsage({ total_tokens: 3 }), null);
});

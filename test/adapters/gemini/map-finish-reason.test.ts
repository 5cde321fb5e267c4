import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapFinishReason } from '../../../src/adapters/gemini/map-finish-reason.js';

test('Gemini finish reasons map to the normalised set', () => {
  const cases: [unknown, boolean, string | null][] = [
    [undefined, false, null],
    ['', false, null],
    ['STOP', false, 'stop'],
    ['STOP', true, 'tool_calls'],
    ['MAX_TOKENS', false, 'length'],
    ['MAX_TOKENS', true, 'length'],
    ['SAFETY', false, 'content_filter'],
    ['RECITATION', false, 'content_filter'],
    ['BLOCKLIST', false, 'content_filter'],
    ['PROHIBITED_CONTENT', false, 'content_filter'],
    ['SPII', false, 'content_filter'],
    ['IMAGE_SAFETY', false, 'content_filter'],
    ['MALFORMED_FUNCTION_CALL', false, 'error'],
    ['MALFORMED_FUNCTION_CALL', true, 'error'],
    ['OTHER', false, 'error'],
    ['FINISH_REASON_UNSPECIFIED', false, 'stop'],
    ['SOMETHING_NEW', true, 'tool_calls'],
  ];
  for (const [native, hasToolCalls, expected] of cases) {
    assert.equal(mapFinishReason(native, hasToolCalls), expected, `${String(native)} ${hasToolCalls}`);
  }
});

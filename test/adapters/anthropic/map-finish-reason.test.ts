import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapFinishReason } from '../../../src/adapters/anthropic/map-finish-reason.js';

test('Anthropic stop reasons map to OpenRouter finish reasons', () => {
  assert.equal(mapFinishReason('end_turn'), 'stop');
  assert.equal(mapFinishReason('stop_sequence'), 'stop');
  assert.equal(mapFinishReason('max_tokens'), 'length');
  assert.equal(mapFinishReason('model_context_window_exceeded'), 'length');
  assert.equal(mapFinishReason('tool_use'), 'tool_calls');
  assert.equal(mapFinishReason('refusal'), 'content_filter');
  assert.equal(mapFinishReason('pause_turn'), 'stop');
  assert.equal(mapFinishReason('something_new'), 'stop', 'the generation ended, whatever the reason');
  assert.equal(mapFinishReason(null), null);
  assert.equal(mapFinishReason(undefined), null);
  assert.equal(mapFinishReason(''), null);
});

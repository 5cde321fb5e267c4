import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GatewayError } from '../../errors/index.js';
import type { ChatDelta, FinishReason } from '../../spec/index.js';
import { MessagesStreamEncoder } from './messages-stream-encoder.js';

const identity = {
  id: 'gen-1700000000-abcdefghijklmnopqrst',
  created: 1700000000,
  model: 'org/m',
  provider: 'P',
};

function parse(text: string): { event: string; data: Record<string, unknown> }[] {
  return text
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      const [eventLine = '', dataLine = ''] = block.split('\n');
      assert.ok(eventLine.startsWith('event: ') && dataLine.startsWith('data: '), block);
      const data = JSON.parse(dataLine.slice(6)) as Record<string, unknown>;
      assert.equal(data.type, eventLine.slice(7));
      return { event: eventLine.slice(7), data };
    });
}

function encode(
  deltas: [ChatDelta, FinishReason | null, string | null][],
  stopSequences: string[] = [],
): ReturnType<typeof parse> {
  const encoder = new MessagesStreamEncoder(identity, { inputTokens: 42, stopSequences });
  let text = encoder.opening;
  for (const [delta, finish, native] of deltas) text += encoder.delta(0, delta, finish, native);
  text += encoder.end({
    promptTokens: 50,
    completionTokens: 9,
    totalTokens: 59,
    cachedTokens: 30,
    estimated: false,
  });
  return parse(text);
}

describe('MessagesStreamEncoder', () => {
  test('thinking, text and two tool calls become four blocks in order, each started and stopped', () => {
    const events = encode([
      [{ role: 'assistant', reasoning: 'Let me ' }, null, null],
      [{ reasoning: 'think.' }, null, null],
      [{ content: 'Calling.' }, null, null],
      [
        {
          tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'f', arguments: '' } }],
        },
        null,
        null,
      ],
      [{ tool_calls: [{ index: 0, function: { arguments: '{"x":' } }] }, null, null],
      [{ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }, null, null],
      [
        { tool_calls: [{ index: 1, id: 'call_b', function: { name: 'g', arguments: '{}' } }] },
        'tool_calls',
        'tool_calls',
      ],
    ]);
    assert.deepEqual(
      events.map(
        (item) =>
          `${item.event}${item.data.index === undefined ? '' : `:${JSON.stringify(item.data.index)}`}`,
      ),
      [
        'message_start',
        'content_block_start:0',
        'content_block_delta:0',
        'content_block_delta:0',
        'content_block_stop:0',
        'content_block_start:1',
        'content_block_delta:1',
        'content_block_stop:1',
        'content_block_start:2',
        'content_block_delta:2',
        'content_block_delta:2',
        'content_block_stop:2',
        'content_block_start:3',
        'content_block_delta:3',
        'content_block_stop:3',
        'message_delta',
        'message_stop',
      ],
    );
    const start = events[0]!.data.message as Record<string, unknown>;
    assert.equal(start.id, 'msg_1700000000-abcdefghijklmnopqrst');
    assert.equal(start.model, 'org/m');
    assert.deepEqual(start.content, []);
    assert.equal((start.usage as { input_tokens: number }).input_tokens, 42);
    assert.deepEqual(events[1]!.data.content_block, { type: 'thinking', thinking: '', signature: '' });
    assert.deepEqual(events[2]!.data.delta, { type: 'thinking_delta', thinking: 'Let me ' });
    assert.deepEqual(events[6]!.data.delta, { type: 'text_delta', text: 'Calling.' });
    assert.deepEqual(events[8]!.data.content_block, { type: 'tool_use', id: 'call_a', name: 'f', input: {} });
    assert.deepEqual(events[9]!.data.delta, { type: 'input_json_delta', partial_json: '{"x":' });
    assert.deepEqual(events[12]!.data.content_block, {
      type: 'tool_use',
      id: 'call_b',
      name: 'g',
      input: {},
    });
    assert.deepEqual(events.at(-2)!.data, {
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: {
        input_tokens: 20,
        output_tokens: 9,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 30,
      },
    });
  });

  test('stop reasons: length, a known stop sequence, content filter', () => {
    const stopOf = (finish: FinishReason, native: string | null, sequences: string[] = []) =>
      encode([[{ content: 'x' }, finish, native]], sequences).at(-2)!.data.delta;
    assert.deepEqual(stopOf('length', 'length'), { stop_reason: 'max_tokens', stop_sequence: null });
    assert.deepEqual(stopOf('stop', 'stop_sequence', ['END']), {
      stop_reason: 'stop_sequence',
      stop_sequence: 'END',
    });
    assert.deepEqual(stopOf('stop', 'stop', ['END']), { stop_reason: 'end_turn', stop_sequence: null });
    assert.deepEqual(stopOf('content_filter', 'content_filter'), {
      stop_reason: 'refusal',
      stop_sequence: null,
    });
  });

  test('a tool call without an id gets one; other choices and empty deltas write nothing', () => {
    const encoder = new MessagesStreamEncoder(identity, { inputTokens: 1, stopSequences: [] });
    assert.equal(encoder.delta(1, { content: 'other choice' }, null, null), '');
    assert.equal(encoder.delta(0, { role: 'assistant', content: '' }, null, null), '');
    const [start] = parse(
      encoder.delta(0, { tool_calls: [{ index: 0, function: { name: 'f' } }] }, null, null),
    );
    assert.match((start!.data.content_block as { id: string }).id, /^toolu_[0-9a-f]{32}$/);
  });

  test('after a failure the error event is the last event', () => {
    const encoder = new MessagesStreamEncoder(identity, { inputTokens: 1, stopSequences: [] });
    encoder.delta(0, { content: 'partial' }, null, null);
    const failure = new GatewayError(
      'provider_unavailable',
      'The upstream stream broke after it started: reset',
    );
    const events = parse(encoder.error(failure));
    assert.deepEqual(events, [
      {
        event: 'error',
        data: { type: 'error', error: { type: 'api_error', message: failure.message } },
      },
    ]);
    assert.equal(encoder.end({ promptTokens: 1, completionTokens: 1, totalTokens: 2, estimated: true }), '');
  });
});

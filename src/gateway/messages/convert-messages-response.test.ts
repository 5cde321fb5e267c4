import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChatChoice } from '../../spec/index.js';
import type { CompletedChat } from '../chat-service.js';
import { convertMessagesResponse } from './convert-messages-response.js';

function completed(choice: Partial<ChatChoice> & Pick<ChatChoice, 'message'>): CompletedChat {
  return {
    headers: {},
    identity: {
      id: 'gen-1700000000-abcdefghijklmnopqrst',
      created: 1700000000,
      model: 'org/m',
      provider: 'P',
    },
    result: {
      upstreamId: null,
      upstreamModel: null,
      systemFingerprint: null,
      usage: null,
      choices: [{ index: 0, finishReason: 'stop', nativeFinishReason: 'stop', ...choice }],
    },
    usage: {
      promptTokens: 100,
      completionTokens: 20,
      totalTokens: 120,
      cachedTokens: 60,
      cacheWriteTokens: 10,
      estimated: false,
    },
    costUsd: 0.001,
  };
}

describe('convertMessagesResponse', () => {
  test('reasoning, text and tool calls become thinking, text and tool_use blocks; usage as Anthropic counts', () => {
    const response = convertMessagesResponse(
      completed({
        finishReason: 'tool_calls',
        nativeFinishReason: 'tool_calls',
        message: {
          role: 'assistant',
          content: 'Let me check.',
          reasoning: 'Need the weather.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
            { id: 'call_2', type: 'function', function: { name: 'time', arguments: '{"zone":' } },
          ],
        },
      }),
      [],
    );
    assert.deepEqual(response, {
      id: 'msg_1700000000-abcdefghijklmnopqrst',
      type: 'message',
      role: 'assistant',
      model: 'org/m',
      content: [
        { type: 'thinking', thinking: 'Need the weather.', signature: '' },
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Oslo' } },
        { type: 'tool_use', id: 'call_2', name: 'time', input: {} },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {
        input_tokens: 30,
        output_tokens: 20,
        cache_creation_input_tokens: 10,
        cache_read_input_tokens: 60,
      },
    });
  });

  test('stop reasons from the finish reason, the native one, and tool calls', () => {
    const stopOf = (choice: Partial<ChatChoice>, sequences: string[] = []) => {
      const response = convertMessagesResponse(
        completed({ message: { role: 'assistant', content: 'x' }, ...choice }),
        sequences,
      );
      return [response.stop_reason, response.stop_sequence];
    };
    assert.deepEqual(stopOf({}), ['end_turn', null]);
    assert.deepEqual(stopOf({ finishReason: 'length', nativeFinishReason: 'length' }), ['max_tokens', null]);
    assert.deepEqual(stopOf({ finishReason: 'length', nativeFinishReason: 'model_length' }), [
      'model_context_window_exceeded',
      null,
    ]);
    assert.deepEqual(stopOf({ finishReason: 'content_filter', nativeFinishReason: 'content_filter' }), [
      'refusal',
      null,
    ]);
    assert.deepEqual(stopOf({ nativeFinishReason: 'stop_sequence' }, ['###']), ['stop_sequence', '###']);
    assert.deepEqual(stopOf({ nativeFinishReason: 'stop_sequence' }, ['a', 'b']), ['stop_sequence', null]);
    assert.deepEqual(stopOf({ nativeFinishReason: 'pause_turn' }), ['pause_turn', null]);
    assert.deepEqual(
      stopOf({
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
      }),
      ['tool_use', null],
      'a server that says stop with tool calls still stopped for them',
    );
  });

  test('a refusal without content becomes the text; an empty answer has no blocks', () => {
    const refused = convertMessagesResponse(
      completed({ message: { role: 'assistant', content: null, refusal: 'I cannot help with that.' } }),
      [],
    );
    assert.deepEqual(refused.content, [{ type: 'text', text: 'I cannot help with that.' }]);
    const empty = convertMessagesResponse(completed({ message: { role: 'assistant', content: '' } }), []);
    assert.deepEqual(empty.content, []);
  });
});

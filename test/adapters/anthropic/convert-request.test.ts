import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { convertRequest } from '../../../src/adapters/anthropic/convert-request.js';
import { GatewayError } from '../../../src/errors/index.js';
import type { ChatRequest } from '../../../src/spec/index.js';
import { createAnthropicRoute } from './anthropic-fixtures.js';

const route = createAnthropicRoute('https://api.anthropic.com/v1');

/** A chat request without its `model`, which the converter replaces anyway. */
type RequestBody = Pick<ChatRequest, 'messages'> & Readonly<Record<string, unknown>>;

function convert(request: RequestBody, options = { stream: false }, target = route) {
  return JSON.parse(
    convertRequest({ model: 'anthropic/claude-sonnet-4.5', ...request }, target, options),
  ) as Record<string, unknown>;
}

describe('anthropic convertRequest', () => {
  test('a plain chat: system apart, provider model id, the route cap as max_tokens, OpenRouter fields gone', () => {
    assert.deepEqual(
      convert({
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'Hi' },
        ],
        provider: { order: ['anthropic'] },
        models: ['other/model'],
        seed: 7,
        frequency_penalty: 0.5,
      }),
      {
        model: 'claude-sonnet-4-5-20250929',
        max_tokens: 4096,
        system: 'You are terse.',
        messages: [{ role: 'user', content: 'Hi' }],
      },
    );
  });

  test('max_completion_tokens wins over max_tokens; stream sets stream: true', () => {
    const body = convert(
      { messages: [{ role: 'user', content: 'Hi' }], max_tokens: 100, max_completion_tokens: 200 },
      { stream: true },
    );
    assert.equal(body.max_tokens, 200);
    assert.equal(body.stream, true);
    assert.equal(convert({ messages: [{ role: 'user', content: 'Hi' }], max_tokens: 100 }).max_tokens, 100);
  });

  test('sampling parameters: stop → stop_sequences, temperature capped at 1, top_p, top_k, user → metadata', () => {
    const body = convert({
      messages: [{ role: 'user', content: 'Hi' }],
      stop: 'END',
      temperature: 1.6,
      top_p: 0.9,
      top_k: 40,
      user: 'user-42',
    });
    assert.deepEqual(body.stop_sequences, ['END']);
    assert.equal(body.temperature, 1);
    assert.equal(body.top_p, 0.9);
    assert.equal(body.top_k, 40);
    assert.deepEqual(body.metadata, { user_id: 'user-42' });
    assert.deepEqual(
      convert({ messages: [{ role: 'user', content: 'Hi' }], stop: ['a', 'b'] }).stop_sequences,
      ['a', 'b'],
    );
  });

  test('parameters the route does not list are dropped', () => {
    const narrow = createAnthropicRoute('https://api.anthropic.com/v1', {
      supportedParameters: new Set(['max_tokens']),
    });
    const body = convert(
      {
        messages: [{ role: 'user', content: 'Hi' }],
        temperature: 0.2,
        top_k: 3,
        stop: ['x'],
        tools: [{ type: 'function', function: { name: 'f' } }],
        reasoning: { effort: 'high' },
      },
      { stream: false },
      narrow,
    );
    assert.deepEqual(body, {
      model: 'claude-sonnet-4-5-20250929',
      max_tokens: 4096,
      messages: [{ role: 'user', content: 'Hi' }],
    });
  });

  test('system and developer messages anywhere become system blocks, cache_control kept', () => {
    const body = convert({
      messages: [
        {
          role: 'system',
          content: [{ type: 'text', text: 'Long rules', cache_control: { type: 'ephemeral' } }],
        },
        { role: 'user', content: 'Hi' },
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: 'Again' },
      ],
    });
    assert.deepEqual(body.system, [
      { type: 'text', text: 'Long rules', cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'Be brief.' },
    ]);
    // The two user turns, no longer separated, are merged into one.
    assert.deepEqual(body.messages, [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Hi' },
          { type: 'text', text: 'Again' },
        ],
      },
    ]);
  });

  test('multi-part user content: text, data-URL image, URL image, PDF, message-level cache_control', () => {
    const body = convert({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these?', cache_control: { type: 'ephemeral', ttl: '1h' } },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
            { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0x' } },
            { type: 'text', text: '' },
          ],
          cache_control: { type: 'ephemeral' },
        },
      ],
    });
    assert.deepEqual(body.messages, [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in these?', cache_control: { type: 'ephemeral', ttl: '1h' } },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
          {
            type: 'document',
            source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0x' },
            cache_control: { type: 'ephemeral' },
          },
        ],
      },
    ]);
  });

  test('a string message with cache_control becomes a text block carrying it', () => {
    const body = convert({
      messages: [{ role: 'user', content: 'Big context', cache_control: { type: 'ephemeral' } }],
    });
    assert.deepEqual(body.messages, [
      {
        role: 'user',
        content: [{ type: 'text', text: 'Big context', cache_control: { type: 'ephemeral' } }],
      },
    ]);
  });

  test('tools → input_schema; tool_choice auto/required/none/named; parallel_tool_calls false', () => {
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'get_weather',
          description: 'Weather for a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
      { type: 'function' as const, function: { name: 'get_time' } },
    ];
    const base = { messages: [{ role: 'user' as const, content: 'Hi' }], tools };
    const body = convert(base);
    assert.deepEqual(body.tools, [
      {
        name: 'get_weather',
        description: 'Weather for a city',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
      { name: 'get_time', input_schema: { type: 'object', properties: {} } },
    ]);
    assert.equal(body.tool_choice, undefined);
    assert.deepEqual(convert({ ...base, tool_choice: 'auto' }).tool_choice, { type: 'auto' });
    assert.deepEqual(convert({ ...base, tool_choice: 'required' }).tool_choice, { type: 'any' });
    assert.deepEqual(convert({ ...base, tool_choice: 'none' }).tool_choice, { type: 'none' });
    assert.deepEqual(
      convert({ ...base, tool_choice: { type: 'function', function: { name: 'get_time' } } }).tool_choice,
      { type: 'tool', name: 'get_time' },
    );
    assert.deepEqual(convert({ ...base, parallel_tool_calls: false }).tool_choice, {
      type: 'auto',
      disable_parallel_tool_use: true,
    });
    assert.deepEqual(convert({ ...base, tool_choice: 'required', parallel_tool_calls: false }).tool_choice, {
      type: 'any',
      disable_parallel_tool_use: true,
    });
    // No tools, no tool_choice: Anthropic rejects a choice without tools.
    assert.equal(convert({ messages: base.messages, tool_choice: 'required' }).tool_choice, undefined);
  });

  test('tool round trip: tool_use blocks with parsed input, consecutive tool results grouped, user text after them', () => {
    const body = convert({
      messages: [
        { role: 'user', content: 'Weather and time in Paris?' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [
            {
              id: 'toolu_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
            { id: 'toolu_2', type: 'function', function: { name: 'get_time', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: '18°C, sunny' },
        {
          role: 'tool',
          tool_call_id: 'toolu_2',
          content: [{ type: 'text', text: '14:05' }],
          cache_control: { type: 'ephemeral' },
        },
        { role: 'user', content: 'Thanks, summarise.' },
      ],
    });
    assert.deepEqual(body.messages, [
      { role: 'user', content: 'Weather and time in Paris?' },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '18°C, sunny' },
          {
            type: 'tool_result',
            tool_use_id: 'toolu_2',
            content: [{ type: 'text', text: '14:05' }],
            cache_control: { type: 'ephemeral' },
          },
          { type: 'text', text: 'Thanks, summarise.' },
        ],
      },
    ]);
  });

  test('tool results stay first when a user message stands before the tool messages', () => {
    const body = convert({
      messages: [
        { role: 'user', content: 'Go' },
        {
          role: 'assistant',
          tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        { role: 'user', content: 'Also this' },
        { role: 'tool', tool_call_id: 't', content: 'done' },
      ],
    });
    assert.deepEqual((body.messages as unknown[])[2], {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 't', content: 'done' },
        { type: 'text', text: 'Also this' },
      ],
    });
  });

  test('reasoning effort → thinking budget; temperature, top_p and top_k are left out with thinking on', () => {
    const body = convert({
      messages: [{ role: 'user', content: 'Think' }],
      max_tokens: 10000,
      temperature: 0.3,
      top_p: 0.5,
      top_k: 5,
      reasoning: { effort: 'high' },
    });
    assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 8000 });
    assert.equal(body.max_tokens, 10000);
    assert.equal(body.temperature, undefined);
    assert.equal(body.top_p, undefined);
    assert.equal(body.top_k, undefined);
  });

  test('thinking budgets: explicit max_tokens, the 1024 floor, a budget above the cap raises max_tokens, none = off', () => {
    const messages = [{ role: 'user' as const, content: 'Think' }];
    assert.deepEqual(convert({ messages, max_tokens: 8000, reasoning: { max_tokens: 3000 } }).thinking, {
      type: 'enabled',
      budget_tokens: 3000,
    });
    const small = convert({ messages, max_tokens: 500, reasoning: { effort: 'low' } });
    assert.deepEqual(small.thinking, { type: 'enabled', budget_tokens: 1024 });
    assert.equal(small.max_tokens, 1524, 'the budget plus the client cap for the visible answer');
    assert.deepEqual(convert({ messages, reasoning: { enabled: true } }).thinking, {
      type: 'enabled',
      budget_tokens: 2048,
    });
    assert.equal(convert({ messages, reasoning: { effort: 'none' } }).thinking, undefined);
    assert.equal(convert({ messages, reasoning: { exclude: true } }).thinking, undefined);
    assert.deepEqual(convert({ messages, reasoning_effort: 'minimal', max_tokens: 20000 }).thinking, {
      type: 'enabled',
      budget_tokens: 2000,
    });
  });

  test('assistant reasoning_details come back as thinking blocks, first, only with thinking on', () => {
    const assistant = {
      role: 'assistant' as const,
      content: null,
      reasoning: 'Need the weather.',
      reasoning_details: [
        {
          type: 'reasoning.text',
          text: 'Need the weather.',
          signature: 'sig-1',
          format: 'anthropic-claude-v1',
          index: 0,
        },
        { type: 'reasoning.encrypted', data: 'opaque', format: 'anthropic-claude-v1', index: 1 },
        {
          type: 'reasoning.text',
          text: 'other vendor',
          signature: 'x',
          format: 'google-gemini-v1',
          index: 2,
        },
      ],
      tool_calls: [{ id: 'toolu_9', type: 'function' as const, function: { name: 'w', arguments: '{}' } }],
    };
    const messages = [
      { role: 'user' as const, content: 'Weather?' },
      assistant,
      { role: 'tool' as const, tool_call_id: 'toolu_9', content: 'rain' },
    ];
    const withThinking = convert({ messages, reasoning: { max_tokens: 2000 } });
    assert.deepEqual((withThinking.messages as unknown[])[1], {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'Need the weather.', signature: 'sig-1' },
        { type: 'redacted_thinking', data: 'opaque' },
        { type: 'tool_use', id: 'toolu_9', name: 'w', input: {} },
      ],
    });
    const withoutThinking = convert({ messages });
    assert.deepEqual((withoutThinking.messages as unknown[])[1], {
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'toolu_9', name: 'w', input: {} }],
    });
  });

  test('a trailing assistant prefill loses its trailing whitespace', () => {
    const body = convert({
      messages: [
        { role: 'user', content: 'Reply in JSON' },
        { role: 'assistant', content: '{ \n' },
      ],
    });
    assert.deepEqual(body.messages, [
      { role: 'user', content: 'Reply in JSON' },
      { role: 'assistant', content: '{' },
    ]);
  });

  test('response_format json_schema → output_config.format; a top-level cache_control is passed on', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } } };
    const body = convert({
      messages: [{ role: 'user', content: 'Hi' }],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema } },
      cache_control: { type: 'ephemeral' },
    });
    assert.deepEqual(body.output_config, { format: { type: 'json_schema', schema } });
    assert.deepEqual(body.cache_control, { type: 'ephemeral' });
  });

  test('what Anthropic cannot take is a final invalid_request naming the field', () => {
    const audio = () =>
      convert({
        messages: [
          {
            role: 'user',
            content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }],
          },
        ],
      });
    assert.throws(audio, (error: unknown) => {
      assert.ok(error instanceof GatewayError);
      assert.equal(error.code, 'invalid_request');
      assert.equal(error.status, 400);
      assert.equal(error.upstreamReason, 'request_rejected');
      assert.equal(error.isRetryable, false);
      assert.equal(error.param, 'messages[0].content[0]');
      return true;
    });
    const badArguments = () =>
      convert({
        messages: [
          { role: 'user', content: 'x' },
          {
            role: 'assistant',
            tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '[1' } }],
          },
        ],
      });
    assert.throws(badArguments, { param: 'messages[1].tool_calls[0].function.arguments' });
    const fileId = () =>
      convert({ messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-1' } }] }] });
    assert.throws(fileId, { code: 'invalid_request' });
  });
});

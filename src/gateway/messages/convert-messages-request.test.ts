import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GatewayError } from '../../errors/index.js';
import { convertMessagesRequest } from './convert-messages-request.js';

const base = { model: 'm', max_tokens: 64 };

function paramOf(body: unknown): string | null {
  try {
    convertMessagesRequest(body);
  } catch (error) {
    assert.ok(error instanceof GatewayError);
    assert.equal(error.code, 'invalid_request');
    return error.param;
  }
  return null;
}

describe('convertMessagesRequest', () => {
  test('system blocks become one leading system message; sampling fields carry over', () => {
    const parsed = convertMessagesRequest({
      ...base,
      system: [
        { type: 'text', text: 'Rule one.', cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 'Rule two.' },
      ],
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.5,
      top_p: 0.9,
      top_k: 40,
      stream: true,
      metadata: { user_id: 'u1' },
      service_tier: 'auto',
    });
    assert.deepEqual(parsed.request.messages, [
      { role: 'system', content: 'Rule one.\nRule two.' },
      { role: 'user', content: 'hi' },
    ]);
    assert.equal(parsed.stream, true);
    assert.equal(parsed.requestedModel, 'm');
    const { request } = parsed;
    assert.deepEqual(
      [request.max_tokens, request.temperature, request.top_p, request.top_k],
      [64, 0.5, 0.9, 40],
    );
    assert.equal(request.user, 'u1');
    assert.equal(request.service_tier, undefined, 'Anthropic-only fields are not forwarded');
    assert.deepEqual([...parsed.requestedParameters].sort(), ['max_tokens', 'temperature', 'top_k', 'top_p']);
  });

  test('images (base64 and url) and documents become OpenAI content parts', () => {
    const parsed = convertMessagesRequest({
      ...base,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.jpg' } },
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'notes' } },
            {
              type: 'document',
              title: 'paper.pdf',
              source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' },
            },
          ],
        },
      ],
    });
    assert.deepEqual(parsed.request.messages[0], {
      role: 'user',
      content: [
        { type: 'text', text: 'What is this?' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
        { type: 'image_url', image_url: { url: 'https://example.com/a.jpg' } },
        { type: 'text', text: 'notes' },
        { type: 'file', file: { filename: 'paper.pdf', file_data: 'data:application/pdf;base64,JVBE' } },
      ],
    });
  });

  test('tool_use → tool_calls, tool_result → tool messages first, then the rest of the user turn', () => {
    const parsed = convertMessagesRequest({
      ...base,
      messages: [
        { role: 'user', content: 'weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Two calls.', signature: 'sig' },
            { type: 'redacted_thinking', data: 'opaque' },
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_2', name: 'weather', input: { city: 'Rome' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'sunny' }] },
            {
              type: 'tool_result',
              tool_use_id: 'toolu_2',
              is_error: true,
              content: [
                { type: 'text', text: 'no data' },
                { type: 'image', source: { type: 'url', url: 'https://example.com/map.png' } },
              ],
            },
            { type: 'text', text: 'Compare them.' },
          ],
        },
      ],
    });
    assert.deepEqual(parsed.request.messages.slice(1), [
      {
        role: 'assistant',
        content: 'Checking.',
        reasoning: 'Two calls.',
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
      { role: 'tool', tool_call_id: 'toolu_2', content: 'Error: no data' },
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: 'https://example.com/map.png' } },
          { type: 'text', text: 'Compare them.' },
        ],
      },
    ]);
  });

  test('tools and tool_choice map to function tools and OpenAI choices', () => {
    const tools = [{ name: 'f', description: 'does f', input_schema: { type: 'object' } }];
    const cases: [unknown, unknown, boolean | undefined][] = [
      [{ type: 'auto' }, 'auto', undefined],
      [{ type: 'any' }, 'required', undefined],
      [{ type: 'none' }, 'none', undefined],
      [{ type: 'tool', name: 'f' }, { type: 'function', function: { name: 'f' } }, undefined],
      [{ type: 'auto', disable_parallel_tool_use: true }, 'auto', false],
    ];
    for (const [choice, expected, parallel] of cases) {
      const { request } = convertMessagesRequest({
        ...base,
        messages: [{ role: 'user', content: 'x' }],
        tools,
        tool_choice: choice,
      });
      assert.deepEqual(request.tool_choice, expected);
      assert.equal(request.parallel_tool_calls, parallel);
      assert.deepEqual(request.tools, [
        { type: 'function', function: { name: 'f', description: 'does f', parameters: { type: 'object' } } },
      ]);
    }
    const withoutTools = convertMessagesRequest({
      ...base,
      messages: [{ role: 'user', content: 'x' }],
      tool_choice: { type: 'any' },
    });
    assert.equal(withoutTools.request.tool_choice, undefined, 'a choice without tools is dropped');
  });

  test('thinking → reasoning, stop_sequences → stop (any number), output_format → json_schema', () => {
    const messages = [{ role: 'user', content: 'x' }];
    const thinking = (value: unknown) =>
      convertMessagesRequest({ ...base, messages, thinking: value }).request;
    assert.deepEqual(thinking({ type: 'enabled', budget_tokens: 2048 }).reasoning, { max_tokens: 2048 });
    assert.deepEqual(thinking({ type: 'disabled' }).reasoning, { enabled: false });
    assert.deepEqual(thinking({ type: 'adaptive' }).reasoning, { enabled: true });
    const stops = ['a', 'b', 'c', 'd', 'e'];
    const stopped = convertMessagesRequest({ ...base, messages, stop_sequences: stops });
    assert.deepEqual(stopped.request.stop, stops);
    assert.ok(stopped.requestedParameters.has('stop'));
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    const structured = convertMessagesRequest({
      ...base,
      messages,
      output_format: { type: 'json_schema', schema },
    });
    assert.deepEqual(structured.request.response_format, {
      type: 'json_schema',
      json_schema: { name: 'output', schema, strict: true },
    });
  });

  test('count_tokens bodies need no max_tokens', () => {
    const parsed = convertMessagesRequest(
      { model: 'm', messages: [{ role: 'user', content: 'x' }] },
      { requireMaxTokens: false },
    );
    assert.equal(parsed.request.max_tokens, undefined);
  });

  test('every invalid field is a 400 naming it', () => {
    const messages = [{ role: 'user', content: 'x' }];
    const cases: [unknown, string][] = [
      [[], 'body'],
      [{ max_tokens: 5, messages }, 'model'],
      [{ model: 'm', messages }, 'max_tokens'],
      [{ model: 'm', max_tokens: 1.5, messages }, 'max_tokens'],
      [{ ...base }, 'messages'],
      [{ ...base, messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].role'],
      [{ ...base, messages: [{ role: 'user', content: 3 }] }, 'messages[0].content'],
      [
        { ...base, messages: [{ role: 'user', content: [{ type: 'tool_use' }] }] },
        'messages[0].content[0].type',
      ],
      [
        { ...base, messages: [{ role: 'assistant', content: [{ type: 'image' }] }] },
        'messages[0].content[0].type',
      ],
      [
        {
          ...base,
          messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'f', input: 1 }] }],
        },
        'messages[0].content[0].input',
      ],
      [
        { ...base, messages: [{ role: 'user', content: [{ type: 'tool_result', content: 'x' }] }] },
        'messages[0].content[0].tool_use_id',
      ],
      [{ ...base, messages, system: [{ type: 'image' }] }, 'system[0].type'],
      [{ ...base, messages, tools: {} }, 'tools'],
      [{ ...base, messages, tools: [{ input_schema: {} }] }, 'tools[0].name'],
      [{ ...base, messages, tool_choice: 'auto' }, 'tool_choice'],
      [{ ...base, messages, tool_choice: { type: 'maybe' } }, 'tool_choice.type'],
      [{ ...base, messages, stop_sequences: [1] }, 'stop_sequences'],
      [{ ...base, messages, thinking: { type: 'sometimes' } }, 'thinking.type'],
      [{ ...base, messages, metadata: { user_id: 5 } }, 'metadata.user_id'],
      [{ ...base, messages, top_p: 2 }, 'top_p'],
      [{ ...base, messages, output_format: { type: 'json_schema' } }, 'output_format'],
    ];
    for (const [body, param] of cases) assert.equal(paramOf(body), param, JSON.stringify(body));
  });
});

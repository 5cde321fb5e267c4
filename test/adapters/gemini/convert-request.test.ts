import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { convertRequest } from '../../../src/adapters/gemini/convert-request.js';
import { GatewayError } from '../../../src/errors/index.js';
import type { ThoughtSignatureCarrier } from '../../../src/adapters/gemini/thought-signature.js';
import type { ChatRequest, ToolCall } from '../../../src/spec/index.js';
import { createGeminiRoute } from './fake-gemini.js';

const route = createGeminiRoute('http://127.0.0.1:1/v1');

/** The request body the adapter would send, parsed back. */
function convert(
  request: Pick<ChatRequest, 'messages'> & Readonly<Record<string, unknown>>,
  routeOverride = route,
): Record<string, unknown> {
  const full: ChatRequest = { ...request, model: 'google/gemini-2.5-flash' };
  return JSON.parse(convertRequest(full, routeOverride)) as Record<string, unknown>;
}

describe('messages', () => {
  test('system and developer messages become systemInstruction; user/assistant become user/model turns', () => {
    const body = convert({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in English.' }] },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: 'Capital of France?' },
      ],
    });
    assert.deepEqual(body, {
      systemInstruction: { parts: [{ text: 'Be brief.' }, { text: 'Answer in English.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Hi' }] },
        { role: 'model', parts: [{ text: 'Hello!' }] },
        { role: 'user', parts: [{ text: 'Capital of France?' }] },
      ],
    });
  });

  test('multi-part content: text, data: URL images as inlineData, http(s) URLs as fileData, audio', () => {
    const body = convert({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            {
              type: 'image_url',
              image_url: { url: 'https://example.com/cat.JPG?size=large', detail: 'high' },
            },
            { type: 'image_url', image_url: { url: 'https://example.com/image' } },
            { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
            { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } },
          ],
        },
      ],
    });
    assert.deepEqual(body.contents, [
      {
        role: 'user',
        parts: [
          { text: 'Compare these.' },
          { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
          { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/cat.JPG?size=large' } },
          { fileData: { fileUri: 'https://example.com/image' } },
          { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } },
          { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
        ],
      },
    ]);
  });

  test('a content part Gemini cannot take is a 400 naming the part', () => {
    assert.throws(
      () => convert({ messages: [{ role: 'user', content: [{ type: 'video_url', video_url: 'x' }] }] }),
      (error: unknown) =>
        error instanceof GatewayError &&
        error.status === 400 &&
        error.param === 'messages[0].content[0]' &&
        error.upstreamReason === null,
    );
  });

  test('tool round trip: functionCall parts with signatures, tool results grouped into one user turn by name', () => {
    // As a client sends back the assistant message it received: the signature rides on the tool call.
    const signedCall: ToolCall & ThoughtSignatureCarrier = {
      id: 'call_a',
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
      extra_content: { google: { thought_signature: 'SIG-1' } },
    };
    const body = convert({
      messages: [
        { role: 'user', content: 'Weather in Paris and London?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            signedCall,
            {
              id: 'call_b',
              type: 'function',
              function: { name: 'get_time', arguments: '{"city":"London"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_b', content: '{"time":"10:00"}' },
        { role: 'tool', tool_call_id: 'call_a', content: 'sunny, 18 °C' },
        { role: 'user', content: 'Thanks' },
      ],
    });
    assert.deepEqual(body.contents, [
      { role: 'user', parts: [{ text: 'Weather in Paris and London?' }] },
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'SIG-1' },
          { functionCall: { name: 'get_time', args: { city: 'London' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_time', response: { time: '10:00' } } },
          { functionResponse: { name: 'get_weather', response: { output: 'sunny, 18 °C' } } },
        ],
      },
      { role: 'user', parts: [{ text: 'Thanks' }] },
    ]);
  });

  test('a tool call without its thought signature gets the documented skip value (first call only)', () => {
    const body = convert({
      messages: [
        { role: 'user', content: 'Go' },
        {
          role: 'assistant',
          content: 'Calling two tools.',
          tool_calls: [
            { id: '1', type: 'function', function: { name: 'a', arguments: '' } },
            { id: '2', type: 'function', function: { name: 'b', arguments: '{}' } },
          ],
        },
      ],
    });
    assert.deepEqual(body.contents, [
      { role: 'user', parts: [{ text: 'Go' }] },
      {
        role: 'model',
        parts: [
          { text: 'Calling two tools.' },
          { functionCall: { name: 'a', args: {} }, thoughtSignature: 'skip_thought_signature_validator' },
          { functionCall: { name: 'b', args: {} } },
        ],
      },
    ]);
  });

  test('a tool result whose call is unknown falls back to its name, else is a 400', () => {
    const named = convert({
      messages: [
        { role: 'user', content: 'Go' },
        { role: 'tool', tool_call_id: 'nowhere', name: 'lookup', content: '[1,2]' },
      ],
    });
    assert.deepEqual((named.contents as unknown[])[1], {
      role: 'user',
      parts: [{ functionResponse: { name: 'lookup', response: { output: '[1,2]' } } }],
    });
    assert.throws(
      () =>
        convert({
          messages: [
            { role: 'user', content: 'Go' },
            { role: 'tool', tool_call_id: 'nowhere', content: 'x' },
          ],
        }),
      (error: unknown) =>
        error instanceof GatewayError && error.status === 400 && error.param === 'messages[1].tool_call_id',
    );
  });

  test('tool call arguments that are not a JSON object are a 400', () => {
    assert.throws(
      () =>
        convert({
          messages: [
            { role: 'user', content: 'Go' },
            {
              role: 'assistant',
              tool_calls: [{ id: '1', type: 'function', function: { name: 'a', arguments: '[1]' } }],
            },
          ],
        }),
      (error: unknown) =>
        error instanceof GatewayError && error.param === 'messages[1].tool_calls[0].function.arguments',
    );
  });
});

describe('tools and generation config', () => {
  test('tools keep the full (cleaned) schema; tool_choice maps to functionCallingConfig', () => {
    const body = convert({
      messages: [{ role: 'user', content: 'Go' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'search',
            description: 'Search the catalogue',
            parameters: {
              $schema: 'http://json-schema.org/draft-07/schema#',
              type: 'object',
              additionalProperties: false,
              properties: {
                query: { type: 'string', description: 'Words', default: '', examples: ['cats'] },
                filters: {
                  type: 'object',
                  additionalProperties: false,
                  properties: { tags: { type: 'array', items: { type: 'string' } } },
                },
              },
              required: ['query'],
            },
          },
        },
        { type: 'function', function: { name: 'now', parameters: { type: 'object', properties: {} } } },
      ],
      tool_choice: { type: 'function', function: { name: 'search' } },
    });
    assert.deepEqual(body.tools, [
      {
        functionDeclarations: [
          {
            name: 'search',
            description: 'Search the catalogue',
            parameters: {
              type: 'object',
              properties: {
                query: { type: 'string', description: 'Words' },
                filters: {
                  type: 'object',
                  properties: { tags: { type: 'array', items: { type: 'string' } } },
                },
              },
              required: ['query'],
            },
          },
          { name: 'now' },
        ],
      },
    ]);
    assert.deepEqual(body.toolConfig, {
      functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['search'] },
    });
  });

  for (const [choice, mode] of [
    ['auto', 'AUTO'],
    ['none', 'NONE'],
    ['required', 'ANY'],
  ] as const) {
    test(`tool_choice ${choice} → mode ${mode}`, () => {
      const body = convert({
        messages: [{ role: 'user', content: 'Go' }],
        tools: [{ type: 'function', function: { name: 'f' } }],
        tool_choice: choice,
      });
      assert.deepEqual(body.toolConfig, { functionCallingConfig: { mode } });
    });
  }

  test('sampling parameters, stop, seed, penalties and max tokens go to generationConfig', () => {
    const body = convert({
      messages: [{ role: 'user', content: 'Go' }],
      max_tokens: 100,
      max_completion_tokens: 200,
      temperature: 0.3,
      top_p: 0.9,
      top_k: 40,
      stop: 'END',
      seed: 7,
      presence_penalty: 0.5,
      frequency_penalty: 0.25,
      logit_bias: { 1: 2 },
      provider: { order: ['x'] },
      user: 'someone',
    });
    assert.deepEqual(body.generationConfig, {
      maxOutputTokens: 200,
      temperature: 0.3,
      topP: 0.9,
      topK: 40,
      stopSequences: ['END'],
      seed: 7,
      presencePenalty: 0.5,
      frequencyPenalty: 0.25,
    });
    assert.deepEqual(Object.keys(body), ['contents', 'generationConfig']);
  });

  test('parameters the route does not support are dropped', () => {
    const narrow = createGeminiRoute('http://127.0.0.1:1/v1', {
      supportedParameters: new Set(['max_tokens']),
    });
    const body = convert(
      {
        messages: [{ role: 'user', content: 'Go' }],
        max_completion_tokens: 50,
        temperature: 0.3,
        tools: [{ type: 'function', function: { name: 'f' } }],
      },
      narrow,
    );
    assert.deepEqual(body, {
      contents: [{ role: 'user', parts: [{ text: 'Go' }] }],
      generationConfig: { maxOutputTokens: 50 },
    });
  });

  test('response_format json_schema → responseMimeType + responseSchema; json_object → responseMimeType', () => {
    const schema = convert({
      messages: [{ role: 'user', content: 'Go' }],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'city',
          strict: true,
          schema: {
            type: 'object',
            properties: { name: { type: 'string' }, population: { type: ['integer', 'null'] } },
            required: ['name', 'population'],
            additionalProperties: false,
          },
        },
      },
    });
    assert.deepEqual(schema.generationConfig, {
      responseMimeType: 'application/json',
      responseSchema: {
        type: 'object',
        properties: { name: { type: 'string' }, population: { type: 'integer', nullable: true } },
        required: ['name', 'population'],
      },
    });
    const object = convert({
      messages: [{ role: 'user', content: 'Go' }],
      response_format: { type: 'json_object' },
    });
    assert.deepEqual(object.generationConfig, { responseMimeType: 'application/json' });
  });

  test('reasoning effort / max_tokens / exclude → thinkingConfig', () => {
    const cases: [Record<string, unknown>, unknown][] = [
      [{ reasoning: { effort: 'low' } }, { thinkingBudget: 1024, includeThoughts: true }],
      [{ reasoning: { effort: 'high' } }, { thinkingBudget: 24576, includeThoughts: true }],
      [{ reasoning: { max_tokens: 2000 } }, { thinkingBudget: 2000, includeThoughts: true }],
      [{ reasoning: { effort: 'medium', exclude: true } }, { thinkingBudget: 8192 }],
      [{ reasoning: { enabled: false } }, { thinkingBudget: 0 }],
      [{ reasoning: { enabled: true } }, { includeThoughts: true }],
      [{ reasoning_effort: 'minimal' }, { thinkingBudget: 512, includeThoughts: true }],
      [{ reasoning_effort: 'none' }, { thinkingBudget: 0 }],
    ];
    for (const [parameters, expected] of cases) {
      const body = convert({ messages: [{ role: 'user', content: 'Go' }], ...parameters });
      assert.deepEqual(body.generationConfig, { thinkingConfig: expected }, JSON.stringify(parameters));
    }
  });

  test('Gemini-native safetySettings pass through', () => {
    const safetySettings = [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }];
    const body = convert({ messages: [{ role: 'user', content: 'Go' }], safetySettings });
    assert.deepEqual(body.safetySettings, safetySettings);
  });
});

import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startGateway, type GatewayUnderTest } from '../../helpers/start-gateway.js';
import {
  sendJson,
  sendSse,
  startFakeUpstream,
  type CapturedRequest,
  type FakeUpstream,
} from '../openai-compatible/fake-upstream.js';
import { readAnthropicFixture } from './anthropic-fixtures.js';

/** What the Anthropic stand-in received, parsed. */
interface Received {
  readonly url: string;
  readonly headers: CapturedRequest['headers'];
  readonly body: Record<string, unknown>;
}

const FINAL_ANSWER = JSON.stringify({
  id: 'msg_01FinalAnswer',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content: [{ type: 'text', text: 'It is 18°C and sunny in Paris.' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: {
    input_tokens: 530,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 1536,
    output_tokens: 14,
  },
});

let upstream: FakeUpstream;
let gateway: GatewayUnderTest;
let client: OpenAI;
const received: Received[] = [];
let hasOverloadedOnce = false;

/**
 * A stand-in for api.anthropic.com speaking the Messages wire format from the fixtures: `claude-overloaded`
 * always answers 529, `claude-once-overloaded` the first time only; a conversation ending in tool results gets
 * the final answer; a request with tools gets the tool_use message; anything else the text message.
 */
function answer(request: CapturedRequest, response: ServerResponse): void {
  const body = JSON.parse(request.body) as Record<string, unknown>;
  received.push({ url: request.url, headers: request.headers, body });
  if (request.url !== '/v1/messages') {
    sendJson(response, 404, readAnthropicFixture('error-404-not-found.json'));
    return;
  }
  if (body.model === 'claude-overloaded' || (body.model === 'claude-once-overloaded' && !hasOverloadedOnce)) {
    hasOverloadedOnce = true;
    sendJson(response, 529, readAnthropicFixture('error-529-overloaded.json'));
    return;
  }
  const messages = body.messages as { content: unknown }[];
  const lastContent = messages.at(-1)?.content;
  const endsWithToolResult =
    Array.isArray(lastContent) &&
    lastContent.some((block: { type?: string }) => block.type === 'tool_result');
  const isStream = body.stream === true;
  if (endsWithToolResult) sendJson(response, 200, FINAL_ANSWER);
  else if (body.thinking !== undefined) sendSse(response, readAnthropicFixture('stream-thinking.sse'));
  else if (body.tools !== undefined) {
    if (isStream) sendSse(response, readAnthropicFixture('stream-tool-use.sse'));
    else sendJson(response, 200, readAnthropicFixture('message-tool-use.json'));
  } else if (isStream) sendSse(response, readAnthropicFixture('stream-text.sse'));
  else sendJson(response, 200, readAnthropicFixture('message-text.json'));
}

before(async () => {
  upstream = await startFakeUpstream(answer);
  const anthropicRoute = (providerModelId: string, rank = 1) => `      - kind: anthropic
        base_url: ${upstream.baseUrl}
        api_key: test-key
        provider_model_id: ${providerModelId}
        rank: ${rank}
`;
  gateway = await startGateway({
    modelsYaml: `models:
  - id: anthropic/claude-sonnet-4.5
    name: Claude Sonnet 4.5
    aliases: [claude-sonnet]
    supports_tools: true
    supports_reasoning: true
    max_output_length: 8192
    pricing: { prompt: "0.000003", completion: "0.000015", input_cache_read: "0.0000003" }
    route:
${anthropicRoute('claude-sonnet-4-5-20250929')}
  - id: anthropic/claude-retry
    route:
${anthropicRoute('claude-once-overloaded')}
  - id: anthropic/claude-fallback
    route:
      - kind: claude
        base_url: ${upstream.baseUrl}
        api_key: test-key
        provider_model_id: claude-overloaded
        rank: 1
${anthropicRoute('claude-sonnet-4-5-20250929', 2)}
`,
    routingYaml: 'routing_strategy: ranked\nretry: { attempts: 1, backoff_ms: 0, max_backoff_ms: 0 }\n',
  });
  client = new OpenAI({ baseURL: `${gateway.origin}/v1`, apiKey: 'not-needed', maxRetries: 0 });
});

after(async () => {
  await gateway.close();
  await upstream.close();
});

const TOOLS: OpenAI.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather for a location',
      parameters: {
        type: 'object',
        properties: {
          location: { type: 'string' },
          unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        },
        required: ['location'],
      },
    },
  },
];

describe('official openai client → gateway → Anthropic Messages upstream', () => {
  test('non-stream text: Anthropic request on the wire, OpenAI completion back', async () => {
    const { data: completion, response } = await client.chat.completions
      .create({
        model: 'claude-sonnet',
        messages: [
          { role: 'system', content: 'Answer in one sentence.' },
          { role: 'user', content: 'What is the capital of France?' },
        ],
        max_tokens: 100,
        temperature: 0.5,
      })
      .withResponse();

    const sent = received.at(-1)!;
    assert.equal(sent.url, '/v1/messages');
    assert.equal(sent.headers['x-api-key'], 'test-key');
    assert.equal(sent.headers['anthropic-version'], '2023-06-01');
    assert.equal(sent.headers.authorization, undefined);
    assert.deepEqual(sent.body, {
      model: 'claude-sonnet-4-5-20250929',
      max_tokens: 100,
      system: 'Answer in one sentence.',
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
      temperature: 0.5,
    });

    assert.equal(completion.model, 'anthropic/claude-sonnet-4.5');
    assert.equal(completion.choices[0]!.message.content, 'Paris is the capital of France.');
    assert.equal(completion.choices[0]!.finish_reason, 'stop');
    assert.equal(
      (completion.choices[0] as unknown as { native_finish_reason: string }).native_finish_reason,
      'end_turn',
    );
    assert.equal(completion.usage!.prompt_tokens, 14);
    assert.equal(completion.usage!.completion_tokens, 10);
    assert.equal(completion.usage!.total_tokens, 24);
    assert.equal(response.headers.get('x-gateway-route'), 'anthropic/anthropic/claude-sonnet-4.5');
    assert.equal(response.headers.get('x-gateway-attempts'), '1');
  });

  test('stream: text chunks, finish_reason stop, one usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'anthropic/claude-sonnet-4.5',
      messages: [{ role: 'user', content: 'Hello' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    const usages: OpenAI.CompletionUsage[] = [];
    for await (const chunk of stream) {
      if (chunk.usage) usages.push(chunk.usage);
      const choice = chunk.choices[0];
      if (choice === undefined) continue;
      text += choice.delta.content ?? '';
      finish = choice.finish_reason ?? finish;
    }
    assert.equal(received.at(-1)!.body.stream, true);
    assert.equal(
      received.at(-1)!.body.max_tokens,
      8192,
      "the model's max_output_length when the client sets none",
    );
    assert.equal(text, 'Hello! How can I help you today?');
    assert.equal(finish, 'stop');
    assert.equal(usages.length, 1);
    assert.equal(usages[0]!.prompt_tokens, 25);
    assert.equal(usages[0]!.completion_tokens, 12);
  });

  test('tool round trip: tool_use → tool_calls, cached tokens in usage, tool result → tool_result, final answer', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'What is the weather in Paris?' },
    ];
    const first = await client.chat.completions.create({
      model: 'claude-sonnet',
      messages,
      tools: TOOLS,
      tool_choice: 'required',
    });
    assert.deepEqual(received.at(-1)!.body.tools, [
      {
        name: 'get_weather',
        description: 'Current weather for a location',
        input_schema: TOOLS[0]!.type === 'function' ? TOOLS[0]!.function.parameters : undefined,
      },
    ]);
    assert.deepEqual(received.at(-1)!.body.tool_choice, { type: 'any' });

    const choice = first.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, "I'll check the current weather in Paris for you.");
    const call = choice.message.tool_calls![0]!;
    assert.equal(call.id, 'toolu_01A09q90qw90lq917835lq9');
    assert.equal(call.type, 'function');
    assert.equal(call.type === 'function' && call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.type === 'function' ? call.function.arguments : ''), {
      location: 'Paris, France',
      unit: 'celsius',
    });
    assert.equal(first.usage!.prompt_tokens, 412 + 1536);
    assert.equal(first.usage!.prompt_tokens_details?.cached_tokens, 1536);
    assert.equal(first.usage!.completion_tokens, 71);

    messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: '18°C, sunny' });
    const second = await client.chat.completions.create({ model: 'claude-sonnet', messages, tools: TOOLS });
    assert.deepEqual(received.at(-1)!.body.messages, [
      { role: 'user', content: 'What is the weather in Paris?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: "I'll check the current weather in Paris for you." },
          {
            type: 'tool_use',
            id: 'toolu_01A09q90qw90lq917835lq9',
            name: 'get_weather',
            input: { location: 'Paris, France', unit: 'celsius' },
          },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: '18°C, sunny' },
        ],
      },
    ]);
    assert.equal(second.choices[0]!.message.content, 'It is 18°C and sunny in Paris.');
    assert.equal(second.choices[0]!.finish_reason, 'stop');
    assert.equal(second.usage!.prompt_tokens_details?.cached_tokens, 1536);
  });

  test('streamed tool calls: two calls with ids, names and whole arguments; finish tool_calls; cached usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'claude-sonnet',
      messages: [{ role: 'user', content: 'Weather and time in San Francisco?' }],
      tools: TOOLS,
      stream: true,
      stream_options: { include_usage: true },
    });
    const calls: { id?: string; name?: string; arguments: string }[] = [];
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      usage = chunk.usage ?? usage;
      const choice = chunk.choices[0];
      if (choice === undefined) continue;
      finish = choice.finish_reason ?? finish;
      for (const fragment of choice.delta.tool_calls ?? []) {
        const call = (calls[fragment.index] ??= { arguments: '' });
        if (fragment.id !== undefined) call.id = fragment.id;
        if (fragment.function?.name !== undefined) call.name = fragment.function.name;
        call.arguments += fragment.function?.arguments ?? '';
      }
    }
    assert.deepEqual(calls, [
      {
        id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
        name: 'get_weather',
        arguments: '{"location": "San Francisco, CA", "unit": "fahrenheit"}',
      },
      { id: 'toolu_01VjMNDcTFSz3Z4nPZLHYkXq', name: 'get_time', arguments: '{}' },
    ]);
    assert.equal(finish, 'tool_calls');
    assert.equal(usage?.prompt_tokens, 472 + 2048);
    assert.equal(usage?.prompt_tokens_details?.cached_tokens, 2048);
  });

  test('reasoning: thinking budget on the wire, reasoning deltas and their signature back', async () => {
    const stream = await client.chat.completions.create({
      model: 'claude-sonnet',
      messages: [{ role: 'user', content: 'GCD of 1071 and 462?' }],
      max_tokens: 4000,
      stream: true,
      // OpenRouter's reasoning parameter, which the openai client passes through.
      ...({ reasoning: { effort: 'medium' } } as object),
    });
    let reasoning = '';
    let signature: unknown;
    let text = '';
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as
        { content?: string; reasoning?: string; reasoning_details?: { signature?: string }[] } | undefined;
      reasoning += delta?.reasoning ?? '';
      signature = delta?.reasoning_details?.[0]?.signature ?? signature;
      text += delta?.content ?? '';
    }
    assert.deepEqual(received.at(-1)!.body.thinking, { type: 'enabled', budget_tokens: 2000 });
    assert.match(reasoning, /So the GCD is 21\.$/);
    assert.equal(signature, 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds0UpVKDNo6Bw6qjJ2bUv5Ghc=');
    assert.equal(text, 'The greatest common divisor of 1071 and 462 is **21**.');
  });

  test('a 529 overloaded answer is retried on the same route', async () => {
    const before = received.length;
    const { data: completion, response } = await client.chat.completions
      .create({ model: 'anthropic/claude-retry', messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse();
    assert.equal(completion.choices[0]!.message.content, 'Paris is the capital of France.');
    assert.equal(response.headers.get('x-gateway-attempts'), '2');
    assert.deepEqual(
      received.slice(before).map((request) => request.body.model),
      ['claude-once-overloaded', 'claude-once-overloaded'],
    );
  });

  test('a route that stays overloaded falls back to the next route', async () => {
    const before = received.length;
    const { data: completion, response } = await client.chat.completions
      .create({ model: 'anthropic/claude-fallback', messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse();
    assert.equal(completion.choices[0]!.message.content, 'Paris is the capital of France.');
    assert.equal(response.headers.get('x-gateway-route'), 'anthropic/anthropic/claude-fallback');
    const models = received.slice(before).map((request) => request.body.model);
    assert.equal(models.at(-1), 'claude-sonnet-4-5-20250929');
    assert.ok(models.slice(0, -1).every((model) => model === 'claude-overloaded'));
    assert.ok(models.length >= 2);
  });
});

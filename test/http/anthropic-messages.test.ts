import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { eventually, startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';
import { post, readAnthropicStream } from './anthropic-messages-helpers.js';

let simulator: Simulator;
let gateway: GatewayUnderTest;
let client: Anthropic;

before(async () => {
  simulator = await startSimulator({ models: ['org/Sim-8B'], responseTokens: 12, seed: 3 });
  gateway = await startGateway({
    modelsYaml: `models:
  - id: sim/sim-8b
    name: Sim 8B
    aliases: [sim-8b]
    supports_tools: true
    pricing: { prompt: "0.000001", completion: "0.000002" }
    route:
      - kind: vllm
        base_url: ${simulator.url}
        provider_model_id: org/Sim-8B
`,
  });
  client = new Anthropic({ apiKey: 'test-key', baseURL: gateway.origin, maxRetries: 0 });
});

after(async () => {
  await gateway.close();
  await simulator.close();
});

interface UpstreamBody {
  model: string;
  max_tokens?: number;
  messages: { role: string; content: unknown; tool_calls?: unknown[]; tool_call_id?: string }[];
  tools?: unknown[];
  tool_choice?: unknown;
  stop?: unknown;
  user?: unknown;
}

function upstreamBody(): UpstreamBody {
  return simulator.stats().lastRequestBody as UpstreamBody;
}

const lookupTool = {
  name: 'lookup',
  description: 'Looks a word up',
  input_schema: {
    type: 'object' as const,
    properties: { query: { type: 'string' } },
    required: ['query'],
  },
};

describe('Messages API with the official anthropic client', () => {
  test('text: a Messages-shaped answer with the msg_ id, gateway headers and Anthropic usage', async () => {
    const { data: message, response } = await client.messages
      .create({
        model: 'sim-8b',
        max_tokens: 100,
        system: [{ type: 'text', text: 'You are terse.' }],
        messages: [{ role: 'user', content: 'Tell me a story' }],
        metadata: { user_id: 'user-7' },
      })
      .withResponse();
    const generationId = response.headers.get('x-generation-id') ?? '';
    assert.match(generationId, /^gen-\d+-[A-Za-z0-9]{20}$/);
    assert.equal(message.id, `msg_${generationId.slice(4)}`);
    assert.equal(message.type, 'message');
    assert.equal(message.role, 'assistant');
    assert.equal(message.model, 'sim/sim-8b', 'the public id, not the alias');
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.stop_sequence, null);
    assert.equal(message.content.length, 1);
    const [block] = message.content;
    assert.equal(block?.type, 'text');
    assert.equal(block.type === 'text' ? block.text.split(' ').length : 0, 12);
    assert.equal(message.usage.output_tokens, 12);
    assert.ok(message.usage.input_tokens > 0);
    assert.equal(message.usage.cache_read_input_tokens, 0);
    assert.equal(message.usage.cache_creation_input_tokens, 0);
    assert.equal(response.headers.get('x-gateway-route'), 'vllm/sim/sim-8b');

    const upstream = upstreamBody();
    assert.equal(upstream.model, 'org/Sim-8B');
    assert.equal(upstream.max_tokens, 100);
    assert.deepEqual(upstream.messages[0], { role: 'system', content: 'You are terse.' });
    assert.deepEqual(upstream.messages[1], { role: 'user', content: 'Tell me a story' });
    assert.equal(upstream.user, 'user-7');
  });

  test('stop reasons: max_tokens when cut off; stop_sequences reach the upstream as stop', async () => {
    const cut = await client.messages.create({
      model: 'sim-8b',
      max_tokens: 1,
      messages: [{ role: 'user', content: 'Go on' }],
    });
    assert.equal(cut.stop_reason, 'max_tokens');
    assert.equal(cut.usage.output_tokens, 1);

    const sequences = ['one', 'two', 'three', 'four', 'five'];
    const stopped = await client.messages.create({
      model: 'sim-8b',
      max_tokens: 50,
      stop_sequences: sequences,
      messages: [{ role: 'user', content: 'Go on' }],
    });
    assert.deepEqual(upstreamBody().stop, sequences, 'more than the 4 strings chat completions allow');
    assert.equal(stopped.stop_reason, 'end_turn');
  });

  test('stream: SDK finalMessage equals the non-stream answer; events come in Anthropic order', async () => {
    const request = {
      model: 'sim/sim-8b',
      max_tokens: 100,
      messages: [{ role: 'user' as const, content: 'Same prompt' }],
    };
    const whole = await client.messages.create(request);
    const stream = client.messages.stream(request);
    let streamedText = '';
    stream.on('text', (delta) => {
      streamedText += delta;
    });
    const final = await stream.finalMessage();
    const wholeText = whole.content[0]?.type === 'text' ? whole.content[0].text : '';
    assert.equal(streamedText, wholeText);
    assert.deepEqual(final.content, whole.content);
    assert.equal(final.stop_reason, 'end_turn');
    assert.equal(final.usage.output_tokens, 12);
    assert.equal(final.usage.input_tokens, whole.usage.input_tokens, 'exact count from message_delta');
    assert.match(final.id, /^msg_\d+-[A-Za-z0-9]{20}$/);

    const response = await post(gateway.origin, '/v1/messages', { ...request, stream: true });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const generationId = response.headers.get('x-generation-id') ?? '';
    const { events } = await readAnthropicStream(response);
    for (const item of events) assert.equal(item.data.type, item.event, 'data.type repeats the event name');
    const names = events.map((item) => item.event);
    assert.equal(names[0], 'message_start');
    assert.equal(names[1], 'content_block_start');
    assert.deepEqual(names.slice(-3), ['content_block_stop', 'message_delta', 'message_stop']);
    assert.ok(names.slice(2, -3).every((name) => name === 'content_block_delta'));
    assert.equal(names.length, 12 + 5, 'one delta per token');

    const start = events[0]!.data.message as Record<string, unknown>;
    assert.equal(start.id, `msg_${generationId.slice(4)}`);
    assert.deepEqual(start.content, []);
    assert.equal(start.stop_reason, null);
    assert.ok((start.usage as { input_tokens: number }).input_tokens > 0, 'the tokenizer count up front');
    assert.deepEqual(events[1]!.data, {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' },
    });
    assert.deepEqual((events[2]!.data.delta as { type: string }).type, 'text_delta');
    const delta = events.at(-2)!.data;
    assert.deepEqual(delta.delta, { stop_reason: 'end_turn', stop_sequence: null });
    assert.equal((delta.usage as { output_tokens: number }).output_tokens, 12);
  });

  test('tools: tool_use out with parsed input, tool_result back in, then a text answer', async () => {
    const first = await client.messages.create({
      model: 'sim-8b',
      max_tokens: 100,
      tools: [lookupTool],
      tool_choice: { type: 'any' },
      messages: [{ role: 'user', content: 'Look up cats' }],
    });
    assert.equal(first.stop_reason, 'tool_use');
    const toolUse = first.content.find((block) => block.type === 'tool_use');
    assert.ok(toolUse !== undefined && toolUse.type === 'tool_use');
    assert.equal(toolUse.name, 'lookup');
    assert.ok(toolUse.id.length > 0);
    assert.deepEqual(toolUse.input, { query: 'sim' });
    assert.equal(upstreamBody().tool_choice, 'required');
    assert.deepEqual(upstreamBody().tools, [
      {
        type: 'function',
        function: { name: 'lookup', description: 'Looks a word up', parameters: lookupTool.input_schema },
      },
    ]);

    const second = await client.messages.create({
      model: 'sim-8b',
      max_tokens: 100,
      tools: [lookupTool],
      messages: [
        { role: 'user', content: 'Look up cats' },
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: toolUse.id, content: 'cats are mammals' },
            { type: 'text', text: 'Summarise it.' },
          ],
        },
      ],
    });
    assert.equal(second.stop_reason, 'end_turn');
    assert.equal(second.content[0]?.type, 'text');
    const sent = upstreamBody().messages;
    assert.deepEqual(sent[1], {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: toolUse.id, type: 'function', function: { name: 'lookup', arguments: '{"query":"sim"}' } },
      ],
    });
    assert.deepEqual(sent[2], { role: 'tool', tool_call_id: toolUse.id, content: 'cats are mammals' });
    assert.deepEqual(sent[3], { role: 'user', content: 'Summarise it.' });
  });

  test('tools streamed: input_json_delta fragments add up to the same input', async () => {
    const request = {
      model: 'sim-8b',
      max_tokens: 100,
      tools: [lookupTool],
      tool_choice: { type: 'tool' as const, name: 'lookup' },
      messages: [{ role: 'user' as const, content: 'Look up dogs' }],
    };
    const final = await client.messages.stream(request).finalMessage();
    assert.equal(final.stop_reason, 'tool_use');
    const toolUse = final.content[0];
    assert.ok(toolUse?.type === 'tool_use');
    assert.deepEqual(toolUse.input, { query: 'sim' });

    const { events } = await readAnthropicStream(
      await post(gateway.origin, '/api/v1/messages', { ...request, stream: true }),
    );
    const start = events.find((item) => item.event === 'content_block_start')!;
    assert.equal((start.data.content_block as { type: string }).type, 'tool_use');
    assert.deepEqual((start.data.content_block as { input: unknown }).input, {});
    const fragments = events
      .filter((item) => item.event === 'content_block_delta')
      .map((item) => item.data.delta as { type: string; partial_json: string });
    assert.ok(fragments.length >= 2);
    assert.ok(fragments.every((fragment) => fragment.type === 'input_json_delta'));
    assert.deepEqual(JSON.parse(fragments.map((fragment) => fragment.partial_json).join('')), {
      query: 'sim',
    });
  });

  test('count_tokens: the tokenizer count of the converted request, no upstream call', async () => {
    const before = simulator.stats().chatRequests;
    const plain = await client.messages.countTokens({
      model: 'sim-8b',
      messages: [{ role: 'user', content: 'How many tokens is this?' }],
    });
    const withTools = await client.messages.countTokens({
      model: 'sim-8b',
      system: 'You are terse.',
      tools: [lookupTool],
      messages: [{ role: 'user', content: 'How many tokens is this?' }],
    });
    assert.ok(plain.input_tokens > 4);
    assert.ok(withTools.input_tokens > plain.input_tokens + 10, 'system and tool definitions count');
    assert.equal(simulator.stats().chatRequests, before);
    const viaApiPath = await post(gateway.origin, '/api/v1/messages/count_tokens', {
      model: 'sim-8b',
      messages: [{ role: 'user', content: 'How many tokens is this?' }],
    });
    assert.deepEqual(await viaApiPath.json(), { input_tokens: plain.input_tokens });
    await assert.rejects(
      client.messages.countTokens({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
      Anthropic.NotFoundError,
    );
  });

  test('requests are logged like chat completions: model, route, usage, cost, stream flag', async () => {
    const { data: message, response } = await client.messages
      .create({ model: 'sim-8b', max_tokens: 20, messages: [{ role: 'user', content: 'Log me' }] })
      .withResponse();
    const id = response.headers.get('x-generation-id');
    const stream = client.messages.stream({
      model: 'sim-8b',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'Log me too' }],
    });
    await stream.finalMessage();
    const streamId = (await stream.withResponse()).response.headers.get('x-generation-id');
    await eventually(() => gateway.records.some((record) => record.id === streamId));
    const served = gateway.records.find((record) => record.id === id)!;
    assert.equal(served.status, 200);
    assert.equal(served.stream, false);
    assert.equal(served.model, 'sim/sim-8b');
    assert.equal(served.route, 'vllm/sim/sim-8b');
    assert.equal(served.usage?.completionTokens, message.usage.output_tokens);
    assert.ok((served.costUsd ?? 0) > 0);
    const streamed = gateway.records.find((record) => record.id === streamId)!;
    assert.equal(streamed.stream, true);
    assert.equal(streamed.interrupted, false);
    assert.equal(streamed.usage?.estimated, false);
  });
});

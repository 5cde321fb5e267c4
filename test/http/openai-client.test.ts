import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { eventually, startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';

let simulator: Simulator;
let gateway: GatewayUnderTest;
let client: OpenAI;

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
  client = new OpenAI({ baseURL: `${gateway.origin}/v1`, apiKey: 'not-needed', maxRetries: 0 });
});

after(async () => {
  await gateway.close();
  await simulator.close();
});

describe('official openai client against the gateway', () => {
  test('non-stream: OpenRouter-shaped completion with exact usage, cost and gateway headers', async () => {
    const { data: completion, response } = await client.chat.completions
      .create({ model: 'sim-8b', messages: [{ role: 'user', content: 'Tell me a story' }], max_tokens: 50 })
      .withResponse();
    assert.match(completion.id, /^gen-\d+-[A-Za-z0-9]{20}$/);
    assert.equal(response.headers.get('x-generation-id'), completion.id);
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.model, 'sim/sim-8b', 'the public id, not the alias or the upstream name');
    assert.equal(completion.choices[0]!.message.role, 'assistant');
    assert.equal(completion.choices[0]!.finish_reason, 'stop');
    assert.ok((completion.choices[0]!.message.content ?? '').split(' ').length === 12);
    const usage = completion.usage!;
    assert.equal(usage.completion_tokens, 12);
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
    const cost = (usage as unknown as { cost: number }).cost;
    assert.ok(Math.abs(cost - (usage.prompt_tokens * 1e-6 + 12 * 2e-6)) < 1e-12);
    assert.equal(response.headers.get('x-gateway-route'), 'vllm/sim/sim-8b');
    assert.equal(response.headers.get('x-gateway-attempts'), '1');
    assert.equal(
      (simulator.stats().lastRequestBody as { model?: string }).model,
      'org/Sim-8B',
      'upstream gets provider_model_id',
    );
  });

  test('stream: one id, role first, content equals the non-stream answer, usage chunk before [DONE]', async () => {
    const request = { model: 'sim/sim-8b', messages: [{ role: 'user' as const, content: 'Same prompt' }] };
    const whole = await client.chat.completions.create(request);
    const stream = await client.chat.completions.create({
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    });
    const ids = new Set<string>();
    let text = '';
    let firstRole: string | undefined;
    let usageChunks = 0;
    let finish: string | null = null;
    let sawUsageLast = false;
    for await (const chunk of stream) {
      ids.add(chunk.id);
      sawUsageLast = false;
      if (chunk.choices.length === 0) {
        usageChunks += 1;
        assert.ok((chunk.usage?.total_tokens ?? 0) > 0);
        sawUsageLast = true;
        continue;
      }
      const choice = chunk.choices[0]!;
      if (firstRole === undefined) firstRole = choice.delta.role ?? 'missing';
      text += choice.delta.content ?? '';
      finish = choice.finish_reason ?? finish;
    }
    assert.equal(ids.size, 1);
    assert.equal(firstRole, 'assistant');
    assert.equal(text, whole.choices[0]!.message.content);
    assert.equal(finish, 'stop');
    assert.equal(usageChunks, 1);
    assert.ok(sawUsageLast, 'the usage chunk is the last data event');
  });

  test('max_tokens caps the answer with finish_reason length', async () => {
    const completion = await client.chat.completions.create({
      model: 'sim-8b',
      messages: [{ role: 'user', content: 'Go on' }],
      max_tokens: 1,
    });
    assert.equal(completion.choices[0]!.finish_reason, 'length');
    assert.ok(completion.usage!.completion_tokens <= 1);
  });

  test('tools: a required tool call comes back with string arguments, then the round trip answers', async () => {
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'lookup',
          parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
        },
      },
    ];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Look up cats' }];
    const first = await client.chat.completions.create({
      model: 'sim-8b',
      messages,
      tools,
      tool_choice: 'required',
    });
    const choice = first.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    const call = choice.message.tool_calls![0]!;
    assert.equal(call.type, 'function');
    assert.ok(call.id.length > 0);
    if (call.type !== 'function') throw new Error('expected a function call');
    assert.equal(call.function.name, 'lookup');
    assert.equal(typeof JSON.parse(call.function.arguments), 'object');

    const streamed = await client.chat.completions.create({
      model: 'sim-8b',
      messages,
      tools,
      tool_choice: 'required',
      stream: true,
    });
    let argumentsText = '';
    let name: string | undefined;
    for await (const chunk of streamed) {
      for (const fragment of chunk.choices[0]?.delta.tool_calls ?? []) {
        assert.equal(fragment.index, 0);
        name ??= fragment.function?.name;
        argumentsText += fragment.function?.arguments ?? '';
      }
    }
    assert.equal(name, 'lookup');
    assert.deepEqual(JSON.parse(argumentsText), JSON.parse(call.function.arguments));

    const answer = await client.chat.completions.create({
      model: 'sim-8b',
      tools,
      messages: [
        ...messages,
        choice.message,
        { role: 'tool', tool_call_id: call.id, content: '{"result":"meow"}' },
      ],
    });
    assert.equal(answer.choices[0]!.finish_reason, 'stop');
    assert.ok((answer.choices[0]!.message.content ?? '').length > 0);
  });

  test('models.list returns the catalog', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    assert.deepEqual(ids, ['sim/sim-8b']);
  });

  test('unknown model → NotFoundError naming it; bad body → BadRequestError naming the field', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'no/such-model', messages: [{ role: 'user', content: 'hi' }] }),
      (error: unknown) =>
        error instanceof OpenAI.NotFoundError && error.status === 404 && /no\/such-model/.test(error.message),
    );
    await assert.rejects(
      client.chat.completions.create({ model: 'sim-8b', messages: [], temperature: 1 }),
      (error: unknown) =>
        error instanceof OpenAI.BadRequestError &&
        /'messages' must contain at least one message/.test(error.message),
    );
    await assert.rejects(
      client.chat.completions.create({
        model: 'sim-8b',
        messages: [{ role: 'user', content: 'x' }],
        temperature: 'hot' as unknown as number,
      }),
      (error: unknown) =>
        error instanceof OpenAI.BadRequestError && /'temperature' must be a number/.test(error.message),
    );
  });

  test('every finished request is recorded with its route and usage', async () => {
    await eventually(() => gateway.records.some((record) => record.stream && record.usage !== null));
    const streamed = gateway.records.find((record) => record.stream)!;
    assert.equal(streamed.route, 'vllm/sim/sim-8b');
    assert.equal(streamed.usage?.estimated, false);
  });
});

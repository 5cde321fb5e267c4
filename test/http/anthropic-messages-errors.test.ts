import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { eventually, startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';
import { post, readAnthropicStream } from './anthropic-messages-helpers.js';

let simulator: Simulator;
let gateway: GatewayUnderTest;
let client: Anthropic;
const clock = Date.UTC(2026, 0, 5, 12, 0, 0);

before(async () => {
  simulator = await startSimulator({ models: ['up'], responseTokens: 8 });
  gateway = await startGateway({
    modelsYaml: `models:
  - id: good
    route: [{ kind: vllm, base_url: "${simulator.url}", provider_model_id: up }]
  - id: limited
    limits: { rpm: 1 }
    route: [{ kind: vllm, base_url: "${simulator.url}", provider_model_id: up }]
  - id: keyless
    route: [{ kind: groq, api_key: "\${UNSET_TEST_KEY}" }]
`,
    routingYaml: 'retry: { attempts: 0 }\n',
    // The tests share one upstream; its deliberate failures must not open the circuit for the next test.
    environment: { MAX_REQUEST_BODY_BYTES: '4096', CIRCUIT_FAILURE_THRESHOLD: '100' },
    // A fixed clock: the rpm window of `limited` cannot roll over between its two requests.
    dependencies: { now: () => clock },
  });
  client = new Anthropic({ apiKey: 'test-key', baseURL: gateway.origin, maxRetries: 0 });
});

after(async () => {
  await gateway.close();
  await simulator.close();
});

async function fault(spec: Record<string, unknown>) {
  const response = await fetch(`${simulator.url.replace('/v1', '')}/control/faults`, {
    method: 'POST',
    body: JSON.stringify(spec),
  });
  assert.equal(response.status, 200);
}

interface AnthropicErrorBody {
  type: string;
  error: { type: string; message: string };
  request_id?: string;
}

async function expectError(response: Response, status: number, type: string): Promise<AnthropicErrorBody> {
  assert.equal(response.status, status);
  assert.match(response.headers.get('content-type') ?? '', /application\/json/);
  const generationId = response.headers.get('x-generation-id');
  assert.match(generationId ?? '', /^gen-/, 'x-generation-id on errors too');
  const body = (await response.json()) as AnthropicErrorBody;
  assert.equal(body.type, 'error');
  assert.equal(body.error.type, type);
  assert.equal(typeof body.error.message, 'string');
  assert.equal(body.request_id, generationId);
  assert.deepEqual(Object.keys(body.error).sort(), ['message', 'type']);
  return body;
}

const text = [{ role: 'user', content: 'hello there' }];

describe("errors on /v1/messages use Anthropic's envelope", () => {
  test('malformed JSON → 400 invalid_request_error', async () => {
    const body = await expectError(
      await post(gateway.origin, '/v1/messages', '{"model": "good", "messages": ['),
      400,
      'invalid_request_error',
    );
    assert.match(body.error.message, /Malformed JSON body/);
  });

  test('validation errors name the Messages API field', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ model: 'good', messages: text }, /'max_tokens' is required/],
      [{ model: 'good', max_tokens: 0, messages: text }, /'max_tokens' must be an integer >= 1/],
      [{ max_tokens: 5, messages: text }, /'model' is required/],
      [{ model: 'good', max_tokens: 5, messages: [] }, /'messages' must contain at least one/],
      [
        { model: 'good', max_tokens: 5, messages: [{ role: 'system', content: 'x' }] },
        /'messages\[0\]\.role'/,
      ],
      [
        { model: 'good', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'text' }] }] },
        /'messages\[0\]\.content\[0\]\.text' must be a string/,
      ],
      [
        {
          model: 'good',
          max_tokens: 5,
          messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f' } }] }],
        },
        /'messages\[0\]\.content\[0\]\.source\.type'/,
      ],
      [
        { model: 'good', max_tokens: 5, messages: text, tools: [{ name: 'x' }] },
        /'tools\[0\]\.input_schema' is required/,
      ],
      [
        { model: 'good', max_tokens: 5, messages: text, tools: [{ type: 'web_search_20250305', name: 'w' }] },
        /'tools\[0\]\.type' .* server tool/,
      ],
      [
        { model: 'good', max_tokens: 5, messages: text, tool_choice: { type: 'tool' } },
        /'tool_choice\.name'/,
      ],
      [{ model: 'good', max_tokens: 5, messages: text, stop_sequences: 'END' }, /'stop_sequences'/],
      [{ model: 'good', max_tokens: 5, messages: text, temperature: 3 }, /'temperature' must be between/],
      [
        { model: 'good', max_tokens: 5, messages: text, thinking: { type: 'enabled' } },
        /'thinking\.budget_tokens'/,
      ],
      [{ model: 'good', max_tokens: 5, messages: text, stream: 'yes' }, /'stream' must be a boolean/],
    ];
    for (const [body, message] of cases) {
      const error = await expectError(
        await post(gateway.origin, '/v1/messages', body),
        400,
        'invalid_request_error',
      );
      assert.match(error.error.message, message, JSON.stringify(body));
    }
  });

  test('unknown model → 404 not_found_error naming it', async () => {
    const body = await expectError(
      await post(gateway.origin, '/v1/messages', { model: 'nope', max_tokens: 5, messages: text }),
      404,
      'not_found_error',
    );
    assert.match(body.error.message, /'nope'/);
  });

  test('oversized body → 413 request_too_large', async () => {
    const big = { model: 'good', max_tokens: 5, messages: [{ role: 'user', content: 'x'.repeat(10_000) }] };
    await expectError(await post(gateway.origin, '/v1/messages', big), 413, 'request_too_large');
  });

  test('a model without an enabled route → 503 overloaded_error; unknown /v1/messages path → 404', async () => {
    const body = await expectError(
      await post(gateway.origin, '/v1/messages', { model: 'keyless', max_tokens: 5, messages: text }),
      503,
      'overloaded_error',
    );
    assert.match(body.error.message, /no enabled route/);
    const unknown = await post(gateway.origin, '/v1/messages/batches', {});
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as AnthropicErrorBody).error.type, 'not_found_error');
  });

  test('upstream failure → 502 api_error; rate limit → 429 rate_limit_error with Retry-After', async () => {
    await fault({ status: 500, count: 1 });
    await expectError(
      await post(gateway.origin, '/v1/messages', { model: 'good', max_tokens: 5, messages: text }),
      502,
      'api_error',
    );
    const first = await post(gateway.origin, '/v1/messages', {
      model: 'limited',
      max_tokens: 5,
      messages: text,
    });
    assert.equal(first.status, 200);
    await first.arrayBuffer();
    const second = await post(gateway.origin, '/v1/messages', {
      model: 'limited',
      max_tokens: 5,
      messages: text,
    });
    assert.ok(Number(second.headers.get('retry-after')) >= 1);
    await expectError(second, 429, 'rate_limit_error');
  });

  test('chat completions keep their own error shape', async () => {
    const response = await post(gateway.origin, '/v1/chat/completions', '{"model": "good", "messages": [');
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { code: number; type: string } };
    assert.deepEqual([body.error.code, body.error.type], [400, 'invalid_request']);
  });

  test('the SDK raises its typed exceptions', async () => {
    await assert.rejects(
      client.messages.create({ model: 'nope', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => {
        assert.ok(error instanceof Anthropic.NotFoundError);
        assert.equal(error.status, 404);
        assert.equal(error.type, 'not_found_error');
        assert.match(error.message, /'nope'/);
        return true;
      },
    );
    await assert.rejects(
      client.messages.create({
        model: 'good',
        messages: [{ role: 'user', content: 'x' }],
      } as unknown as Anthropic.MessageCreateParamsNonStreaming),
      (error: unknown) => error instanceof Anthropic.BadRequestError && /max_tokens/.test(error.message),
    );
    await assert.rejects(
      client.messages.create({
        model: 'good',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'x'.repeat(10_000) }],
      }),
      (error: unknown) => error instanceof Anthropic.APIError && error.status === 413,
    );
    await assert.rejects(
      client.messages
        .stream({ model: 'keyless', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })
        .finalMessage(),
      Anthropic.ServiceUnavailableError,
    );
  });

  test('a stream that breaks after it started ends with an error event and is logged as interrupted', async () => {
    await fault({ drop_after_chunks: 3, count: 1 });
    const response = await post(gateway.origin, '/v1/messages', {
      model: 'good',
      max_tokens: 50,
      stream: true,
      messages: text,
    });
    assert.equal(response.status, 200);
    const id = response.headers.get('x-generation-id');
    const { events } = await readAnthropicStream(response);
    assert.equal(events[0]!.event, 'message_start');
    const last = events.at(-1)!;
    assert.equal(last.event, 'error');
    assert.equal((last.data.error as { type: string }).type, 'api_error');
    assert.match((last.data.error as { message: string }).message, /broke after it started/);
    assert.ok(!events.some((item) => item.event === 'message_stop'), 'never completed silently');
    await eventually(() => gateway.records.some((record) => record.id === id));
    const record = gateway.records.find((item) => item.id === id)!;
    assert.equal(record.interrupted, true);
    assert.equal(record.status, 200);

    await fault({ drop_after_chunks: 3, count: 1 });
    await assert.rejects(
      client.messages
        .stream({ model: 'good', max_tokens: 50, messages: [{ role: 'user', content: 'x' }] })
        .finalMessage(),
      (error: unknown) => error instanceof Anthropic.APIError && /broke after it started/.test(error.message),
    );
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startGateway, type GatewayUnderTest } from '../../helpers/start-gateway.js';
import {
  geminiBaseUrl,
  readGeminiFixture,
  sendJson,
  sendSse,
  startFakeUpstream,
  type CapturedRequest,
  type FakeUpstream,
} from './fake-gemini.js';

/**
 * The whole path: the official openai client → the gateway → the native Gemini adapter → a local server that
 * speaks Gemini's wire format from the recorded fixtures, checking every request it receives.
 */

const MODEL_PATH = '/v1beta/models/gemini-2.5-flash';

let upstream: FakeUpstream;
let gateway: GatewayUnderTest;
let client: OpenAI;
/** Problems the fake Gemini found in what it received; every test asserts there are none. */
const problems: string[] = [];

interface GeminiBody {
  readonly contents: readonly { readonly role: string; readonly parts: readonly Record<string, unknown>[] }[];
  readonly tools?: unknown;
}

/** Which recorded answer fits the conversation so far: a tool call, the answer after tool results, or text. */
function answerFor(body: GeminiBody, stream: boolean): string {
  const lastTurn = body.contents.at(-1);
  if (lastTurn?.parts.some((part) => 'functionResponse' in part) === true) {
    return stream ? 'stream-final-answer.sse' : 'generate-content-final-answer.json';
  }
  if (body.tools !== undefined)
    return stream ? 'stream-function-call.sse' : 'generate-content-tool-calls.json';
  return stream ? 'stream-text.sse' : 'generate-content-text.json';
}

function check(request: CapturedRequest): void {
  if (request.headers['x-goog-api-key'] !== 'test-key') problems.push(`no x-goog-api-key on ${request.url}`);
  if (request.headers.authorization !== undefined) problems.push(`authorization header on ${request.url}`);
  if (/[?&]key=/.test(request.url)) problems.push(`key in the URL ${request.url}`);
  if (request.method !== 'POST') problems.push(`${request.method} ${request.url}`);
}

before(async () => {
  upstream = await startFakeUpstream((request, response) => {
    check(request);
    const body = JSON.parse(request.body) as GeminiBody;
    if (request.url === `${MODEL_PATH}:generateContent`) {
      sendJson(response, 200, readGeminiFixture(answerFor(body, false)));
    } else if (request.url === `${MODEL_PATH}:streamGenerateContent?alt=sse`) {
      sendSse(response, readGeminiFixture(answerFor(body, true)));
    } else {
      problems.push(`unexpected path ${request.url}`);
      sendJson(response, 404, readGeminiFixture('error-404-not-found.json'));
    }
  });
  gateway = await startGateway({
    modelsYaml: `models:
  - id: google/gemini-2.5-flash
    name: Gemini 2.5 Flash
    aliases: [gemini-2.5-flash]
    supports_tools: true
    supports_reasoning: true
    pricing: { prompt: "0.0000003", completion: "0.0000025" }
    route:
      - kind: gemini
        base_url: ${geminiBaseUrl(upstream.baseUrl)}
        api_key: test-key
        provider_model_id: gemini-2.5-flash
`,
  });
  client = new OpenAI({ baseURL: `${gateway.origin}/v1`, apiKey: 'not-needed', maxRetries: 0 });
});

after(async () => {
  await gateway.close();
  await upstream.close();
});

function lastUpstreamBody(): GeminiBody & Record<string, unknown> {
  return JSON.parse(upstream.requests.at(-1)!.body) as GeminiBody & Record<string, unknown>;
}

const WEATHER_TOOL: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: {
        city: { type: 'string' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'], default: 'celsius' },
      },
      required: ['city'],
      additionalProperties: false,
    },
  },
};

describe('official openai client → gateway → kind: gemini', () => {
  test('text: the answer, finish reason stop and exact usage', async () => {
    const completion = await client.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [
        { role: 'system', content: 'Answer in one sentence.' },
        { role: 'user', content: 'What is the capital of France?' },
      ],
      max_tokens: 64,
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(lastUpstreamBody(), {
      contents: [{ role: 'user', parts: [{ text: 'What is the capital of France?' }] }],
      systemInstruction: { parts: [{ text: 'Answer in one sentence.' }] },
      generationConfig: { maxOutputTokens: 64 },
    });
    assert.equal(completion.model, 'google/gemini-2.5-flash');
    const choice = completion.choices[0]!;
    assert.equal(choice.message.content, 'Paris is the capital of France.');
    assert.equal(choice.finish_reason, 'stop');
    assert.equal((choice as unknown as { native_finish_reason: string }).native_finish_reason, 'STOP');
    assert.equal(completion.usage?.prompt_tokens, 9);
    assert.equal(completion.usage?.completion_tokens, 7);
    assert.equal(completion.usage?.total_tokens, 16);
  });

  test('stream: content deltas, stop, one usage chunk before [DONE]', async () => {
    const stream = await client.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    const usages: OpenAI.CompletionUsage[] = [];
    const ids = new Set<string>();
    for await (const chunk of stream) {
      ids.add(chunk.id);
      if (chunk.usage !== undefined && chunk.usage !== null) usages.push(chunk.usage);
      const choice = chunk.choices[0];
      if (choice === undefined) continue;
      text += choice.delta.content ?? '';
      finish = choice.finish_reason ?? finish;
    }
    assert.deepEqual(problems, []);
    assert.equal(upstream.requests.at(-1)!.url, `${MODEL_PATH}:streamGenerateContent?alt=sse`);
    assert.equal(ids.size, 1);
    assert.equal(text, 'Paris is the capital of France.');
    assert.equal(finish, 'stop');
    assert.equal(usages.length, 1);
    assert.equal(usages[0]!.prompt_tokens, 9);
    assert.equal(usages[0]!.completion_tokens, 7);
    assert.equal(usages[0]!.total_tokens, 16);
  });

  test('tool round trip: tool calls → tool results sent back as functionResponse → final text', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'Weather in Paris and London?' },
    ];
    const first = await client.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages,
      tools: [WEATHER_TOOL],
      tool_choice: 'auto',
    });
    const sentTools = lastUpstreamBody();
    assert.deepEqual(sentTools.tools, [
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Current weather in a city',
            parameters: {
              type: 'object',
              properties: {
                city: { type: 'string' },
                unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
              },
              required: ['city'],
            },
          },
        ],
      },
    ]);
    assert.deepEqual(sentTools.toolConfig, { functionCallingConfig: { mode: 'AUTO' } });

    const choice = first.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    const calls = choice.message.tool_calls!;
    assert.equal(calls.length, 2);
    assert.notEqual(calls[0]!.id, calls[1]!.id);
    const [paris, london] = calls as OpenAI.ChatCompletionMessageFunctionToolCall[];
    assert.deepEqual(JSON.parse(paris!.function.arguments), { city: 'Paris', unit: 'celsius' });
    assert.deepEqual(JSON.parse(london!.function.arguments), { city: 'London', unit: 'celsius' });
    assert.equal(first.usage?.completion_tokens, 97, 'candidates + thoughts');
    assert.equal(first.usage?.completion_tokens_details?.reasoning_tokens, 61);

    // The client sends the assistant message back as received, then one result per call.
    messages.push(choice.message);
    messages.push({ role: 'tool', tool_call_id: paris!.id, content: '{"temperature":18}' });
    messages.push({ role: 'tool', tool_call_id: london!.id, content: '14 °C, cloudy' });
    const second = await client.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages,
      tools: [WEATHER_TOOL],
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(lastUpstreamBody().contents, [
      { role: 'user', parts: [{ text: 'Weather in Paris and London?' }] },
      {
        role: 'model',
        parts: [
          {
            functionCall: { name: 'get_weather', args: { city: 'Paris', unit: 'celsius' } },
            thoughtSignature: 'CiQB0e2Kb7rPq0Zb2sQeYw1t3mN8vXkq9dJ4hF6aLs5uTr2cWgQKXwHR7Ypb',
          },
          { functionCall: { name: 'get_weather', args: { city: 'London', unit: 'celsius' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { temperature: 18 } } },
          { functionResponse: { name: 'get_weather', response: { output: '14 °C, cloudy' } } },
        ],
      },
    ]);
    assert.equal(second.choices[0]!.message.content, 'It is 18 °C in Paris and 14 °C in London.');
    assert.equal(second.choices[0]!.finish_reason, 'stop');
    assert.equal(second.usage?.total_tokens, 134);
  });

  test('stream tool round trip: a complete tool-call delta, then the final text streamed', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const stream = await client.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages,
      tools: [WEATHER_TOOL],
      stream: true,
    });
    const toolCalls: OpenAI.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice === undefined) continue;
      toolCalls.push(...(choice.delta.tool_calls ?? []));
      finish = choice.finish_reason ?? finish;
    }
    assert.equal(finish, 'tool_calls');
    assert.equal(toolCalls.length, 1);
    const call = toolCalls[0]!;
    const id = call.id ?? '';
    const argumentsText = call.function?.arguments ?? '';
    assert.equal(call.index, 0);
    assert.match(id, /^call_/);
    assert.equal(call.function?.name, 'get_weather');
    assert.deepEqual(JSON.parse(argumentsText), { city: 'Paris', unit: 'celsius' });
    const { extra_content: extraContent } = call as { extra_content?: unknown };
    assert.ok(extraContent !== undefined, 'the thought signature rides on the delta');

    // A streaming client rebuilds the assistant message from the deltas, the signature field included.
    const rebuiltCall = {
      id,
      type: 'function' as const,
      function: { name: 'get_weather', arguments: argumentsText },
      extra_content: extraContent,
    };
    messages.push({ role: 'assistant', content: null, tool_calls: [rebuiltCall] });
    messages.push({ role: 'tool', tool_call_id: id, content: '{"temperature":18}' });
    const answer = await client.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages,
      tools: [WEATHER_TOOL],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let lastFinish: string | null = null;
    let usage: OpenAI.CompletionUsage | null = null;
    for await (const chunk of answer) {
      usage = chunk.usage ?? usage;
      const choice = chunk.choices[0];
      if (choice === undefined) continue;
      text += choice.delta.content ?? '';
      lastFinish = choice.finish_reason ?? lastFinish;
    }
    assert.deepEqual(problems, []);
    const sent = lastUpstreamBody().contents;
    assert.deepEqual(sent[1], {
      role: 'model',
      parts: [
        {
          functionCall: { name: 'get_weather', args: { city: 'Paris', unit: 'celsius' } },
          thoughtSignature: 'CiQB0e2Kb7rPq0Zb2sQeYw1t3mN8vXkq9dJ4hF6aLs5uTr2cWgQKXwHR7Ypb',
        },
      ],
    });
    assert.deepEqual(sent[2], {
      role: 'user',
      parts: [{ functionResponse: { name: 'get_weather', response: { temperature: 18 } } }],
    });
    assert.equal(text, 'It is 18 °C in Paris and 14 °C in London.');
    assert.equal(lastFinish, 'stop');
    assert.equal(usage?.total_tokens, 134);
  });
});

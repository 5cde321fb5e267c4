import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertRequest } from '../../../src/adapters/openai-compatible/convert-request.js';
import { quirksFor } from '../../../src/adapters/openai-compatible/quirks.js';
import type { AdapterKind, ChatRequest } from '../../../src/spec/index.js';
import { createTestRoute } from './fake-upstream.js';

const MESSAGES = [{ role: 'user', content: 'Hi', name: 'alice' }] as const;

function convert(
  request: ChatRequest,
  kind: AdapterKind,
  options: { stream?: boolean; supported?: string[] } = {},
) {
  const route = createTestRoute('http://upstream.invalid/v1', {
    kind,
    ...(options.supported === undefined ? {} : { supportedParameters: new Set(options.supported) }),
  });
  return JSON.parse(
    convertRequest(request, route, quirksFor(kind), { stream: options.stream ?? false }),
  ) as Record<string, unknown>;
}

test('sends the provider model id, strips OpenRouter fields and never sends stream for non-stream', () => {
  const body = convert(
    {
      model: 'public/model',
      messages: MESSAGES,
      stream: true,
      stream_options: { include_usage: true },
      models: ['a', 'b'],
      provider: { order: ['groq'] },
      route: 'fallback',
      transforms: ['middle-out'],
      plugins: [{ id: 'web' }],
      usage: { include: true },
      temperature: 0.2,
    },
    'vllm',
  );
  assert.deepEqual(body, { model: 'upstream/test-model', messages: MESSAGES, temperature: 0.2 });
});

test('streams ask for usage and keep the client stream options', () => {
  const streamOptions = { include_usage: false, continuous_usage_stats: true };
  const body = convert({ model: 'm', messages: MESSAGES, stream_options: streamOptions }, 'vllm', {
    stream: true,
  });
  assert.equal(body.stream, true);
  assert.deepEqual(body.stream_options, { continuous_usage_stats: true, include_usage: true });
});

test('drops known parameters the route does not list; passes vendor extras to lenient kinds', () => {
  const body = convert(
    {
      model: 'm',
      messages: MESSAGES,
      temperature: 1,
      top_k: 40,
      chat_template_kwargs: { enable_thinking: false },
    },
    'vllm',
    { supported: ['temperature'] },
  );
  assert.deepEqual(body, {
    model: 'upstream/test-model',
    messages: MESSAGES,
    temperature: 1,
    chat_template_kwargs: { enable_thinking: false },
  });
});

test('vLLM and SGLang drop top_a and send max_completion_tokens as max_tokens', () => {
  for (const kind of ['vllm', 'sglang'] as const) {
    const body = convert(
      { model: 'm', messages: MESSAGES, top_a: 0.1, min_p: 0.05, max_completion_tokens: 64 },
      kind,
    );
    assert.equal(body.top_a, undefined);
    assert.equal(body.min_p, 0.05);
    assert.equal(body.max_tokens, 64);
    assert.equal(body.max_completion_tokens, undefined);
  }
});

test('max_completion_tokens wins over max_tokens when both are sent', () => {
  const body = convert(
    { model: 'm', messages: MESSAGES, max_tokens: 10, max_completion_tokens: 20 },
    'deepseek',
  );
  assert.equal(body.max_tokens, 20);
  assert.equal(body.max_completion_tokens, undefined);
});

test('a route listing only max_tokens still accepts max_completion_tokens', () => {
  const body = convert({ model: 'm', messages: MESSAGES, max_completion_tokens: 5 }, 'vllm', {
    supported: ['max_tokens'],
  });
  assert.equal(body.max_tokens, 5);
});

test('OpenAI gets max_completion_tokens and loses fields it does not know', () => {
  const body = convert(
    {
      model: 'm',
      messages: MESSAGES,
      max_tokens: 50,
      top_k: 3,
      user: 'u1',
      chat_template_kwargs: {},
      reasoning: {},
    },
    'openai',
  );
  assert.deepEqual(body, {
    model: 'upstream/test-model',
    messages: MESSAGES,
    user: 'u1',
    max_completion_tokens: 50,
  });
});

test('Groq drops logit_bias, logprobs, top_logprobs, n and message names', () => {
  const request: ChatRequest = {
    model: 'm',
    messages: [...MESSAGES, { role: 'assistant', content: 'Hello' }],
    logit_bias: { '50256': -100 },
    logprobs: true,
    top_logprobs: 2,
    n: 2,
    max_completion_tokens: 30,
    temperature: 0.5,
  };
  const body = convert(request, 'groq');
  assert.deepEqual(body, {
    model: 'upstream/test-model',
    messages: [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello' },
    ],
    max_completion_tokens: 30,
    temperature: 0.5,
  });
  assert.equal(request.messages[0]?.name, 'alice', 'the request itself is not modified');
});

test('Mistral renames seed, keeps safe_prompt, drops unknown fields and sends no stream_options', () => {
  const body = convert(
    {
      model: 'm',
      messages: MESSAGES,
      seed: 7,
      safe_prompt: true,
      top_k: 5,
      chat_template_kwargs: {},
      user: 'u',
    },
    'mistral',
    { stream: true },
  );
  assert.deepEqual(body, {
    model: 'upstream/test-model',
    messages: MESSAGES,
    random_seed: 7,
    safe_prompt: true,
    stream: true,
  });
});

test('Cerebras drops the penalties it rejects', () => {
  const body = convert(
    { model: 'm', messages: MESSAGES, frequency_penalty: 1, presence_penalty: 1, top_p: 0.9 },
    'cerebras',
  );
  assert.deepEqual(body, { model: 'upstream/test-model', messages: MESSAGES, top_p: 0.9 });
});

test('OpenRouter receives both cap fields as sent', () => {
  const body = convert(
    { model: 'm', messages: MESSAGES, max_tokens: 9, reasoning: { effort: 'low' } },
    'openrouter',
  );
  assert.equal(body.max_tokens, 9);
  assert.deepEqual(body.reasoning, { effort: 'low' });
});

test('messages are shared, not copied, when no quirk forces a change', () => {
  const messages = [{ role: 'user' as const, content: 'Hi' }];
  const route = createTestRoute('http://upstream.invalid/v1');
  const text = convertRequest({ model: 'm', messages }, route, quirksFor('vllm'), { stream: false });
  assert.equal(text, '{"model":"upstream/test-model","messages":[{"role":"user","content":"Hi"}]}');
});

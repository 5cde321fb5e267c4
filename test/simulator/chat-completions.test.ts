import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import {
  chatBody,
  parseSseChunks,
  parseSseData,
  postChat,
  readCompletion,
} from './simulator-test-helpers.js';

describe('simulator chat completions', () => {
  let simulator: Simulator;
  before(async () => {
    simulator = await startSimulator({ models: ['sim-model', 'other-model'], responseTokens: 12, seed: 7 });
  });
  after(() => simulator.close());

  test('non-stream body has the vLLM shape and exact usage', async () => {
    const response = await postChat(simulator, chatBody());
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json');
    const body = await readCompletion(response);
    assert.match(body.id, /^chatcmpl-[0-9a-f]{32}$/);
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.model, 'sim-model');
    const [choice] = body.choices;
    assert.ok(choice);
    assert.equal(choice.message.role, 'assistant');
    assert.deepEqual(choice.message.tool_calls, []);
    assert.equal(choice.message.reasoning_content, null);
    assert.equal(choice.finish_reason, 'stop');
    assert.equal(choice.stop_reason, null);
    assert.equal(choice.logprobs, null);
    assert.equal(choice.message.content?.split(' ').length, 12);
    // 4 per message + 4 words of "Tell me something nice".
    assert.deepEqual(body.usage, {
      prompt_tokens: 8,
      total_tokens: 20,
      completion_tokens: 12,
      prompt_tokens_details: null,
    });
  });

  test('prompt tokens count every message, text parts and tool call arguments', async () => {
    const messages = [
      { role: 'system', content: 'be brief' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'one two' },
          { type: 'image_url', image_url: { url: 'x' } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{"a": 1}' } }],
      },
      { role: 'tool', tool_call_id: 't', content: 'sunny' },
    ];
    const body = await readCompletion(await postChat(simulator, chatBody({ messages })));
    // (4+2) + (4+2) + (4+1+2) + (4+1)
    assert.equal(body.usage.prompt_tokens, 24);
  });

  test('identical requests give identical text; a different prompt gives other text', async () => {
    const first = await readCompletion(await postChat(simulator, chatBody()));
    const second = await readCompletion(await postChat(simulator, chatBody()));
    const other = await readCompletion(
      await postChat(simulator, chatBody({ messages: [{ role: 'user', content: 'Something else' }] })),
    );
    assert.equal(first.choices[0]?.message.content, second.choices[0]?.message.content);
    assert.notEqual(first.choices[0]?.message.content, other.choices[0]?.message.content);
    assert.notEqual(first.id, second.id);
  });

  test('stream: role chunk, one token per chunk, finish on the last token, [DONE]; text equals non-stream', async () => {
    const expected = await readCompletion(await postChat(simulator, chatBody()));
    const response = await postChat(simulator, chatBody({ stream: true }));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    const text = await response.text();
    const data = parseSseData(text);
    assert.equal(data.at(-1), '[DONE]');
    const chunks = parseSseChunks(text);
    assert.equal(chunks.length, 1 + 12);
    assert.deepEqual(chunks[0]?.choices[0]?.delta, { role: 'assistant', content: '' });
    const ids = new Set(chunks.map((chunk) => chunk.id));
    assert.equal(ids.size, 1);
    for (const chunk of chunks) {
      assert.equal(chunk.object, 'chat.completion.chunk');
      assert.equal(chunk.model, 'sim-model');
      assert.equal('usage' in chunk, false);
    }
    const tokens = chunks.slice(1).map((chunk) => chunk.choices[0]?.delta.content ?? '');
    assert.ok(tokens.every((token) => token.trim().split(' ').length === 1));
    assert.equal(tokens.join(''), expected.choices[0]?.message.content);
    assert.deepEqual(
      chunks.map((chunk) => chunk.choices[0]?.finish_reason),
      [...new Array<null>(12).fill(null), 'stop'],
    );
  });

  test('stream_options.include_usage adds one usage chunk with choices [] before [DONE]', async () => {
    const text = await (
      await postChat(simulator, chatBody({ stream: true, stream_options: { include_usage: true } }))
    ).text();
    const data = parseSseData(text);
    const usageChunk = parseSseChunks(text).at(-1);
    assert.equal(data.at(-1), '[DONE]');
    assert.deepEqual(usageChunk?.choices, []);
    assert.deepEqual(usageChunk?.usage, { prompt_tokens: 8, total_tokens: 20, completion_tokens: 12 });
    assert.equal(parseSseChunks(text).filter((chunk) => chunk.usage !== undefined).length, 1);
  });

  test('max_tokens and max_completion_tokens cap generation with finish_reason "length"', async () => {
    const capped = await readCompletion(await postChat(simulator, chatBody({ max_tokens: 3 })));
    assert.equal(capped.choices[0]?.finish_reason, 'length');
    assert.equal(capped.usage.completion_tokens, 3);
    const cappedNew = await readCompletion(
      await postChat(simulator, chatBody({ max_completion_tokens: 2, max_tokens: 9 })),
    );
    assert.equal(cappedNew.usage.completion_tokens, 2);
    const roomy = await readCompletion(await postChat(simulator, chatBody({ max_tokens: 100 })));
    assert.equal(roomy.choices[0]?.finish_reason, 'stop');
    assert.equal(roomy.usage.completion_tokens, 12);
    const exact = await readCompletion(
      await postChat(simulator, chatBody({ max_tokens: 30, ignore_eos: true })),
    );
    assert.equal(exact.usage.completion_tokens, 30);
    const knob = await readCompletion(await postChat(simulator, chatBody({ sim: { tokens: 4 } })));
    assert.equal(knob.usage.completion_tokens, 4);
    assert.equal(knob.choices[0]?.finish_reason, 'stop');
  });

  test('stop strings end generation without the stop text, also when spanning tokens, stream == non-stream', async () => {
    const natural =
      (await readCompletion(await postChat(simulator, chatBody()))).choices[0]?.message.content ?? '';
    const words = natural.split(' ');
    const stop = ` ${words[3]} ${words[4]}`; // spans tokens 4 and 5
    const expectedContent = natural.slice(0, natural.indexOf(stop));
    const body = await readCompletion(
      await postChat(simulator, chatBody({ stop: ['never-generated', stop] })),
    );
    assert.equal(body.choices[0]?.message.content, expectedContent);
    assert.equal(body.choices[0]?.finish_reason, 'stop');
    assert.equal(body.choices[0]?.stop_reason, stop);
    assert.equal(body.usage.completion_tokens, expectedContent.split(' ').length + 2);
    const chunks = parseSseChunks(await (await postChat(simulator, chatBody({ stop, stream: true }))).text());
    assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), expectedContent);
    assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'stop');
  });

  test('unknown model is a 404 in vLLM error shape', async () => {
    const response = await postChat(simulator, chatBody({ model: 'x' }));
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), {
      object: 'error',
      message: 'The model `x` does not exist.',
      type: 'NotFoundError',
      param: null,
      code: 404,
    });
  });

  test('malformed JSON and missing messages are 400 BadRequestError', async () => {
    const malformed = await postChat(simulator, '{"model": "sim-model", ');
    assert.equal(malformed.status, 400);
    const malformedBody = (await malformed.json()) as Record<string, unknown>;
    assert.equal(malformedBody.object, 'error');
    assert.equal(malformedBody.type, 'BadRequestError');
    assert.equal(malformedBody.code, 400);
    const missing = await postChat(simulator, { model: 'sim-model' });
    assert.equal(missing.status, 400);
    assert.equal(((await missing.json()) as Record<string, unknown>).param, 'messages');
    const badMax = await postChat(simulator, chatBody({ max_tokens: 0 }));
    assert.equal(badMax.status, 400);
  });
});

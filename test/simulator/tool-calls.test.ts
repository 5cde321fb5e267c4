import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { chatBody, parseSseChunks, postChat, readCompletion } from './simulator-test-helpers.js';

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, days: { type: 'integer' }, metric: { type: 'boolean' } },
    },
  },
};
const searchTool = {
  type: 'function',
  function: { name: 'search', parameters: { properties: { q: { type: 'string' } } } },
};

describe('simulator tool calls', () => {
  let simulator: Simulator;
  before(async () => {
    simulator = await startSimulator({});
  });
  after(() => simulator.close());

  test('tool_choice "required" answers with a tool call built from the parameters', async () => {
    const body = await readCompletion(
      await postChat(simulator, chatBody({ tools: [weatherTool, searchTool], tool_choice: 'required' })),
    );
    const choice = body.choices[0];
    assert.equal(choice?.finish_reason, 'tool_calls');
    assert.equal(choice?.message.content, null);
    const [call] = choice?.message.tool_calls ?? [];
    assert.match(call?.id ?? '', /^chatcmpl-tool-[0-9a-f]{32}$/);
    assert.equal(call?.type, 'function');
    assert.equal(call?.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call?.function.arguments ?? ''), { city: 'sim', days: 1, metric: true });
  });

  test('a named tool_choice streams OpenAI tool-call deltas', async () => {
    const toolChoice = { type: 'function', function: { name: 'search' } };
    const text = await (
      await postChat(
        simulator,
        chatBody({ tools: [weatherTool, searchTool], tool_choice: toolChoice, stream: true }),
      )
    ).text();
    const chunks = parseSseChunks(text);
    const deltas = chunks.slice(1).map((chunk) => chunk.choices[0]?.delta.tool_calls?.[0]);
    const [first, ...rest] = deltas;
    assert.equal(first?.index, 0);
    assert.match(first?.id ?? '', /^chatcmpl-tool-/);
    assert.equal(first?.type, 'function');
    assert.equal(first?.function.name, 'search');
    assert.equal(first?.function.arguments, '');
    assert.ok(rest.length >= 2);
    assert.ok(rest.every((delta) => delta?.id === undefined && delta?.function.name === undefined));
    assert.deepEqual(JSON.parse(rest.map((delta) => delta?.function.arguments).join('')), { q: 'sim' });
    assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'tool_calls');
  });

  test('after a tool result the answer is text; "auto" answers text; unknown tool name is a 400', async () => {
    const messages = [
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
    ];
    const afterTool = await readCompletion(
      await postChat(simulator, chatBody({ messages, tools: [weatherTool], tool_choice: 'required' })),
    );
    assert.equal(afterTool.choices[0]?.finish_reason, 'stop');
    assert.equal(typeof afterTool.choices[0]?.message.content, 'string');
    const auto = await readCompletion(
      await postChat(simulator, chatBody({ tools: [weatherTool], tool_choice: 'auto' })),
    );
    assert.deepEqual(auto.choices[0]?.message.tool_calls, []);
    const unknown = await postChat(
      simulator,
      chatBody({ tools: [weatherTool], tool_choice: { type: 'function', function: { name: 'nope' } } }),
    );
    assert.equal(unknown.status, 400);
  });
});

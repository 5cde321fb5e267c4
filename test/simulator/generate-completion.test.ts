import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countPromptTokens } from '../../src/simulator/index.js';
import { generateCompletion } from '../../src/simulator/generate-completion.js';
import { parseChatRequest, type SimulatedChatRequest } from '../../src/simulator/parse-chat-request.js';

function request(extra: Record<string, unknown> = {}): SimulatedChatRequest {
  const parsed = parseChatRequest({
    model: 'm',
    messages: [{ role: 'user', content: 'hi there' }],
    ...extra,
  });
  assert.ok(parsed.ok);
  return parsed.request;
}

const settings = { seed: 1, responseTokens: 8 };

test('prompt tokens: 4 per message plus words of text content and tool call fields', () => {
  assert.equal(countPromptTokens([{ role: 'user', content: '  hello   world \n' }]), 6);
  assert.equal(countPromptTokens([{ role: 'user', content: '' }]), 4);
  assert.equal(
    countPromptTokens([
      { role: 'user', content: [{ type: 'text', text: 'a b c' }] },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ function: { name: 'lookup', arguments: '{"q": "x y"}' } }],
      },
    ]),
    4 + 3 + 4 + 1 + 3,
  );
});

test('text is one word per token, deterministic per seed text and seed', () => {
  const completion = generateCompletion(request(), settings);
  assert.equal(completion.kind, 'text');
  if (completion.kind !== 'text') return;
  assert.equal(completion.pieces.length, 8);
  assert.ok(!completion.pieces[0]?.startsWith(' '));
  assert.ok(completion.pieces.slice(1).every((piece) => /^ [a-z]+$/.test(piece)));
  assert.equal(completion.pieces.join(''), completion.content);
  assert.deepEqual(generateCompletion(request(), settings), completion);
  assert.notDeepEqual(generateCompletion(request(), { ...settings, seed: 2 }), completion);
});

test('a stop string inside one token clips that token and reports the stop string', () => {
  const natural = generateCompletion(request(), settings);
  assert.equal(natural.kind, 'text');
  if (natural.kind !== 'text') return;
  const word = natural.pieces[2]?.trim() ?? '';
  const stop = word.slice(1); // starts inside the word
  const expected = natural.content.slice(0, natural.content.indexOf(stop));
  const stopped = generateCompletion(request({ stop }), settings);
  assert.equal(stopped.kind === 'text' && stopped.content, expected);
  assert.equal(stopped.kind === 'text' && stopped.pieces.join(''), expected);
  assert.equal(stopped.kind === 'text' && stopped.stopReason, stop);
  assert.equal(stopped.finishReason, 'stop');
});

test('zero-length answers and sim.tokens', () => {
  const empty = generateCompletion(request({ sim: { tokens: 0 } }), settings);
  assert.equal(empty.kind === 'text' && empty.content, '');
  assert.equal(empty.completionTokens, 0);
  assert.equal(empty.finishReason, 'stop');
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SseParser, type SseEvent } from './sse-parser.js';

function parseAll(chunks: readonly Uint8Array[]): SseEvent[] {
  const parser = new SseParser();
  const events: SseEvent[] = [];
  for (const chunk of chunks) events.push(...parser.push(chunk));
  events.push(...parser.end());
  return events;
}

function parseText(text: string): SseEvent[] {
  return parseAll([Buffer.from(text)]);
}

const FIXTURE = readFileSync(new URL('./openai-compatible/fixtures/openrouter-stream.sse', import.meta.url));

test('parses data events, skipping comments', () => {
  const events = parseText(': OPENROUTER PROCESSING\n\ndata: {"a":1}\n\ndata: [DONE]\n\n');
  assert.deepEqual(events, [
    { event: 'message', data: '{"a":1}' },
    { event: 'message', data: '[DONE]' },
  ]);
});

test('every split position of a fixture yields the same events as the whole', () => {
  const expected = parseAll([FIXTURE]);
  assert.equal(expected.length, 5);
  for (let position = 0; position <= FIXTURE.length; position += 1) {
    const events = parseAll([FIXTURE.subarray(0, position), FIXTURE.subarray(position)]);
    assert.deepEqual(events, expected, `split at byte ${position}`);
  }
});

test('byte-by-byte delivery of CRLF text with multi-byte characters', () => {
  const text = 'data: {"content":"à tous — 🙂"}\r\n\r\n: comment\r\ndata: x\r\n\r\n';
  const bytes = Buffer.from(text);
  const chunks = Array.from({ length: bytes.length }, (_, index) => bytes.subarray(index, index + 1));
  assert.deepEqual(parseAll(chunks), [
    { event: 'message', data: '{"content":"à tous — 🙂"}' },
    { event: 'message', data: 'x' },
  ]);
});

test('every split position of CRLF and lone-CR text', () => {
  const bytes = Buffer.from('data: one\r\n\r\ndata: two\r\rdata: three\n\n');
  const expected = [
    { event: 'message', data: 'one' },
    { event: 'message', data: 'two' },
    { event: 'message', data: 'three' },
  ];
  for (let position = 0; position <= bytes.length; position += 1) {
    assert.deepEqual(
      parseAll([bytes.subarray(0, position), bytes.subarray(position)]),
      expected,
      `split at ${position}`,
    );
  }
});

test('joins multi-line data, reads event names, ignores id and retry', () => {
  const events = parseText('event: delta\nid: 7\nretry: 100\ndata: first\ndata:second\ndata\n\n');
  assert.deepEqual(events, [{ event: 'delta', data: 'first\nsecond\n' }]);
});

test('a blank line without data dispatches nothing', () => {
  assert.deepEqual(parseText('\n\n: only a comment\n\nevent: ping\n\n'), []);
});

test('skips a leading byte-order mark', () => {
  assert.deepEqual(parseText('\uFEFFdata: x\n\n'), [{ event: 'message', data: 'x' }]);
});

test('end() dispatches an event whose blank line never came', () => {
  assert.deepEqual(parseText('data: {"usage":1}'), [{ event: 'message', data: '{"usage":1}' }]);
  assert.deepEqual(parseText('data: {"usage":1}\n'), [{ event: 'message', data: '{"usage":1}' }]);
});

test('a line spread over many chunks is assembled once', () => {
  const payload = 'x'.repeat(10_000);
  const bytes = Buffer.from(`data: ${payload}\n\n`);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += 7) chunks.push(bytes.subarray(offset, offset + 7));
  assert.deepEqual(parseAll(chunks), [{ event: 'message', data: payload }]);
});

test('accepts plain Uint8Array views with an offset', () => {
  const backing = new Uint8Array(Buffer.from('garbagedata: ok\n\n'));
  const view = new Uint8Array(backing.buffer, 7);
  assert.deepEqual(parseAll([view]), [{ event: 'message', data: 'ok' }]);
});

test('an event over maxEventBytes throws the caller error: one endless line or many data lines', () => {
  const tooLarge = (detail: string) => new RangeError(detail);
  const endless = new SseParser({ maxEventBytes: 100, tooLarge });
  assert.deepEqual(endless.push(Buffer.from('data: ' + 'x'.repeat(60))), []);
  assert.throws(() => endless.push(Buffer.from('x'.repeat(60))), {
    name: 'RangeError',
    message: 'a stream event exceeds 100 bytes',
  });
  const manyLines = new SseParser({ maxEventBytes: 100, tooLarge });
  assert.throws(() => manyLines.push(Buffer.from('data: 0123456789\n'.repeat(12))), RangeError);
});

test('the limit is per event: many events of any total size pass', () => {
  const parser = new SseParser({ maxEventBytes: 100 });
  const events = parser.push(Buffer.from('data: 0123456789012345678901234567890123456789\n\n'.repeat(1000)));
  assert.equal(events.length, 1000);
  assert.deepEqual(parser.end(), []);
});

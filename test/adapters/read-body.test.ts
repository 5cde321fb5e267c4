import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readBodyText } from '../../src/adapters/read-body.js';
import { GatewayError } from '../../src/errors/index.js';
import { chunkReaderOf } from '../helpers/chunk-reader-of.js';
import { createTestRoute } from './openai-compatible/fake-upstream.js';

const CONTEXT = {
  route: createTestRoute('http://127.0.0.1:1/v1'),
  timeouts: { connectMs: 1, ttftMs: 1, idleMs: 1 },
};
const signal = new AbortController().signal;

test('a 2xx body is read whole, a character split across chunks intact', async () => {
  const bytes = Buffer.from('{"text":"héllo wörld"}');
  const text = await readBodyText(
    chunkReaderOf([[bytes.subarray(0, 11)], [bytes.subarray(11, 13), bytes.subarray(13)]]),
    CONTEXT,
    signal,
  );
  assert.equal(text, '{"text":"héllo wörld"}');
});

test('a body over the limit is an invalid response, and its transfer is stopped', async () => {
  const body = chunkReaderOf([[Buffer.alloc(60, 0x61)], [Buffer.alloc(60, 0x61)], [Buffer.alloc(60, 0x61)]]);
  await assert.rejects(readBodyText(body, CONTEXT, signal, 100), (error: unknown) => {
    assert.ok(error instanceof GatewayError);
    assert.equal(error.upstreamReason, 'invalid_response');
    assert.match(error.message, /the response body exceeds 100 bytes/);
    return true;
  });
  assert.equal(body.destroyed, true);
});

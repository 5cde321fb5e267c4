import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { createServer } from '../../src/http/create-server.js';

test('a request that reaches a closing gateway gets a 503 in the error shape, with Retry-After', async () => {
  let closing = false;
  const server = createServer({
    logger: pino({ level: 'silent' }),
    bodyLimitBytes: 1024,
    isClosing: () => closing,
  });
  server.get('/ping', async () => ({ ok: true }));
  assert.equal((await server.inject('/ping')).statusCode, 200);
  closing = true;
  const response = await server.inject('/ping');
  assert.equal(response.statusCode, 503);
  assert.equal(response.headers['retry-after'], '1');
  assert.equal(response.headers.connection, 'close');
  const body = response.json<{ error: { code: number; type: string; metadata: { reason: string } } }>();
  assert.equal(body.error.code, 503);
  assert.equal(body.error.type, 'no_route_available');
  assert.equal(body.error.metadata.reason, 'shutting_down');
  await server.close();
});

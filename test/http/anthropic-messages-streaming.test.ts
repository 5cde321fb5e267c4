import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { eventually, startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';
import { post, readAnthropicStream } from './anthropic-messages-helpers.js';

// A slow upstream (10 tokens/s) behind a gateway with a short keep-alive period: silences are certain.
let simulator: Simulator;
let gateway: GatewayUnderTest;

before(async () => {
  simulator = await startSimulator({ models: ['up'], responseTokens: 200, tokensPerSecond: 10 });
  gateway = await startGateway({
    modelsYaml: `models:
  - id: slow
    pricing: { prompt: "0.000001", completion: "0.000001" }
    route: [{ kind: vllm, base_url: "${simulator.url}", provider_model_id: up }]
`,
    routingYaml: 'retry: { attempts: 0 }\ntimeouts: { keep_alive_ms: 20 }\n',
  });
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

const request = { model: 'slow', stream: true, messages: [{ role: 'user', content: 'hello there' }] };

describe('Messages API streams over a slow upstream', () => {
  test('silences: SSE comments before message_start, ping events after it; the order stays exact', async () => {
    await fault({ delay_ms: 150, count: 1 });
    const { events, sequence } = await readAnthropicStream(
      await post(gateway.origin, '/v1/messages', { ...request, max_tokens: 4 }),
    );
    const startAt = sequence.indexOf('message_start');
    assert.ok(startAt > 0, 'the wait before the first token was kept alive');
    assert.ok(
      sequence.slice(0, startAt).every((item) => item.startsWith(':')),
      'only comments before it',
    );
    const after = sequence.slice(startAt);
    assert.ok(after.includes('ping'), 'pings between the slow tokens');
    assert.ok(!after.some((item) => item.startsWith(':')), 'no comments once the stream started');
    const names = events.map((item) => item.event).filter((name) => name !== 'ping');
    assert.deepEqual(names, [
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const stop = events.find((item) => item.event === 'message_delta')!;
    assert.equal((stop.data.delta as { stop_reason: string }).stop_reason, 'max_tokens');
  });

  test('every route failing after a keep-alive already sent the status → only an error event', async () => {
    await fault({ delay_ms: 150, status: 500, count: 1 });
    const response = await post(gateway.origin, '/v1/messages', { ...request, max_tokens: 4 });
    assert.equal(response.status, 200);
    const { events, sequence } = await readAnthropicStream(response);
    assert.ok(sequence[0]!.startsWith(':'));
    assert.deepEqual(
      events.map((item) => item.event),
      ['error'],
    );
    assert.equal((events[0]!.data.error as { type: string }).type, 'api_error');
  });

  test('a client that leaves mid-stream is recorded as cancelled and billed for what was generated', async () => {
    await fetch(`${simulator.url.replace('/v1', '')}/control/reset`, { method: 'POST' });
    await new Promise<void>((resolve, reject) => {
      const outgoing = httpRequest(`${gateway.origin}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      outgoing.on('response', (response) => {
        let received = '';
        response.on('data', (chunk: Buffer) => {
          received += chunk.toString();
          // Leave once a token arrived, not at message_start.
          if (received.includes('content_block_delta')) {
            outgoing.destroy();
            resolve();
          }
        });
      });
      outgoing.on('error', (error) => {
        if (!outgoing.destroyed) reject(error);
      });
      outgoing.end(JSON.stringify({ ...request, max_tokens: 200 }));
    });
    await eventually(() => simulator.stats().cancelledRequests === 1, 3000);
    await eventually(() => gateway.records.some((record) => record.cancelled && record.stream));
    const cancelled = gateway.records.find((record) => record.cancelled)!;
    assert.ok((cancelled.usage?.completionTokens ?? 0) >= 1);
    assert.ok((cancelled.usage?.completionTokens ?? 0) < 200, 'billed for what was generated only');
    assert.ok((cancelled.costUsd ?? 0) > 0);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { eventually, startGateway } from '../helpers/start-gateway.js';

let simulator: Simulator;

before(async () => {
  simulator = await startSimulator({ models: ['up'], responseTokens: 10 });
});

after(async () => {
  await simulator.close();
});

describe('graceful shutdown', () => {
  test('in-flight requests finish and are recorded while the server closes', async () => {
    const gateway = await startGateway({
      modelsYaml: `models:\n  - id: m\n    route: [{ kind: vllm, base_url: "${simulator.url}", provider_model_id: up }]\n`,
    });
    const slow = (stream: boolean) =>
      fetch(`${gateway.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'm',
          stream,
          messages: [{ role: 'user', content: 'slow please' }],
          sim: { ttft_ms: 150, tokens_per_second: 100 },
        }),
      }).then(async (response) => ({ status: response.status, text: await response.text() }));
    const inFlight = [slow(false), slow(true)];
    // Both requests have reached the upstream: they are in flight, not merely sent.
    await eventually(() => simulator.stats().chatRequests === 2);
    const closing = gateway.close();
    const [plain, streamed] = await Promise.all(inFlight);
    await closing;
    assert.equal(plain!.status, 200);
    assert.equal(streamed!.status, 200);
    assert.ok(streamed!.text.trimEnd().endsWith('data: [DONE]'));
    assert.equal(gateway.records.length, 2);
    assert.ok(gateway.records.every((record) => record.status === 200 && !record.cancelled));
  });
});

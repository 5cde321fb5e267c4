import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { chatBody, postChat, rootUrl } from './simulator-test-helpers.js';

describe('simulator endpoints', () => {
  let simulator: Simulator;
  before(async () => {
    simulator = await startSimulator({ models: ['sim-model', 'other-model'] });
  });
  after(() => simulator.close());

  test('GET /v1/models, /health, /version and unknown paths', async () => {
    const models = (await (await fetch(`${simulator.url}/models`)).json()) as {
      object: string;
      data: Record<string, unknown>[];
    };
    assert.equal(models.object, 'list');
    assert.deepEqual(
      models.data.map((model) => model.id),
      ['sim-model', 'other-model'],
    );
    const [first] = models.data;
    assert.equal(first?.object, 'model');
    assert.equal(first?.owned_by, 'vllm');
    assert.equal(first?.root, 'sim-model');
    assert.equal(first?.parent, null);
    assert.equal(first?.max_model_len, 8192);
    assert.equal(typeof first?.created, 'number');
    const health = await fetch(`${rootUrl(simulator)}/health`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), '');
    assert.deepEqual(await (await fetch(`${rootUrl(simulator)}/version`)).json(), { version: 'sim' });
    assert.equal((await fetch(`${rootUrl(simulator)}/nope`)).status, 404);
    assert.equal((await fetch(`${simulator.url}/chat/completions`)).status, 405);
  });
});

describe('simulator api key', () => {
  test('requires Bearer on /v1 only, and records the last request headers', async (t) => {
    const simulator = await startSimulator({ apiKey: 'secret' });
    t.after(() => simulator.close());
    const missing = await postChat(simulator, chatBody());
    assert.equal(missing.status, 401);
    assert.deepEqual(await missing.json(), { error: 'Unauthorized' });
    assert.equal(
      (await fetch(`${simulator.url}/models`, { headers: { authorization: 'Bearer wrong' } })).status,
      401,
    );
    assert.equal((await fetch(`${rootUrl(simulator)}/health`)).status, 200);
    const ok = await postChat(simulator, chatBody({ provider: { order: ['x'] } }), {
      headers: { authorization: 'Bearer secret' },
    });
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    const stats = simulator.stats();
    assert.equal(stats.lastRequestHeaders?.authorization, 'Bearer secret');
    assert.deepEqual(stats.lastRequestBody, chatBody({ provider: { order: ['x'] } }));
  });
});

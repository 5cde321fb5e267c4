import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { ADMIN_KEY, createKey, pricedModels } from '../auth/auth-helpers.js';
import { eventually, startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';

// Client keys on /v1/messages: the server's auth hook guards it like chat completions.
let simulator: Simulator;
let gateway: GatewayUnderTest;

before(async () => {
  simulator = await startSimulator({ models: ['sim-model'], responseTokens: 5 });
  gateway = await startGateway({
    modelsYaml: pricedModels(simulator),
    environment: { ADMIN_API_KEY: ADMIN_KEY },
  });
});

after(async () => {
  await gateway.close();
  await simulator.close();
});

const request = { model: 'priced', max_tokens: 20, messages: [{ role: 'user' as const, content: 'hi' }] };

describe('client keys on the Messages API', () => {
  test('the SDK key (x-api-key) is accepted, and Authorization: Bearer too; the request is billed to it', async () => {
    const { key, id } = await createKey(gateway.origin, { name: 'anthropic sdk user' });
    const client = new Anthropic({ apiKey: key, baseURL: gateway.origin, maxRetries: 0 });
    const message = await client.messages.create(request);
    assert.equal(message.model, 'sim/priced');
    const streamed = await client.messages.stream(request).finalMessage();
    assert.equal(streamed.usage.output_tokens, 5);
    assert.ok(
      (await client.messages.countTokens({ model: 'priced', messages: request.messages })).input_tokens > 0,
    );
    const bearer = await fetch(`${gateway.origin}/api/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(request),
    });
    assert.equal(bearer.status, 200);
    await eventually(() => gateway.records.filter((record) => record.apiKeyId === id).length === 3);
  });

  test("a wrong or missing key → 401 authentication_error in Anthropic's envelope", async () => {
    await createKey(gateway.origin, { name: 'someone' });
    const refused = new Anthropic({ apiKey: 'sk-wrong', baseURL: gateway.origin, maxRetries: 0 });
    await assert.rejects(refused.messages.create(request), Anthropic.AuthenticationError);
    await assert.rejects(
      refused.messages.countTokens({ model: 'priced', messages: request.messages }),
      Anthropic.AuthenticationError,
    );
    const missing = await fetch(`${gateway.origin}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    assert.equal(missing.status, 401);
    const body = (await missing.json()) as { type: string; error: { type: string } };
    assert.deepEqual([body.type, body.error.type], ['error', 'authentication_error']);
  });
});

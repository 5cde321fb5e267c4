import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { readSse } from '../helpers/read-sse.js';
import { startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';

let simulator: Simulator;
let gateway: GatewayUnderTest;

before(async () => {
  simulator = await startSimulator({ models: ['up'], responseTokens: 6 });
  // Mistral-style upstreams get no stream_options; the simulator then sends no usage, like many servers.
  gateway = await startGateway({
    modelsYaml: `models:
  - id: quiet
    pricing: { prompt: "0.000001", completion: "0.000001" }
    route: [{ kind: mistral, base_url: "${simulator.url}", api_key: k, provider_model_id: up }]
`,
  });
});

after(async () => {
  await gateway.close();
  await simulator.close();
});

describe('usage when the upstream reports none', () => {
  test('a stream without upstream usage gets a tokenizer estimate, flagged and billed', async () => {
    const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'quiet',
        stream: true,
        messages: [{ role: 'user', content: 'count these words please' }],
      }),
    });
    assert.ok(!('stream_options' in (simulator.stats().lastRequestBody as object)));
    const events = await readSse(response);
    const usageChunk = JSON.parse(events.data.at(-2)!) as {
      choices: unknown[];
      usage: Record<string, unknown>;
    };
    assert.deepEqual(usageChunk.choices, []);
    assert.equal(usageChunk.usage.estimated, true);
    assert.ok(
      (usageChunk.usage.completion_tokens as number) >= 6,
      'six generated words are at least six tokens',
    );
    assert.ok((usageChunk.usage.prompt_tokens as number) > 4);
    const expectedCost =
      ((usageChunk.usage.prompt_tokens as number) + (usageChunk.usage.completion_tokens as number)) *
      0.000001;
    assert.ok(Math.abs((usageChunk.usage.cost as number) - expectedCost) < 1e-12);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';

let simulator: Simulator;
let gateway: GatewayUnderTest;

before(async () => {
  simulator = await startSimulator({ models: ['up'] });
  gateway = await startGateway({
    modelsYaml: `models:
  - id: good
    route: [{ kind: vllm, base_url: "${simulator.url}", provider_model_id: up }]
  - id: keyless
    route: [{ kind: groq, api_key: "\${UNSET_TEST_KEY}" }]
`,
    // The tests share one upstream; its deliberate failures must not open the circuit for the next test.
    environment: { MAX_REQUEST_BODY_BYTES: '4096', CIRCUIT_FAILURE_THRESHOLD: '100' },
  });
});

after(async () => {
  await gateway.close();
  await simulator.close();
});

async function post(body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const response = await fetch(`${gateway.origin}/v1/chat/completions`, { method: 'POST', headers, body });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: JSON.parse(text) as { error: Record<string, unknown> },
  };
}

function assertErrorShape(json: { error: Record<string, unknown> }, status: number, type: string) {
  assert.equal(json.error.code, status);
  assert.equal(json.error.type, type);
  assert.equal(typeof json.error.message, 'string');
  assert.ok('param' in json.error && 'metadata' in json.error);
}

describe('bad input gets a clear error in the one shape', () => {
  test('malformed JSON → 400 saying so, no stack', async () => {
    const response = await post('{"model": "good", "messages": [');
    assert.equal(response.status, 400);
    assertErrorShape(response.json, 400, 'invalid_request');
    assert.match(String(response.json.error.message), /Malformed JSON body/);
    assert.doesNotMatch(response.text, /at .*\.(js|ts):\d+/);
  });

  test('wrong types and missing fields → 400 naming the param', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ model: 'good' }, 'messages', /'messages' is required/],
      [{ model: 'good', messages: 'hi' }, 'messages', /must be an array/],
      [{ model: 'good', messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role', /must be one of/],
      [{ model: 'good', messages: [{ role: 'user' }] }, 'messages[0].content', /is required/],
      [
        { model: 'good', messages: [{ role: 'tool', content: 'x' }] },
        'messages[0].tool_call_id',
        /is required/,
      ],
      [{ model: 42, messages: [{ role: 'user', content: 'x' }] }, 'model', /must be a string/],
      [{ messages: [{ role: 'user', content: 'x' }] }, 'model', /'model' is required/],
      [
        { model: 'good', messages: [{ role: 'user', content: 'x' }], max_tokens: 0 },
        'max_tokens',
        /between 1 and/,
      ],
      [{ model: 'good', messages: [{ role: 'user', content: 'x' }], stream: 'yes' }, 'stream', /boolean/],
      [{ model: 'good', messages: [{ role: 'user', content: 'x' }], stop: [1] }, 'stop', /at most 4 strings/],
      [
        { model: 'good', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function' }] },
        'tools[0]',
        /must be/,
      ],
      [[1, 2], 'body', /must be a JSON object/],
    ];
    for (const [body, param, message] of cases) {
      const response = await post(JSON.stringify(body));
      assert.equal(response.status, 400, JSON.stringify(body));
      assertErrorShape(response.json, 400, 'invalid_request');
      assert.equal(response.json.error.param, param, JSON.stringify(body));
      assert.match(String(response.json.error.message), message);
    }
  });

  test('empty body → 400; a JSON body is read as JSON whatever its Content-Type (curl -d)', async () => {
    const empty = await post('');
    assert.equal(empty.status, 400);
    assert.match(String(empty.json.error.message), /empty/);
    const text = await post('hello', { 'content-type': 'text/plain' });
    assert.equal(text.status, 400);
    assert.match(String(text.json.error.message), /Malformed JSON body/);
    const form = await fetch(`${gateway.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: JSON.stringify({ model: 'good', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(form.status, 200);
  });

  test('a __proto__ key in the body cannot change the request object', async () => {
    const response = await post(
      '{"model":"good","messages":[{"role":"user","content":"x"}],"__proto__":{"polluted":true}}',
    );
    assert.equal(response.status, 400);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('body over the limit → 413 naming the limit and the setting', async () => {
    const response = await post(
      JSON.stringify({ model: 'good', messages: [{ role: 'user', content: 'x'.repeat(5000) }] }),
    );
    assert.equal(response.status, 413);
    assertErrorShape(response.json, 413, 'payload_too_large');
    assert.match(String(response.json.error.message), /4096-byte limit.*MAX_REQUEST_BODY_BYTES/);
  });

  test('unknown model → 404 naming it; a model without enabled routes → 503 saying why', async () => {
    const unknown = await post(
      JSON.stringify({ model: 'mystery/model', messages: [{ role: 'user', content: 'x' }] }),
    );
    assert.equal(unknown.status, 404);
    assertErrorShape(unknown.json, 404, 'not_found');
    assert.match(String(unknown.json.error.message), /'mystery\/model' is not served/);
    const keyless = await post(
      JSON.stringify({ model: 'keyless', messages: [{ role: 'user', content: 'x' }] }),
    );
    assert.equal(keyless.status, 503);
    assertErrorShape(keyless.json, 503, 'no_route_available');
    assert.match(String(keyless.json.error.message), /api_key is empty \(set UNSET_TEST_KEY\)/);
  });

  test('unknown path → 404 in the same shape', async () => {
    const response = await fetch(`${gateway.origin}/v1/nothing-here`);
    assert.equal(response.status, 404);
    assertErrorShape((await response.json()) as { error: Record<string, unknown> }, 404, 'not_found');
  });
});

describe('upstream failures', () => {
  test('every route failing → 502 with the attempts listed and no upstream secrets', async () => {
    await fetch(`${simulator.url.replace('/v1', '')}/control/faults`, {
      method: 'POST',
      body: JSON.stringify({ status: 500, count: 3 }),
    });
    const response = await post(
      JSON.stringify({ model: 'good', messages: [{ role: 'user', content: 'x' }] }),
    );
    assert.equal(response.status, 502);
    assertErrorShape(response.json, 502, 'provider_unavailable');
    const attempts = response.json.error.metadata as {
      attempts: { route: string; upstreamStatus: number }[];
    };
    assert.equal(attempts.attempts.length, 3, 'the first try and two retries');
    assert.ok(attempts.attempts.every((attempt) => attempt.upstreamStatus === 500));
    assert.doesNotMatch(response.text, /127\.0\.0\.1|\/v1\/chat/, 'no upstream URL in the body');
  });

  test('an upstream 400 is returned to the client as a 400, not retried', async () => {
    await fetch(`${simulator.url.replace('/v1', '')}/control/faults`, {
      method: 'POST',
      body: JSON.stringify({ status: 400, count: 1, message: 'context too long for this worker' }),
    });
    const before = simulator.stats().chatRequests;
    const response = await post(
      JSON.stringify({ model: 'good', messages: [{ role: 'user', content: 'x' }] }),
    );
    assert.equal(response.status, 400);
    assert.match(String(response.json.error.message), /rejected the request: context too long/);
    assert.equal(simulator.stats().chatRequests - before, 1);
  });
});

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { chatBody, postChat, rootUrl } from './simulator-test-helpers.js';

function control(simulator: Simulator, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${rootUrl(simulator)}/control/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function healthStatus(simulator: Simulator): Promise<{ status: number; body: string }> {
  const response = await fetch(`${rootUrl(simulator)}/health`);
  return { status: response.status, body: await response.text() };
}

describe('simulator health toggle', () => {
  let simulator: Simulator;
  before(async () => {
    simulator = await startSimulator({});
  });
  after(() => simulator.close());
  beforeEach(async () => {
    await control(simulator, 'POST', 'reset');
  });

  test('POST /control/health sets the /health status until {"status":200}; chat keeps working', async () => {
    const set = await control(simulator, 'POST', 'health', { status: 503 });
    assert.equal(set.status, 200);
    assert.deepEqual(await set.json(), { status: 503, also_chat: false });
    assert.deepEqual(await healthStatus(simulator), { status: 503, body: '' });
    assert.deepEqual(await (await control(simulator, 'GET', 'health')).json(), {
      status: 503,
      also_chat: false,
    });
    const chat = await postChat(simulator, chatBody());
    assert.equal(chat.status, 200);
    await chat.body?.cancel();

    await control(simulator, 'POST', 'health', { status: 200 });
    assert.deepEqual(await healthStatus(simulator), { status: 200, body: '' });
  });

  test('also_chat makes chat requests fail with the health status, before faults are consumed', async () => {
    await control(simulator, 'POST', 'faults', { status: 429, count: 1 });
    await control(simulator, 'POST', 'health', { status: 503, also_chat: true });
    const refused = await postChat(simulator, chatBody({ stream: true }));
    assert.equal(refused.status, 503);
    const body = (await refused.json()) as { object: string; code: number; message: string };
    assert.equal(body.object, 'error');
    assert.equal(body.code, 503);
    assert.match(body.message, /unhealthy/);
    assert.equal(simulator.stats().errorResponses, 1);
    assert.equal(simulator.stats().faultsInjected, 0);

    await control(simulator, 'POST', 'health', { status: 200, also_chat: true });
    const faulted = await postChat(simulator, chatBody());
    assert.equal(faulted.status, 429, 'a healthy status never refuses chat; the pending fault applies');
    await faulted.body?.cancel();
    await control(simulator, 'DELETE', 'faults');
  });

  test('stats show the health status and count probes; reset restores both', async () => {
    await control(simulator, 'POST', 'health', { status: 500, also_chat: true });
    await healthStatus(simulator);
    await healthStatus(simulator);
    const stats = (await (await control(simulator, 'GET', 'stats')).json()) as Record<string, unknown>;
    assert.equal(stats.healthStatus, 500);
    assert.equal(stats.healthAlsoChat, true);
    assert.equal(stats.healthChecks, 2);
    assert.equal(stats.totalRequests, 2, '/health counts as a request, /control/* does not');

    const reset = (await (await control(simulator, 'POST', 'reset')).json()) as Record<string, unknown>;
    assert.equal(reset.healthStatus, 200);
    assert.equal(reset.healthAlsoChat, false);
    assert.equal(reset.healthChecks, 0);
    assert.deepEqual(await healthStatus(simulator), { status: 200, body: '' });
    assert.equal((await postChat(simulator, chatBody())).status, 200);
  });

  test('malformed health bodies answer 400 and change nothing', async () => {
    const cases: [unknown, RegExp][] = [
      ['not json', /must be JSON/],
      [[{ status: 503 }], /JSON object/],
      [{}, /status must be an HTTP status code/],
      [{ status: 99 }, /status must be an HTTP status code/],
      [{ status: 503.5 }, /status must be an HTTP status code/],
      [{ status: 503, also_chat: 'yes' }, /also_chat must be a boolean/],
      [{ status: 503, count: 1 }, /unknown health field "count"/],
    ];
    for (const [body, message] of cases) {
      const response = await control(simulator, 'POST', 'health', body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.match(((await response.json()) as { error: string }).error, message);
    }
    assert.equal((await control(simulator, 'DELETE', 'health')).status, 404);
    assert.deepEqual(await healthStatus(simulator), { status: 200, body: '' });
  });
});

describe('simulator healthStatus option', () => {
  test('sets the status at start and after a reset', async (t) => {
    const simulator = await startSimulator({ healthStatus: 503 });
    t.after(() => simulator.close());
    assert.equal((await healthStatus(simulator)).status, 503);
    assert.equal((await postChat(simulator, chatBody())).status, 200);
    await control(simulator, 'POST', 'health', { status: 200 });
    assert.equal((await healthStatus(simulator)).status, 200);
    await control(simulator, 'POST', 'reset');
    assert.equal((await healthStatus(simulator)).status, 503);
    assert.equal(simulator.stats().healthStatus, 503);
  });

  test('rejects a status outside 100..599', async () => {
    await assert.rejects(startSimulator({ healthStatus: 700 }), /healthStatus must be an HTTP status/);
  });
});

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { chatBody, parseSseData, postChat, rootUrl, waitFor } from './simulator-test-helpers.js';

function control(simulator: Simulator, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${rootUrl(simulator)}/control/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function readUntilError(response: Response): Promise<{ text: string; error: unknown }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, error: undefined };
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    return { text, error };
  }
}

describe('simulator fault injection', () => {
  let simulator: Simulator;
  before(async () => {
    simulator = await startSimulator({});
  });
  after(() => simulator.close());
  beforeEach(async () => {
    await control(simulator, 'DELETE', 'faults');
    await control(simulator, 'POST', 'reset');
  });

  test('status with count answers that many chat requests with an OpenAI-style error', async () => {
    const added = await control(simulator, 'POST', 'faults', { status: 503, count: 2 });
    assert.deepEqual(await added.json(), { faults: [{ status: 503, count: 2 }] });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const response = await postChat(simulator, chatBody());
      assert.equal(response.status, 503);
      const body = (await response.json()) as { error: Record<string, unknown> };
      assert.equal(body.error.code, 503);
      assert.equal(typeof body.error.message, 'string');
      assert.equal(typeof body.error.type, 'string');
    }
    assert.equal((await postChat(simulator, chatBody())).status, 200);
    assert.equal(simulator.stats().faultsInjected, 2);
    assert.equal(simulator.stats().errorResponses, 2);
  });

  test('429 carries Retry-After', async () => {
    await control(simulator, 'POST', 'faults', { status: 429, retry_after_s: 7, count: 1 });
    const response = await postChat(simulator, chatBody());
    assert.equal(response.status, 429);
    assert.equal(response.headers.get('retry-after'), '7');
    await response.body?.cancel();
  });

  test('faults queue in order; without count a fault lasts until DELETE', async () => {
    await control(simulator, 'POST', 'faults', [{ status: 500, count: 1 }, { status: 502 }]);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const response = await postChat(simulator, chatBody());
      statuses.push(response.status);
      await response.body?.cancel();
    }
    assert.deepEqual(statuses, [500, 502, 502]);
    assert.deepEqual(await (await control(simulator, 'GET', 'faults')).json(), { faults: [{ status: 502 }] });
    assert.deepEqual(await (await control(simulator, 'DELETE', 'faults')).json(), { faults: [] });
    assert.equal((await postChat(simulator, chatBody())).status, 200);
  });

  test('delay_ms holds the answer, then it proceeds normally', async () => {
    await control(simulator, 'POST', 'faults', { delay_ms: 80, count: 1 });
    const startedAt = performance.now();
    const response = await postChat(simulator, chatBody());
    assert.equal(response.status, 200);
    await response.json();
    assert.ok(performance.now() - startedAt >= 75);
  });

  test('drop_after_chunks ends the stream after N events without [DONE]', async () => {
    await control(simulator, 'POST', 'faults', { drop_after_chunks: 3, count: 1 });
    const response = await postChat(simulator, chatBody({ stream: true }));
    assert.equal(response.status, 200);
    const { text, error } = await readUntilError(response);
    assert.ok(error instanceof Error, 'the body read fails');
    assert.equal(parseSseData(text).length, 3);
    assert.ok(!text.includes('[DONE]'));
    await waitFor(() => simulator.stats().running === 0);
    // Without a stream the connection closes instead of the answer.
    await (await control(simulator, 'POST', 'faults', { drop_after_chunks: 0, count: 1 })).json();
    await assert.rejects(postChat(simulator, chatBody()));
  });

  test('hang never answers until the client gives up', async () => {
    await control(simulator, 'POST', 'faults', { hang: true, count: 1 });
    await assert.rejects(postChat(simulator, chatBody(), { signal: AbortSignal.timeout(60) }), {
      name: 'TimeoutError',
    });
    assert.equal((await postChat(simulator, chatBody())).status, 200);
  });

  test('invalid_json answers 200 with an unparseable body (and an unparseable event for streams)', async () => {
    await control(simulator, 'POST', 'faults', { invalid_json: true, count: 2 });
    const response = await postChat(simulator, chatBody());
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json');
    await assert.rejects(response.json());
    const stream = await postChat(simulator, chatBody({ stream: true }));
    const [data] = parseSseData(await stream.text());
    assert.throws(() => JSON.parse(data ?? '') as unknown);
  });

  test('malformed fault bodies are rejected with a 400 naming the problem', async () => {
    const unknownField = await control(simulator, 'POST', 'faults', { stauts: 503 });
    assert.equal(unknownField.status, 400);
    assert.match(((await unknownField.json()) as { error: string }).error, /stauts/);
    const noEffect = await control(simulator, 'POST', 'faults', { count: 2 });
    assert.equal(noEffect.status, 400);
    const badCount = await control(simulator, 'POST', 'faults', { status: 503, count: 0 });
    assert.equal(badCount.status, 400);
  });

  test('/control/stats reports counters and the last body; /control/reset zeroes them', async () => {
    await (await postChat(simulator, chatBody({ stream: true }), { headers: { 'x-test': 'yes' } })).text();
    const stats = (await (await control(simulator, 'GET', 'stats')).json()) as Record<string, unknown>;
    assert.equal(stats.chatRequests, 1);
    assert.equal(stats.streamRequests, 1);
    assert.equal(stats.completedRequests, 1);
    assert.deepEqual(stats.lastRequestBody, chatBody({ stream: true }));
    assert.equal((stats.lastRequestHeaders as Record<string, string>)['x-test'], 'yes');
    const reset = (await (await control(simulator, 'POST', 'reset')).json()) as Record<string, unknown>;
    assert.equal(reset.chatRequests, 0);
    assert.equal(reset.lastRequestBody, null);
  });
});

test('close() ends hanging, running and queued requests at once', async () => {
  const simulator = await startSimulator({ maxConcurrency: 1, ttftMs: 5000 });
  await (await control(simulator, 'POST', 'faults', { hang: true, count: 1 })).json();
  const hanging = postChat(simulator, chatBody());
  const running = postChat(simulator, chatBody());
  const queued = postChat(simulator, chatBody());
  await waitFor(() => simulator.stats().waiting === 1);
  const startedAt = performance.now();
  await simulator.close();
  assert.ok(performance.now() - startedAt < 1000);
  const outcomes = await Promise.allSettled([hanging, running, queued]);
  assert.deepEqual(
    outcomes.map((outcome) => outcome.status),
    ['rejected', 'rejected', 'rejected'],
  );
});

describe('simulator errorRate', () => {
  async function statuses(errorRate: number, seed: number): Promise<number[]> {
    const simulator = await startSimulator({ errorRate, seed });
    try {
      const result: number[] = [];
      for (let attempt = 0; attempt < 12; attempt += 1) {
        const response = await postChat(simulator, chatBody());
        result.push(response.status);
        await response.body?.cancel();
      }
      return result;
    } finally {
      await simulator.close();
    }
  }

  test('error draws are seeded and reproducible', async () => {
    const first = await statuses(0.5, 42);
    assert.deepEqual(await statuses(0.5, 42), first);
    assert.ok(first.includes(500) && first.includes(200), `mix of outcomes: ${first.join(',')}`);
  });

  test('errorRate 1 always answers a vLLM 500', async () => {
    const simulator = await startSimulator({ errorRate: 1 });
    try {
      const response = await postChat(simulator, chatBody());
      assert.equal(response.status, 500);
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(body.object, 'error');
      assert.equal(body.type, 'InternalServerError');
    } finally {
      await simulator.close();
    }
  });
});

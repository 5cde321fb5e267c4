import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';
import { upstreamArrivals } from '../helpers/upstream-arrivals.js';

let simulator: Simulator;

before(async () => {
  simulator = await startSimulator({ models: ['up'], responseTokens: 4 });
});

after(async () => {
  await simulator.close();
});

async function withGateway(
  environment: Record<string, string>,
  run: (gateway: GatewayUnderTest) => Promise<void>,
) {
  const gateway = await startGateway({
    modelsYaml: `models:\n  - id: m\n    route: [{ kind: vllm, base_url: "${simulator.url}", provider_model_id: up }]\n`,
    environment,
  });
  try {
    await run(gateway);
  } finally {
    await gateway.close();
  }
}

/** Polls (not a fixed sleep, which a loaded machine outruns) until `ready` holds; fails after 5 s. */
async function until(ready: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resolves once the admission queue of `gateway` has `count` requests waiting (its /metrics gauge). */
function queuedRequests(gateway: GatewayUnderTest, count: number): Promise<void> {
  return until(async () => {
    const text = await (await fetch(`${gateway.origin}/metrics`)).text();
    return text.includes(`gateway_queue_requests{state="waiting"} ${count}`);
  }, `${count} request(s) queued`);
}

function chat(gateway: GatewayUnderTest, body: Record<string, unknown> = {}) {
  return fetch(`${gateway.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...body }),
  }).then(async (response) => ({
    status: response.status,
    headers: response.headers,
    text: await response.text(),
  }));
}

describe('admission queue over HTTP', () => {
  test('beyond MAX_CONCURRENT_REQUESTS a request waits, and gets the slot when one frees', async () => {
    await withGateway(
      { MAX_CONCURRENT_REQUESTS: '1', REQUEST_QUEUE_TIMEOUT_SECONDS: '5' },
      async (gateway) => {
        const arrived = upstreamArrivals([simulator]);
        const first = chat(gateway, { sim: { ttft_ms: 300 } });
        await arrived;
        const startedAt = Date.now();
        const second = await chat(gateway);
        assert.equal(second.status, 200);
        assert.ok(Date.now() - startedAt >= 200, 'it waited for the first to finish');
        assert.equal((await first).status, 200);
      },
    );
  });

  test('a wait past REQUEST_QUEUE_TIMEOUT_SECONDS → 429 request_queue_timeout; a full queue → 429 queue_full', async () => {
    await withGateway(
      {
        MAX_CONCURRENT_REQUESTS: '1',
        REQUEST_QUEUE_MAX_WAITING_REQUESTS: '1',
        REQUEST_QUEUE_TIMEOUT_SECONDS: '0.2',
      },
      async (gateway) => {
        const arrived = upstreamArrivals([simulator]);
        const busy = chat(gateway, { sim: { ttft_ms: 600 } });
        await arrived;
        const waiting = chat(gateway);
        await queuedRequests(gateway, 1);
        const full = await chat(gateway);
        assert.equal(full.status, 429);
        assert.equal(full.headers.get('retry-after'), '1');
        assert.match(full.text, /"type":"gateway_overloaded"/);
        assert.match(full.text, /"reason":"queue_full"/);
        const timedOut = await waiting;
        assert.equal(timedOut.status, 429);
        assert.match(timedOut.text, /"reason":"request_queue_timeout"/);
        assert.equal((await busy).status, 200);
      },
    );
  });

  test('invalid requests are refused before they take a slot', async () => {
    await withGateway(
      { MAX_CONCURRENT_REQUESTS: '1', REQUEST_QUEUE_MAX_WAITING_REQUESTS: '0' },
      async (gateway) => {
        const arrived = upstreamArrivals([simulator]);
        const busy = chat(gateway, { sim: { ttft_ms: 300 } });
        await arrived;
        const invalid = await chat(gateway, { messages: 'nope' });
        assert.equal(invalid.status, 400, 'validation first: a 400, not a 429');
        await busy;
      },
    );
  });

  test('a stream gives its slot back when its route commits, not at its end', async () => {
    await withGateway(
      { MAX_CONCURRENT_REQUESTS: '1', REQUEST_QUEUE_TIMEOUT_SECONDS: '5' },
      async (gateway) => {
        // 4 tokens at 8 tokens/s: the stream commits at once and lasts about half a second.
        const arrived = upstreamArrivals([simulator]);
        const stream = chat(gateway, { stream: true, sim: { tokens_per_second: 8 } });
        await arrived;
        const startedAt = Date.now();
        assert.equal((await chat(gateway)).status, 200);
        assert.ok(Date.now() - startedAt < 250, 'admitted while the stream still runs');
        assert.match((await stream).text, /data: \[DONE\]/);
      },
    );
  });

  test('STREAMING_RELEASE_SLOT_AFTER_ROUTE_SELECTED=false holds the slot until the stream ends', async () => {
    await withGateway(
      {
        MAX_CONCURRENT_REQUESTS: '1',
        REQUEST_QUEUE_TIMEOUT_SECONDS: '5',
        STREAMING_RELEASE_SLOT_AFTER_ROUTE_SELECTED: 'false',
      },
      async (gateway) => {
        const arrived = upstreamArrivals([simulator]);
        const stream = chat(gateway, { stream: true, sim: { tokens_per_second: 8 } });
        await arrived;
        const startedAt = Date.now();
        assert.equal((await chat(gateway)).status, 200);
        assert.ok(Date.now() - startedAt >= 250, 'waited for the stream to end');
        await stream;
      },
    );
  });
});

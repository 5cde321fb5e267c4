import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSimulator } from '../../src/simulator/index.js';
import { chatBody, parseSseChunks, postChat, rootUrl, waitFor } from './simulator-test-helpers.js';

function metricValue(metricsText: string, sampleStart: string): number {
  const line = metricsText.split('\n').find((candidate) => candidate.startsWith(sampleStart));
  assert.ok(line, `metric line starting with ${sampleStart}`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('maxConcurrency 1: the second request waits FIFO and shows in the waiting gauge', async (t) => {
  const simulator = await startSimulator({ maxConcurrency: 1, ttftMs: 60 });
  t.after(() => simulator.close());
  const finishedOrder: string[] = [];
  const first = postChat(simulator, chatBody()).then(async (response) => {
    await response.json();
    finishedOrder.push('first');
  });
  await waitFor(() => simulator.stats().running === 1);
  const second = postChat(simulator, chatBody({ sim: { ttft_ms: 0 } })).then(async (response) => {
    await response.json();
    finishedOrder.push('second');
  });
  await waitFor(() => simulator.stats().waiting === 1);
  const metrics = await (await fetch(`${rootUrl(simulator)}/metrics`)).text();
  assert.equal(metricValue(metrics, 'vllm:num_requests_running{'), 1);
  assert.equal(metricValue(metrics, 'vllm:num_requests_waiting{'), 1);
  assert.equal(metricValue(metrics, 'vllm:kv_cache_usage_perc{'), 1);
  await Promise.all([first, second]);
  // The fast second request could only finish after the slow first one freed the slot.
  assert.deepEqual(finishedOrder, ['first', 'second']);
  assert.equal(simulator.stats().running, 0);
  assert.equal(simulator.stats().waiting, 0);
});

test('a client that leaves while waiting is removed from the queue', async (t) => {
  const simulator = await startSimulator({ maxConcurrency: 1, ttftMs: 80 });
  t.after(() => simulator.close());
  const first = postChat(simulator, chatBody());
  await waitFor(() => simulator.stats().running === 1);
  const controller = new AbortController();
  const second = postChat(simulator, chatBody(), { signal: controller.signal });
  await waitFor(() => simulator.stats().waiting === 1);
  controller.abort();
  await assert.rejects(second);
  await waitFor(() => simulator.stats().waiting === 0);
  assert.equal((await first).status, 200);
  await waitFor(() => simulator.stats().running === 0);
  assert.equal(simulator.stats().cancelledRequests, 1);
  assert.equal(simulator.stats().completedRequests, 1);
});

test('a streaming client that disconnects stops generation and frees its slot', async (t) => {
  const simulator = await startSimulator({ maxConcurrency: 1, tokensPerSecond: 50, responseTokens: 100 });
  t.after(() => simulator.close());
  const controller = new AbortController();
  const response = await postChat(simulator, chatBody({ stream: true }), { signal: controller.signal });
  const reader = response.body!.getReader();
  await reader.read();
  controller.abort();
  await waitFor(() => simulator.stats().running === 0);
  assert.equal(simulator.stats().cancelledRequests, 1);
  const metrics = await (await fetch(`${rootUrl(simulator)}/metrics`)).text();
  assert.equal(metricValue(metrics, 'vllm:request_success_total{engine="0",finished_reason="abort"'), 1);
  assert.ok(metricValue(metrics, 'vllm:generation_tokens_total{') < 100);
  // The slot is free again: a new request runs at once.
  const next = await postChat(simulator, chatBody({ sim: { tokens_per_second: 0, tokens: 2 } }));
  assert.equal(next.status, 200);
});

test('tokensPerSecond paces the stream after ttftMs', async (t) => {
  const simulator = await startSimulator({ ttftMs: 30, tokensPerSecond: 100, responseTokens: 5 });
  t.after(() => simulator.close());
  const startedAt = performance.now();
  const response = await postChat(simulator, chatBody({ stream: true }));
  const chunks = parseSseChunks(await response.text());
  const elapsedMs = performance.now() - startedAt;
  assert.equal(chunks.length, 6);
  // 30 ms to the first token, then 4 more tokens at 10 ms each.
  assert.ok(elapsedMs >= 65, `elapsed ${elapsedMs} ms`);
  assert.ok(elapsedMs < 1000, `elapsed ${elapsedMs} ms`);
});

test('/metrics exposes vLLM names, label model_name and exact token counters', async (t) => {
  const simulator = await startSimulator({ models: ['served-a', 'served-b'], responseTokens: 3 });
  t.after(() => simulator.close());
  await (await postChat(simulator, chatBody({ model: 'served-b' }))).json();
  await (await postChat(simulator, chatBody({ model: 'served-a', max_tokens: 2, stream: true }))).text();
  const response = await fetch(`${rootUrl(simulator)}/metrics`);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  for (const name of [
    '# TYPE vllm:num_requests_running gauge',
    '# TYPE vllm:num_requests_waiting gauge',
    '# TYPE vllm:kv_cache_usage_perc gauge',
    '# TYPE vllm:prompt_tokens counter',
    '# TYPE vllm:generation_tokens counter',
    '# TYPE vllm:request_success counter',
    '# TYPE vllm:time_to_first_token_seconds histogram',
    '# TYPE vllm:e2e_request_latency_seconds histogram',
    'vllm:time_to_first_token_seconds_bucket{engine="0",le="0.001",model_name="served-a"}',
    'vllm:time_to_first_token_seconds_bucket{engine="0",le="2560.0",model_name="served-a"}',
    'vllm:e2e_request_latency_seconds_bucket{engine="0",le="7680.0",model_name="served-a"}',
  ]) {
    assert.ok(text.includes(name), `metrics contain ${name}`);
  }
  assert.equal(metricValue(text, 'vllm:prompt_tokens_total{engine="0",model_name="served-a"}'), 16);
  assert.equal(metricValue(text, 'vllm:generation_tokens_total{'), 5);
  assert.equal(metricValue(text, 'vllm:request_success_total{engine="0",finished_reason="stop"'), 1);
  assert.equal(metricValue(text, 'vllm:request_success_total{engine="0",finished_reason="length"'), 1);
  assert.equal(metricValue(text, 'vllm:time_to_first_token_seconds_count{'), 2);
  assert.equal(metricValue(text, 'vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf"'), 2);
  assert.equal(metricValue(text, 'vllm:e2e_request_latency_seconds_count{'), 2);
});

test('the injected clock drives latency metrics', async (t) => {
  let nowMs = 1000;
  const simulator = await startSimulator({ clock: () => (nowMs += 150) });
  t.after(() => simulator.close());
  await (await postChat(simulator, chatBody())).json();
  const text = await (await fetch(`${rootUrl(simulator)}/metrics`)).text();
  // arrival at 1150, first token at 1300 → 0.15 s; finish at 1450 → 0.3 s.
  assert.equal(metricValue(text, 'vllm:time_to_first_token_seconds_sum{'), 0.15);
  assert.equal(metricValue(text, 'vllm:time_to_first_token_seconds_bucket{engine="0",le="0.1"'), 0);
  assert.equal(metricValue(text, 'vllm:time_to_first_token_seconds_bucket{engine="0",le="0.25"'), 1);
  assert.equal(metricValue(text, 'vllm:e2e_request_latency_seconds_sum{'), 0.3);
});

test('stream headers go out at once, like vLLM, while the first token waits for ttft', async (t) => {
  const simulator = await startSimulator({ ttftMs: 250 });
  t.after(() => simulator.close());
  const startedAt = performance.now();
  const response = await postChat(simulator, chatBody({ stream: true }));
  const headersMs = performance.now() - startedAt;
  await response.text();
  const bodyMs = performance.now() - startedAt;
  assert.ok(headersMs < 200, `headers after ${headersMs} ms`);
  assert.ok(bodyMs >= 240, `body after ${bodyMs} ms`);
});

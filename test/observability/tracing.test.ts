import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  readFixture,
  sendJson,
  sendSse,
  startFakeUpstream,
  type FakeUpstream,
} from '../adapters/openai-compatible/fake-upstream.js';
import { eventually, startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';

/** The client's own trace: the gateway's request span must join it. */
const CLIENT_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN_ID = '00f067aa0ba902b7';
const CLIENT_TRACEPARENT = `00-${CLIENT_TRACE_ID}-${CLIENT_SPAN_ID}-01`;

let failing: FakeUpstream;
let healthy: FakeUpstream;

before(async () => {
  failing = await startFakeUpstream((_request, response) =>
    sendJson(response, 503, '{"error":{"message":"overloaded"}}'),
  );
  healthy = await startFakeUpstream((request, response) => {
    const body = JSON.parse(request.body) as { stream?: boolean };
    if (body.stream === true) sendSse(response, readFixture('vllm-stream.sse'));
    else sendJson(response, 200, readFixture('vllm-chat.json'));
  });
});

after(async () => {
  await failing.close();
  await healthy.close();
});

/** Ranked: the failing route first, so every request falls back once. */
const modelsYaml = () => `models:
  - id: m
    pricing: { prompt: "0.000001", completion: "0.000002" }
    route:
      - { kind: openai_compat, base_url: "${failing.baseUrl}", provider_model_id: first-model, rank: 1 }
      - { kind: vllm, base_url: "${healthy.baseUrl}", provider_model_id: second-model, rank: 2 }
`;
const routingYaml = 'routing_strategy: ranked\nretry: { attempts: 0 }\n';

async function traced(run: (gateway: GatewayUnderTest, exporter: InMemorySpanExporter) => Promise<void>) {
  const exporter = new InMemorySpanExporter();
  const gateway = await startGateway({
    modelsYaml: modelsYaml(),
    routingYaml,
    dependencies: { spanExporter: exporter },
  });
  try {
    await run(gateway, exporter);
  } finally {
    await gateway.close();
  }
}

function spanNamed(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const span = spans.find((candidate) => candidate.name === name);
  assert.ok(span, `no span '${name}' among ${spans.map((candidate) => candidate.name).join(', ')}`);
  return span;
}

async function chat(gateway: GatewayUnderTest, stream: boolean, headers: Record<string, string> = {}) {
  const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      model: 'm',
      stream,
      max_tokens: 64,
      temperature: 0.5,
      messages: [{ role: 'user', content: 'capital of France?' }],
    }),
  });
  await response.text();
  return response;
}

describe('OpenTelemetry traces', () => {
  test('a request span joins the client trace, with one child span per attempt and GenAI attributes', async () => {
    await traced(async (gateway, exporter) => {
      const healthyBefore = healthy.requests.length;
      const response = await chat(gateway, false, { traceparent: CLIENT_TRACEPARENT });
      assert.equal(response.status, 200);
      await eventually(() => exporter.getFinishedSpans().length === 3);
      const spans = exporter.getFinishedSpans();
      const root = spanNamed(spans, 'chat m');
      const failed = spanNamed(spans, 'chat first-model');
      const served = spanNamed(spans, 'chat second-model');

      assert.equal(root.kind, SpanKind.SERVER);
      assert.equal(root.spanContext().traceId, CLIENT_TRACE_ID);
      assert.equal(root.parentSpanContext?.spanId, CLIENT_SPAN_ID);
      assert.deepEqual(
        {
          operation: root.attributes['gen_ai.operation.name'],
          requestModel: root.attributes['gen_ai.request.model'],
          responseModel: root.attributes['gen_ai.response.model'],
          responseId: root.attributes['gen_ai.response.id'],
          inputTokens: root.attributes['gen_ai.usage.input_tokens'],
          outputTokens: root.attributes['gen_ai.usage.output_tokens'],
          finishReasons: root.attributes['gen_ai.response.finish_reasons'],
          maxTokens: root.attributes['gen_ai.request.max_tokens'],
          temperature: root.attributes['gen_ai.request.temperature'],
          status: root.attributes['http.response.status_code'],
          attempts: root.attributes['hybrid_inference.attempts'],
          fallback: root.attributes['hybrid_inference.fallback'],
          cost: root.attributes['hybrid_inference.cost_usd'],
        },
        {
          operation: 'chat',
          requestModel: 'm',
          responseModel: 'm',
          responseId: response.headers.get('x-generation-id'),
          inputTokens: 42,
          outputTokens: 8,
          finishReasons: ['stop'],
          maxTokens: 64,
          temperature: 0.5,
          status: 200,
          attempts: 2,
          fallback: true,
          cost: 42 * 0.000001 + 8 * 0.000002,
        },
      );

      for (const attempt of [failed, served]) {
        assert.equal(attempt.kind, SpanKind.CLIENT);
        assert.equal(attempt.spanContext().traceId, CLIENT_TRACE_ID);
        assert.equal(attempt.parentSpanContext?.spanId, root.spanContext().spanId);
        assert.equal(attempt.attributes['server.address'], '127.0.0.1');
      }
      assert.equal(failed.status.code, SpanStatusCode.ERROR);
      assert.equal(failed.attributes['http.response.status_code'], 503);
      assert.equal(typeof failed.attributes['error.type'], 'string');
      assert.equal(served.status.code, SpanStatusCode.UNSET);
      assert.equal(served.attributes['gen_ai.request.model'], 'second-model');
      assert.equal(served.attributes['gen_ai.usage.input_tokens'], 42);
      assert.deepEqual(served.attributes['gen_ai.response.finish_reasons'], ['stop']);

      // Each upstream received the context of its own attempt span.
      const upstreamTraceparent = healthy.requests[healthyBefore]?.headers.traceparent;
      assert.equal(upstreamTraceparent, `00-${CLIENT_TRACE_ID}-${served.spanContext().spanId}-01`);
      assert.equal(
        failing.requests.at(-1)?.headers.traceparent,
        `00-${CLIENT_TRACE_ID}-${failed.spanContext().spanId}-01`,
      );
    });
  });

  test('a stream is traced to its end: usage and finish reason on both spans, a new trace without traceparent', async () => {
    await traced(async (gateway, exporter) => {
      const response = await chat(gateway, true);
      assert.equal(response.status, 200);
      await eventually(() => exporter.getFinishedSpans().length === 3);
      const spans = exporter.getFinishedSpans();
      const root = spanNamed(spans, 'chat m');
      const served = spanNamed(spans, 'chat second-model');
      assert.equal(root.parentSpanContext, undefined);
      assert.equal(root.attributes['hybrid_inference.stream'], true);
      assert.equal(typeof root.attributes['hybrid_inference.ttft_ms'], 'number');
      for (const span of [root, served]) {
        assert.equal(typeof span.attributes['gen_ai.usage.output_tokens'], 'number');
        assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop']);
      }
    });
  });

  test('a request refused before routing still gets its span, with the status and error type', async () => {
    await traced(async (gateway, exporter) => {
      const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'nope', messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(response.status, 404);
      const invalid = await fetch(`${gateway.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"model":',
      });
      assert.equal(invalid.status, 400);
      await eventually(() => exporter.getFinishedSpans().length === 2);
      const [unknown, malformed] = exporter.getFinishedSpans();
      assert.equal(unknown?.attributes['http.response.status_code'], 404);
      assert.equal(unknown?.attributes['error.type'], 'not_found');
      assert.equal(unknown?.status.code, SpanStatusCode.ERROR);
      assert.equal(malformed?.attributes['http.response.status_code'], 400);
      // Health and catalog requests are not traced.
      await fetch(`${gateway.origin}/health`);
      await fetch(`${gateway.origin}/v1/models`);
      assert.equal(exporter.getFinishedSpans().length, 2);
    });
  });

  test('without an OTLP endpoint nothing is traced and no trace context goes upstream', async () => {
    const gateway = await startGateway({ modelsYaml: modelsYaml(), routingYaml });
    try {
      const before = healthy.requests.length;
      assert.equal((await chat(gateway, false, { traceparent: CLIENT_TRACEPARENT })).status, 200);
      assert.equal(healthy.requests[before]?.headers.traceparent, undefined);
    } finally {
      await gateway.close();
    }
  });

  test('OTEL_EXPORTER_OTLP_ENDPOINT sends the spans to an OTLP/HTTP collector, flushed on close', async () => {
    const received: { path: string; body: string; headers: IncomingMessage['headers'] }[] = [];
    const collector = createServer((request, response) => {
      const parts: Buffer[] = [];
      request.on('data', (part: Buffer) => parts.push(part));
      request.on('end', () => {
        received.push({
          path: request.url ?? '',
          body: Buffer.concat(parts).toString('utf8'),
          headers: request.headers,
        });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as AddressInfo;
    const gateway = await startGateway({
      modelsYaml: modelsYaml(),
      routingYaml,
      environment: {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-key=secret-value',
        OTEL_SERVICE_NAME: 'gateway-under-test',
      },
    });
    try {
      assert.equal((await chat(gateway, false)).status, 200);
    } finally {
      await gateway.close();
      collector.close();
    }
    const exported = received.find((request) => request.path === '/v1/traces');
    assert.ok(
      exported,
      `the collector got ${received.map((request) => request.path).join(', ') || 'nothing'}`,
    );
    assert.equal(exported.headers['x-collector-key'], 'secret-value');
    for (const expected of [
      'gateway-under-test',
      'chat m',
      'chat second-model',
      'gen_ai.usage.input_tokens',
    ]) {
      assert.ok(exported.body.includes(expected), `the export lacks ${expected}`);
    }
  });
});

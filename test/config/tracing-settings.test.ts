import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConfigProblem } from '../../src/config/index.js';
import { readTracingSettings } from '../../src/config/tracing-settings.js';

function read(environment: Record<string, string>) {
  const problems: ConfigProblem[] = [];
  const settings = readTracingSettings(environment, 'environment', problems);
  return { settings, problems };
}

describe('tracing settings (OTEL_*)', () => {
  test('off without an endpoint; the traces URL is the base endpoint + /v1/traces, or the explicit one', () => {
    assert.equal(read({}).settings.endpoint, null);
    assert.equal(
      read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).settings.endpoint,
      'http://collector:4318/v1/traces',
    );
    assert.equal(
      read({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp',
      }).settings.endpoint,
      'https://traces.example/otlp',
    );
  });

  test('headers, service name and sample ratio are read; defaults otherwise', () => {
    const { settings, problems } = read({
      OTEL_EXPORTER_OTLP_HEADERS: 'X-Api-Key=abc%3D, x-team=ml',
      OTEL_SERVICE_NAME: 'edge-gateway',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(settings.headers, { 'x-api-key': 'abc=', 'x-team': 'ml' });
    assert.equal(settings.serviceName, 'edge-gateway');
    assert.equal(settings.sampleRatio, 0.25);
    assert.equal(read({}).settings.serviceName, 'hybrid-inference');
    assert.equal(read({}).settings.sampleRatio, 1);
  });

  test('each mistake is a problem naming the variable and the fix', () => {
    const { problems } = read({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'no-equals-sign',
      OTEL_TRACES_SAMPLER_ARG: '2',
    });
    assert.deepEqual(
      problems.map((problem) => problem.path),
      ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_TRACES_SAMPLER_ARG', 'OTEL_EXPORTER_OTLP_HEADERS'],
    );
    assert.match(problems[0]?.message ?? '', /http\(s\) URL/);
    assert.match(problems[1]?.message ?? '', /0 to 1/);
    assert.match(problems[2]?.message ?? '', /key=value/);
  });
});

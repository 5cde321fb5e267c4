import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { createLabelledCounter, createLabelledHistogram } from '../../src/observability/labelled-metrics.js';

// The labelled metrics replace prom-client's Counter and Histogram on the request path, so what they expose
// must be indistinguishable from what prom-client's own classes expose for the same observations: the text
// a scrape reads, the JSON a cluster worker sends, and the sums the cluster primary builds from that JSON.

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** Every bucket, each bound itself, 0, a negative value, above the last bound, and a float sum. */
const SECONDS = [
  0,
  -0.5,
  0.001,
  0.005,
  0.0050001,
  0.01,
  0.02,
  0.025,
  0.05,
  0.07,
  0.1,
  0.1 + 0.2,
  0.25,
  0.5,
  0.75,
  1,
  2.5,
  4.2,
  5,
  10,
  29.9,
  30,
  60,
  119.999,
  120,
  120.001,
  3600,
];
const LABEL_SETS: readonly (readonly [string, string, string])[] = [
  ['llama-3.1-8b', 'vllm', 'true'],
  ['gpt-4o', 'openai', 'false'],
  ['llama-3.1-8b', 'vllm', 'false'],
  // Values the exposition has to escape, and an empty one (a request that reached no provider).
  ['a "quoted" \\ model\nname', '', 'true'],
];

interface Pair {
  readonly labelled: Registry;
  readonly reference: Registry;
  /** Feeds one request's figures to both registries. */
  readonly record: (labels: readonly [string, string, string], seconds: number, tokens: number) => void;
}

function createPair(): Pair {
  const labelled = new Registry();
  const reference = new Registry();
  const definitions = {
    requests: { name: 'test_requests_total', help: 'Requests by model, provider and stream flag.' },
    tokens: { name: 'test_tokens_total', help: 'Tokens by model, provider and direction.' },
    cost: { name: 'test_cost_usd_total', help: 'Cost in USD by model.' },
    duration: { name: 'test_duration_seconds', help: 'Time to the last byte "quoted", a \\ and\na newline.' },
    ttft: { name: 'test_ttft_seconds', help: 'Time to the first token.' },
  };
  const requests = createLabelledCounter({
    ...definitions.requests,
    labelNames: ['model', 'provider', 'stream'],
    registry: labelled,
  });
  const tokens = createLabelledCounter({
    ...definitions.tokens,
    labelNames: ['model', 'provider', 'direction'],
    registry: labelled,
  });
  const cost = createLabelledCounter({ ...definitions.cost, labelNames: ['model'], registry: labelled });
  const duration = createLabelledHistogram({
    ...definitions.duration,
    labelNames: ['model', 'provider', 'stream'],
    buckets: BUCKETS,
    registry: labelled,
  });
  const ttft = createLabelledHistogram({
    ...definitions.ttft,
    labelNames: ['model', 'provider'],
    buckets: BUCKETS,
    registry: labelled,
  });
  const registers = [reference];
  const referenceRequests = new Counter({
    ...definitions.requests,
    labelNames: ['model', 'provider', 'stream'],
    registers,
  });
  const referenceTokens = new Counter({
    ...definitions.tokens,
    labelNames: ['model', 'provider', 'direction'],
    registers,
  });
  const referenceCost = new Counter({ ...definitions.cost, labelNames: ['model'], registers });
  const referenceDuration = new Histogram({
    ...definitions.duration,
    labelNames: ['model', 'provider', 'stream'],
    buckets: BUCKETS,
    registers,
  });
  const referenceTtft = new Histogram({
    ...definitions.ttft,
    labelNames: ['model', 'provider'],
    buckets: BUCKETS,
    registers,
  });

  const record: Pair['record'] = ([model, provider, stream], seconds, tokenCount) => {
    requests.labels(model, provider, stream).inc();
    referenceRequests.inc({ model, provider, stream });
    duration.labels(model, provider, stream).observe(seconds);
    referenceDuration.observe({ model, provider, stream }, seconds);
    if (stream === 'true') {
      ttft.labels(model, provider).observe(seconds / 7);
      referenceTtft.observe({ model, provider }, seconds / 7);
    }
    // 0 tokens still creates the series, as prom-client does.
    tokens.labels(model, provider, 'completion').inc(tokenCount);
    referenceTokens.inc({ model, provider, direction: 'completion' }, tokenCount);
    if (tokenCount > 0) {
      cost.labels(model).inc(tokenCount * 0.000001);
      referenceCost.inc({ model }, tokenCount * 0.000001);
    }
  };
  // A lookup alone exposes nothing: a series appears once it is first incremented.
  requests.labels('never-served', 'none', 'false');
  duration.labels('never-served', 'none', 'false');
  return { labelled, reference, record };
}

/** Every value for every label set; `offset` changes which combination is seen first. */
function feed(pair: Pair, offset: number): void {
  SECONDS.forEach((seconds, index) => {
    LABEL_SETS.forEach((_, setIndex) => {
      const labels = LABEL_SETS[(setIndex + offset) % LABEL_SETS.length]!;
      // The last label set only ever adds 0 tokens: its series must show, at 0.
      pair.record(labels, seconds, labels === LABEL_SETS[3] ? 0 : index * 37 + offset);
    });
  });
}

/** What a worker's registry looks like to the cluster primary: its JSON, through the IPC channel. */
async function sentOverIpc(registry: Registry): Promise<unknown[]> {
  return JSON.parse(JSON.stringify(await registry.getMetricsAsJSON())) as unknown[];
}

describe('labelled counters and histograms expose what prom-client exposes', () => {
  test('the same observations render the same text and the same JSON', async () => {
    const pair = createPair();
    assert.equal(await pair.labelled.metrics(), await pair.reference.metrics());
    feed(pair, 0);
    const text = await pair.labelled.metrics();
    assert.equal(text, await pair.reference.metrics());
    assert.deepStrictEqual(await pair.labelled.getMetricsAsJSON(), await pair.reference.getMetricsAsJSON());
    assert.doesNotMatch(text, /never-served/);
    // The figures themselves, not just agreement: a bound counts in its own bucket, 0 in the first.
    const llama = 'model="llama-3.1-8b",provider="vllm",stream="true"';
    assert.equal(sampleOf(text, `test_duration_seconds_bucket{le="0.005",${llama}}`), 4);
    assert.equal(sampleOf(text, `test_duration_seconds_bucket{le="120",${llama}}`), SECONDS.length - 2);
    assert.equal(sampleOf(text, `test_duration_seconds_count{${llama}}`), SECONDS.length);
    assert.ok(
      text.includes(
        'test_tokens_total{model="a \\"quoted\\" \\\\ model\\nname",provider="",direction="completion"} 0\n',
      ),
    );
  });

  test('the text stays the same after further observations on series already seen', async () => {
    const pair = createPair();
    feed(pair, 0);
    await pair.labelled.metrics();
    await pair.reference.metrics();
    feed(pair, 3);
    assert.equal(await pair.labelled.metrics(), await pair.reference.metrics());
    assert.deepStrictEqual(await pair.labelled.getMetricsAsJSON(), await pair.reference.getMetricsAsJSON());
  });

  test('Registry.resetMetrics empties them, and series looked up before still count afterwards', async () => {
    const registry = new Registry();
    const counter = createLabelledCounter({ name: 'test_total', help: 'h', labelNames: ['a'], registry });
    const histogram = createLabelledHistogram({
      name: 'test_seconds',
      help: 'h',
      labelNames: ['b'],
      buckets: [1],
      registry,
    });
    const series = counter.labels('x');
    series.inc(2);
    histogram.labels('y').observe(0.5);
    registry.resetMetrics();
    assert.equal(
      await registry.metrics(),
      '# HELP test_total h\n# TYPE test_total counter\n\n# HELP test_seconds h\n# TYPE test_seconds histogram\n',
    );
    series.inc();
    assert.match(await registry.metrics(), /^test_total\{a="x"\} 1$/m);
  });

  test('bad figures fail as they do with prom-client, and expose nothing', async () => {
    const registry = new Registry();
    const counter = createLabelledCounter({ name: 'test_total', help: 'h', labelNames: ['a'], registry });
    const histogram = createLabelledHistogram({
      name: 'test_seconds',
      help: 'h',
      labelNames: ['a'],
      buckets: [1],
      registry,
    });
    assert.throws(() => counter.labels('x').inc(-1), /It is not possible to decrease a counter/);
    assert.throws(() => counter.labels('x').inc(Infinity), TypeError);
    assert.throws(() => histogram.labels('x').observe(Number.NaN), TypeError);
    assert.throws(() => histogram.labels('x').observe(-Infinity), TypeError);
    assert.throws(
      () =>
        createLabelledHistogram({ name: 'test_le', help: 'h', labelNames: ['le'], buckets: [1], registry }),
      /le is a reserved label name/,
    );
    assert.throws(
      () => createLabelledCounter({ name: 'test_total', help: 'h', labelNames: ['a'], registry }),
      /already been registered/,
    );
    // @ts-expect-error one value per declared label
    assert.throws(() => counter.labels().inc(), /no value for the label a/);
    assert.throws(
      // @ts-expect-error an unlabelled metric stays a prom-client one
      () => createLabelledCounter({ name: 'test_unlabelled_total', help: 'h', labelNames: [], registry }),
      /0 labels/,
    );
    assert.doesNotMatch(await registry.metrics(), /a="x"/);
  });
});

describe('across `serve --workers N` (cluster aggregation)', () => {
  test("AggregatorRegistry.aggregate of two workers' JSON sums counters and histograms", async () => {
    const first = createPair();
    const second = createPair();
    feed(first, 0);
    feed(second, 1);
    const merged = await AggregatorRegistry.aggregate([
      await sentOverIpc(first.labelled),
      await sentOverIpc(second.labelled),
    ]).metrics();
    const mergedReference = await AggregatorRegistry.aggregate([
      await sentOverIpc(first.reference),
      await sentOverIpc(second.reference),
    ]).metrics();
    assert.equal(merged, mergedReference);

    const [firstText, secondText] = [await first.labelled.metrics(), await second.labelled.metrics()];
    assert.equal(total(merged, 'test_requests_total'), 2 * SECONDS.length * LABEL_SETS.length);
    assert.equal(total(merged, 'test_duration_seconds_count'), 2 * SECONDS.length * LABEL_SETS.length);
    const llama = 'model="llama-3.1-8b",provider="vllm",stream="true"';
    for (const series of [
      ...['0.005', '1', '120', '+Inf'].map((le) => `test_duration_seconds_bucket{le="${le}",${llama}}`),
      `test_duration_seconds_sum{${llama}}`,
      `test_duration_seconds_count{${llama}}`,
      'test_tokens_total{model="gpt-4o",provider="openai",direction="completion"}',
    ]) {
      const summed = sampleOf(firstText, series) + sampleOf(secondText, series);
      assert.ok(summed > 0, `${series} counts something`);
      assert.equal(sampleOf(merged, series), summed, series);
    }
  });
});

/** The value of one exposed series, given by its full name and labels as printed; 0 when absent. */
function sampleOf(text: string, series: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** The sum over every series of a metric name. */
function total(text: string, name: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

import type { Metric, Registry } from 'prom-client';
import { MAX_LABELS, SeriesIndex, type Labels } from './series-index.js';

/**
 * A metric's label names: one to six (MAX_LABELS). An unlabelled metric is better served by prom-client's
 * own classes, whose lookup is free without labels and which expose its zero series from the start.
 */
export type LabelNames =
  | readonly [string]
  | readonly [string, string]
  | readonly [string, string, string]
  | readonly [string, string, string, string]
  | readonly [string, string, string, string, string]
  | readonly [string, string, string, string, string, string];

/** One value per label name, in the order the metric declares its names. */
export type LabelValues<Names extends LabelNames> = { -readonly [Index in keyof Names]: string };

export interface LabelledMetricOptions<Names extends LabelNames> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: Names;
  /** Where the metric is exposed: `/metrics` and the `getMetricsAsJSON` a cluster worker sends. */
  readonly registry: Registry;
}

export interface LabelledHistogramOptions<Names extends LabelNames> extends LabelledMetricOptions<Names> {
  /** Upper bounds, ascending, in the observed unit; `+Inf` is implied. */
  readonly buckets: readonly number[];
}

export interface CounterSeries {
  /** Adds `amount` (default 1); throws on a negative or infinite amount, as prom-client's Counter does. */
  inc(amount?: number): void;
}

export interface HistogramSeries {
  /** Counts `value` in its bucket; throws on a value that is not a finite number, as prom-client does. */
  observe(value: number): void;
}

export interface LabelledCounter<Names extends LabelNames> {
  /** The series of one label combination; cheap to call per request (see {@link createLabelledCounter}). */
  labels(...values: LabelValues<Names>): CounterSeries;
}

export interface LabelledHistogram<Names extends LabelNames> {
  /** The series of one label combination; cheap to call per request (see {@link createLabelledHistogram}). */
  labels(...values: LabelValues<Names>): HistogramSeries;
}

/** A sample in prom-client's MetricObject shape, which the Registry renders and cluster workers send. */
interface Sample {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly metricName?: string;
  readonly exemplar?: null;
  readonly sharedLabels?: Labels;
}

interface MetricSnapshot {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly values: Sample[];
  readonly aggregator: 'sum';
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function checkNames(name: string, labelNames: readonly string[]): void {
  if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name: ${name}`);
  if (labelNames.length === 0 || labelNames.length > MAX_LABELS) {
    throw new Error(`${name}: ${labelNames.length} labels, not 1 to ${MAX_LABELS}`);
  }
  const invalid = labelNames.find((label) => !LABEL_NAME.test(label));
  if (invalid !== undefined) throw new Error(`${name}: invalid label name: ${invalid}`);
}

function register(registry: Registry, metric: { readonly name: string }): void {
  // prom-client types registerMetric for its own classes, but the Registry (and the cluster aggregation)
  // only reads name, help, type, aggregator and get() — the custom-metric contract these objects keep.
  registry.registerMetric(metric as unknown as Metric);
}

/**
 * What both metric kinds share: the series index, the exposed series in first-use order (the order prom-client
 * lists them in), the label lookup and reset.
 */
abstract class SeriesMetric<Series extends { clear(): void }> {
  readonly aggregator = 'sum';
  protected readonly listed: Series[] = [];
  readonly #index: SeriesIndex<Series>;

  constructor(
    public name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    create: (labels: Labels, listing: Series[]) => Series,
  ) {
    this.#index = new SeriesIndex(name, labelNames, (labels) => create(labels, this.listed));
  }

  // Separate parameters rather than a rest array: see MAX_LABELS in series-index.ts.
  labels(
    first?: string,
    second?: string,
    third?: string,
    fourth?: string,
    fifth?: string,
    sixth?: string,
  ): Series {
    return this.#index.find(first, second, third, fourth, fifth, sixth);
  }

  /** As `Registry.resetMetrics` expects; series handed out stay valid and reappear when used again. */
  reset(): void {
    for (const series of this.listed) series.clear();
    this.listed.length = 0;
  }
}

class Counted implements CounterSeries {
  value = 0;
  #listed = false;

  constructor(
    readonly labels: Labels,
    private readonly listing: Counted[],
  ) {}

  inc(amount = 1): void {
    // prom-client's own checks, so a bad figure fails (or, for NaN, passes) exactly as it did before.
    if (amount && !Number.isFinite(amount)) throw new TypeError(`Value is not a valid number: ${amount}`);
    if (amount < 0) throw new Error('It is not possible to decrease a counter');
    if (this.#listed) {
      this.value += amount;
      return;
    }
    // A series is exposed from its first increment (even by 0), not from its first lookup.
    this.value = amount;
    this.#listed = true;
    this.listing.push(this);
  }

  clear(): void {
    this.value = 0;
    this.#listed = false;
  }
}

class LabelledCounterMetric extends SeriesMetric<Counted> {
  readonly type = 'counter';

  constructor(name: string, help: string, labelNames: readonly string[]) {
    super(name, help, labelNames, (labels, listing) => new Counted(labels, listing));
  }

  async get(): Promise<MetricSnapshot> {
    return {
      help: this.help,
      name: this.name,
      type: this.type,
      values: this.listed.map((series) => ({ value: series.value, labels: series.labels })),
      aggregator: this.aggregator,
    };
  }
}

/**
 * A counter exposed like prom-client's `Counter` (same name, help, type, labels, values and cluster
 * aggregation), whose `labels(...)` finds the series by one Map lookup per label value and allocates nothing
 * once the combination has been seen. Label values are given in `labelNames` order.
 */
export function createLabelledCounter<const Names extends LabelNames>(
  options: LabelledMetricOptions<Names>,
): LabelledCounter<Names> {
  checkNames(options.name, options.labelNames);
  const metric = new LabelledCounterMetric(options.name, options.help, options.labelNames);
  register(options.registry, metric);
  // TypeScript cannot relate a generic label tuple to separate parameters; the tuple is what makes every
  // call site give one value per declared label.
  return metric as LabelledCounter<Names>;
}

class Bucketed implements HistogramSeries {
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  #listed = false;

  constructor(
    readonly labels: Labels,
    private readonly bounds: Float64Array,
    private readonly listing: Bucketed[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    // An index loop over a Float64Array: iterating a number[] of doubles boxes each bound (~130 B a call with 14 bounds).
    const bounds = this.bounds;
    let bucket = 0;
    while (bucket < bounds.length && value > (bounds[bucket] ?? Infinity)) bucket += 1;
    this.counts[bucket] = (this.counts[bucket] ?? 0) + 1;
    this.sum += value;
    this.count += 1;
    if (this.#listed) return;
    this.#listed = true;
    this.listing.push(this);
  }

  clear(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
    this.#listed = false;
  }
}

/** Series of one histogram: all share its bounds (a Float64Array made once). */
function bucketedSeries(bounds: Float64Array): (labels: Labels, listing: Bucketed[]) => Bucketed {
  return (labels, listing) => new Bucketed(labels, bounds, listing);
}

class LabelledHistogramMetric extends SeriesMetric<Bucketed> {
  readonly type = 'histogram';

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {
    super(name, help, labelNames, bucketedSeries(Float64Array.from(buckets)));
  }

  /** What `getMetricsAsJSON` (and so a cluster worker) sends: each sample carries all of its labels. */
  async get(): Promise<MetricSnapshot> {
    return this.#snapshot(true);
  }

  /**
   * What the text exposition reads: the series labels as `sharedLabels`, one object per series, which the
   * Registry flattens once and caches, as for prom-client's own Histogram.
   */
  async getForPromString(): Promise<MetricSnapshot> {
    return this.#snapshot(false);
  }

  /**
   * The samples prom-client's Histogram produces, in its order and shape: cumulative `_bucket` per bound then
   * `+Inf`, `_sum`, `_count`. `exemplar` is set as it sets it (null on buckets, undefined on the others) so
   * `getMetricsAsJSON` is deep-equal to what a prom-client Histogram gives.
   */
  #snapshot(splay: boolean): MetricSnapshot {
    const bucketName = `${this.name}_bucket`;
    const values: Sample[] = [];
    for (const series of this.listed) {
      const sample = (
        value: number,
        metricName: string,
        le: number | '+Inf' | null,
        exemplar: null | undefined,
      ): Sample => {
        if (splay) {
          const labels = le === null ? { ...series.labels } : { le, ...series.labels };
          return { value, metricName, exemplar, labels };
        }
        return {
          labels: le === null ? {} : { le },
          sharedLabels: series.labels,
          value,
          metricName,
          exemplar,
        };
      };
      let cumulative = 0;
      this.buckets.forEach((bound, index) => {
        cumulative += series.counts[index] ?? 0;
        values.push(sample(cumulative, bucketName, bound, null));
      });
      values.push(
        sample(series.count, bucketName, '+Inf', null),
        sample(series.sum, `${this.name}_sum`, null, undefined),
        sample(series.count, `${this.name}_count`, null, undefined),
      );
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

/**
 * A histogram exposed like prom-client's `Histogram` (same samples, label order, number formatting and
 * cluster aggregation), whose `labels(...)` finds the series by one Map lookup per label value; an
 * observation then allocates nothing. Label values are given in `labelNames` order.
 */
export function createLabelledHistogram<const Names extends LabelNames>(
  options: LabelledHistogramOptions<Names>,
): LabelledHistogram<Names> {
  checkNames(options.name, options.labelNames);
  const labelNames: readonly string[] = options.labelNames;
  if (labelNames.includes('le')) throw new Error(`${options.name}: le is a reserved label name`);
  const metric = new LabelledHistogramMetric(options.name, options.help, options.labelNames, [
    ...options.buckets,
  ]);
  register(options.registry, metric);
  // As for the counter: separate parameters behind the label tuple type.
  return metric as LabelledHistogram<Names>;
}

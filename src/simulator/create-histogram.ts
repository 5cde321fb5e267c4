/** A Prometheus histogram kept as plain numbers; rendered by {@link formatHistogram}. */
export interface Histogram {
  readonly name: string;
  readonly help: string;
  readonly bucketBounds: readonly number[];
  /** Per-bucket (non-cumulative) counts; the extra last slot is the +Inf bucket. */
  readonly bucketCounts: number[];
  sum: number;
  count: number;
}

/** Creates an empty histogram with the given upper bounds (seconds for vLLM's latency metrics). */
export function createHistogram(name: string, help: string, bucketBounds: readonly number[]): Histogram {
  return {
    name,
    help,
    bucketBounds,
    bucketCounts: new Array<number>(bucketBounds.length + 1).fill(0),
    sum: 0,
    count: 0,
  };
}

/** Records one observation. */
export function observeHistogram(histogram: Histogram, value: number): void {
  let index = 0;
  while (index < histogram.bucketBounds.length && value > (histogram.bucketBounds[index] ?? Infinity))
    index += 1;
  histogram.bucketCounts[index] = (histogram.bucketCounts[index] ?? 0) + 1;
  histogram.sum += value;
  histogram.count += 1;
}

/** Zeroes every bucket, the sum and the count. */
export function resetHistogram(histogram: Histogram): void {
  histogram.bucketCounts.fill(0);
  histogram.sum = 0;
  histogram.count = 0;
}

/** Renders `_bucket` (cumulative, sorted labels like prometheus_client), `_count` and `_sum` lines. */
export function formatHistogram(histogram: Histogram, labels: string): string {
  let text = `# HELP ${histogram.name} ${histogram.help}\n# TYPE ${histogram.name} histogram\n`;
  let cumulative = 0;
  for (let index = 0; index <= histogram.bucketBounds.length; index += 1) {
    cumulative += histogram.bucketCounts[index] ?? 0;
    const bound = histogram.bucketBounds[index];
    const le = bound === undefined ? '+Inf' : formatSampleValue(bound);
    text += `${histogram.name}_bucket{engine="0",le="${le}",${labels}} ${formatSampleValue(cumulative)}\n`;
  }
  text += `${histogram.name}_count{engine="0",${labels}} ${formatSampleValue(histogram.count)}\n`;
  text += `${histogram.name}_sum{engine="0",${labels}} ${formatSampleValue(histogram.sum)}\n`;
  return text;
}

/** Formats a sample like Python's prometheus_client: integers get a trailing `.0`. */
export function formatSampleValue(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

// Percentiles as every harness computes them, so their p50/p99 figures mean the same thing.

/** Numbers sorted ascending (a Float64Array sorts numerically). */
export function sortedOf(values) {
  return Float64Array.from(values).sort();
}

/** Nearest-rank percentile (`q` in 0..1) of an ascending array; NaN when it is empty. */
export function percentile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

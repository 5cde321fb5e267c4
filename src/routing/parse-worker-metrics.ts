/** The queue figures of a vLLM or SGLang worker, summed over every model it serves. */
export interface ParsedWorkerMetrics {
  readonly waiting: number;
  readonly running: number;
  readonly kvCacheUsage: number | null;
}

// vLLM (v1 and the older gpu_cache name) and SGLang names for the same three gauges.
const WAITING = new Set(['vllm:num_requests_waiting', 'sglang:num_queue_reqs']);
const RUNNING = new Set(['vllm:num_requests_running', 'sglang:num_running_reqs']);
const KV_CACHE = new Set(['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc', 'sglang:token_usage']);

/**
 * Reads the gauges that say how busy a worker is from its Prometheus text. Returns null when neither queue
 * gauge is present (not a vLLM/SGLang metrics page): the caller treats the worker as unknown.
 */
export function parseWorkerMetrics(text: string): ParsedWorkerMetrics | null {
  let waiting: number | null = null;
  let running: number | null = null;
  let kvCacheUsage: number | null = null;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const nameEnd = line.search(/[{\s]/);
    if (nameEnd <= 0) continue;
    const name = line.slice(0, nameEnd);
    const isWaiting = WAITING.has(name);
    const isRunning = RUNNING.has(name);
    const isKv = KV_CACHE.has(name);
    if (!isWaiting && !isRunning && !isKv) continue;
    // The value follows the closing brace of the labels (or the name); a timestamp may follow it.
    const rest = line.slice(line.lastIndexOf('}') + 1 || nameEnd).trim();
    const value = Number(rest.split(/\s+/)[0]);
    if (!Number.isFinite(value)) continue;
    if (isWaiting) waiting = (waiting ?? 0) + value;
    else if (isRunning) running = (running ?? 0) + value;
    else kvCacheUsage = Math.max(kvCacheUsage ?? 0, value);
  }
  if (waiting === null && running === null) return null;
  return { waiting: waiting ?? 0, running: running ?? 0, kvCacheUsage };
}

import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

const REQUEST_TYPE = 'hybrid-inference:cluster-metrics';
const RESPONSE_TYPE = 'hybrid-inference:cluster-metrics-result';
/** prom-client gives up on a worker after 5 s; the asking worker waits a little longer than that. */
const ANSWER_TIMEOUT_MS = 6000;

interface MetricsRequest {
  readonly type: typeof REQUEST_TYPE;
  readonly id: number;
}

interface MetricsResponse {
  readonly type: typeof RESPONSE_TYPE;
  readonly id: number;
  readonly text?: string;
  readonly error?: string;
}

function isMessage<T extends { type: string }>(message: unknown, type: T['type']): message is T {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}

/**
 * In the primary of `serve --workers N`: answers a worker's request for the metrics of every worker, merged by
 * prom-client's aggregator (counters and histograms summed, gauges as each declares).
 */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage<MetricsRequest>(message, REQUEST_TYPE)) return;
    const answer = (response: Omit<MetricsResponse, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: RESPONSE_TYPE, id: message.id, ...response });
    };
    aggregator.clusterMetrics().then(
      (text) => answer({ text }),
      (error: unknown) => answer({ error: error instanceof Error ? error.message : String(error) }),
    );
  });
}

/**
 * In a worker of `serve --workers N`: exposes `registry` to the primary's aggregation and returns the render
 * function `/metrics` uses, which asks the primary for every worker's figures merged — a scrape that lands on
 * any worker sees the whole gateway, so `rate()` is right. Null outside a cluster worker.
 */
export function createClusterRender(registry: Registry): (() => Promise<string>) | null {
  const send = process.send?.bind(process);
  if (!cluster.isWorker || send === undefined) return null;
  AggregatorRegistry.setRegistries([registry]);
  // prom-client installs the worker's answering listener when an AggregatorRegistry is constructed.
  new AggregatorRegistry();
  let nextId = 0;
  const pending = new Map<number, (response: MetricsResponse | null) => void>();
  process.on('message', (message: unknown) => {
    if (!isMessage<MetricsResponse>(message, RESPONSE_TYPE)) return;
    pending.get(message.id)?.(message);
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      nextId += 1;
      const id = nextId;
      const timer = setTimeout(() => settle(null), ANSWER_TIMEOUT_MS);
      const settle = (response: MetricsResponse | null) => {
        pending.delete(id);
        clearTimeout(timer);
        if (response?.text !== undefined) resolve(response.text);
        else
          reject(new Error(`the cluster's metrics could not be merged: ${response?.error ?? 'no answer'}`));
      };
      pending.set(id, settle);
      send({ type: REQUEST_TYPE, id } satisfies MetricsRequest);
    });
}

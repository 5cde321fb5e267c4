import type { IncomingHttpHeaders } from 'node:http';
import { createFaultInjector, type FaultInjector } from './fault-injector.js';
import type { HealthState } from './health-state.js';
import { createPrng, type Prng } from './create-prng.js';
import { createRequestQueue, type RequestQueue } from './create-request-queue.js';
import { createSimulatorMetrics, type SimulatorMetrics } from './create-simulator-metrics.js';
import type { SimulatorOptions } from './simulator-options.js';

/** Counters and the last chat request seen, as returned by `stats()` and `GET /control/stats`. */
export interface SimulatorStats {
  /** Chat requests generating right now. */
  running: number;
  /** Chat requests queued behind `maxConcurrency`. */
  waiting: number;
  /** Every HTTP request except `/control/*`. */
  totalRequests: number;
  chatRequests: number;
  streamRequests: number;
  /** Chat requests answered in full (stream or not). */
  completedRequests: number;
  /** Chat requests whose client disconnected before the answer was complete. */
  cancelledRequests: number;
  /** Chat requests answered with a 4xx/5xx status (validation, `errorRate`, injected faults). */
  errorResponses: number;
  /** Chat requests that consumed an injected fault. */
  faultsInjected: number;
  /** `GET /health` probes answered (whatever the status). */
  healthChecks: number;
  /** What `GET /health` answers now (200 unless changed by `POST /control/health`). */
  healthStatus: number;
  /** Whether chat requests fail with `healthStatus` too (set by `also_chat`; only when it is not 2xx). */
  healthAlsoChat: boolean;
  /** Parsed JSON of the last chat request (the raw text when it was not JSON), or null. */
  lastRequestBody: unknown;
  /** Headers of the last chat request (lower-case names, as node parses them), or null. */
  lastRequestHeaders: IncomingHttpHeaders | null;
}

type Counters = Omit<
  SimulatorStats,
  'running' | 'waiting' | 'healthStatus' | 'healthAlsoChat' | 'lastRequestBody' | 'lastRequestHeaders'
>;

/** Everything the request handlers share: options, queue, metrics, faults, counters and live timers. */
export interface SimulatorContext {
  readonly options: SimulatorOptions;
  readonly clock: () => number;
  readonly modelNames: ReadonlySet<string>;
  readonly queue: RequestQueue;
  readonly metrics: SimulatorMetrics;
  readonly faults: FaultInjector;
  readonly counters: Counters;
  /** What `GET /health` answers; changed by `POST /control/health`, restored by reset. */
  health: HealthState;
  /** Draws for `errorRate`; replaced on reset so runs are reproducible. */
  errorRandom: Prng;
  lastRequestBody: unknown;
  lastRequestHeaders: IncomingHttpHeaders | null;
  /** Cancel callbacks of requests with pending timers, so `close()` leaves no timer behind. */
  readonly pendingCancels: Set<() => void>;
}

function createCounters(): Counters {
  return {
    totalRequests: 0,
    chatRequests: 0,
    streamRequests: 0,
    completedRequests: 0,
    cancelledRequests: 0,
    errorResponses: 0,
    faultsInjected: 0,
    healthChecks: 0,
  };
}

/** Builds the shared state of one simulator from resolved options. */
export function createSimulatorContext(options: SimulatorOptions): SimulatorContext {
  return {
    options,
    clock: options.clock ?? (() => performance.now()),
    modelNames: new Set(options.models),
    queue: createRequestQueue(options.maxConcurrency),
    metrics: createSimulatorMetrics(options.models[0] ?? 'sim-model'),
    faults: createFaultInjector(),
    counters: createCounters(),
    health: { status: options.healthStatus, alsoChat: false },
    errorRandom: createPrng(options.seed),
    lastRequestBody: null,
    lastRequestHeaders: null,
    pendingCancels: new Set(),
  };
}

/** A JSON-safe copy of the counters, the queue gauges and the last request. */
export function snapshotStats(context: SimulatorContext): SimulatorStats {
  return {
    running: context.queue.running,
    waiting: context.queue.waiting,
    ...context.counters,
    healthStatus: context.health.status,
    healthAlsoChat: context.health.alsoChat,
    lastRequestBody: context.lastRequestBody,
    lastRequestHeaders: context.lastRequestHeaders,
  };
}

/**
 * Zeroes counters and metrics, forgets the last request, restarts the error PRNG and restores the health
 * status to the `healthStatus` option (faults stay).
 */
export function resetStats(context: SimulatorContext): void {
  Object.assign(context.counters, createCounters());
  context.health = { status: context.options.healthStatus, alsoChat: false };
  context.metrics.reset();
  context.errorRandom = createPrng(context.options.seed);
  context.lastRequestBody = null;
  context.lastRequestHeaders = null;
}

/** KV-cache usage derived from occupancy: running / maxConcurrency (256, vLLM's max_num_seqs, if unlimited). */
export function kvCacheUsage(context: SimulatorContext): number {
  return Math.min(1, context.queue.running / (context.queue.maxConcurrency || 256));
}

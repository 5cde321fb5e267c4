import type { Dispatcher } from 'undici';
import type { CancelSignal, ChatRequest, ChatResult, RouteTarget, StreamPart } from '../spec/index.js';

/**
 * One upstream route behind one wire protocol. Canonical request in, canonical result or stream of parts out;
 * failures are thrown as GatewayError with `upstreamReason`, `isRetryable`, `upstreamStatus` and
 * `retryAfterMs` set. No routing, no logging, no usage estimation: those belong to the gateway.
 */
export interface Adapter {
  /** The route id, e.g. `vllm/llama-3.1-8b-instruct`. */
  readonly id: string;
  readonly route: RouteTarget;
  complete(request: ChatRequest, options: AdapterCallOptions): Promise<ChatResult>;
  /** Parts are yielded as the upstream sends them; the iterator throws on failure, also mid-stream. */
  stream(request: ChatRequest, options: AdapterCallOptions): AsyncIterable<StreamPart>;
  /** Model ids the upstream serves (`GET {base_url}/models`). */
  listModels?(options: AdapterCallOptions): Promise<string[]>;
}

export interface AdapterCallOptions {
  /** Aborts the upstream request at once (client disconnect, deadline). */
  readonly signal: CancelSignal;
  /**
   * Told when a successful answer spent the upstream's quota (`x-ratelimit-remaining-*: 0`), with the ms until
   * it resets: the router cools the route down instead of running into the 429.
   */
  readonly onQuotaExhausted?: (resetMs: number) => void;
  /**
   * Headers to send upstream with this call besides the route's own: the W3C trace context (`traceparent`,
   * `tracestate`) of the attempt's span when tracing is on. Never credentials.
   */
  readonly traceHeaders?: Readonly<Record<string, string>>;
}

export interface AdapterTimeouts {
  /** Connection establishment, ms. */
  readonly connectMs: number;
  /** Until the response headers and, for streams, the first chunk, ms. */
  readonly ttftMs: number;
  /** Longest silence between two stream chunks, ms. */
  readonly idleMs: number;
}

/** What adapters share: connection pools (one per upstream origin) and timeouts. */
export interface AdapterDependencies {
  /** The keep-alive undici Pool for an origin such as `http://127.0.0.1:8000`. */
  readonly dispatcherFor: (origin: string) => Dispatcher;
  readonly timeouts: AdapterTimeouts;
}

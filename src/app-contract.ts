import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ApiKeyStore } from './auth/api-key-store.js';
import type { Config } from './config/index.js';
import type { RequestRecord } from './gateway/request-record.js';
import type { RouteStates } from './routing/route-states.js';
import type { StateStore } from './state/state-store.js';
import type { RequestLogStore, RequestLogWriter } from './storage/index.js';
import type { CancelSignal } from './spec/index.js';

/** Things tests replace: clock, randomness, sleeping, the logger, a tap on finished requests. */
export interface AppDependencies {
  readonly logger?: Logger;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly sleep?: (delayMs: number, signal: CancelSignal) => Promise<void>;
  readonly onRecord?: (record: RequestRecord) => void;
  /** The state store (limits, cooldowns); default: the one `STATE_STORE` names. Closed with the app. */
  readonly store?: StateStore;
  /** The request log; default: SQLite or PostgreSQL as configured; null turns it off. Closed with the app. */
  readonly requestLog?: RequestLogStore | null;
  /** Where trace spans go instead of OTLP; tracing is on when this is given or an OTLP endpoint is set. */
  readonly spanExporter?: SpanExporter;
  /** Client keys and their spend; default: tables in the request log's database. Closed with the app. */
  readonly keyStore?: ApiKeyStore;
}

export interface App {
  readonly server: FastifyInstance;
  /** Live route states (health, circuits, cooldowns, in-flight, latency). */
  readonly states: RouteStates;
  readonly store: StateStore;
  /** The batching request-log writer, null when logging to a database is off. */
  readonly requestLog: RequestLogWriter | null;
  /**
   * Puts a new, already validated config in force: new requests use it, requests in flight finish on the
   * one they started with. Route state (health, circuits, cooldowns) is kept for routes that keep their id.
   * Listening address, body limit and log level only change with a restart.
   */
  reload(config: Config): void;
  /** One round of active health checks and worker scrapes now (tests; the timers do it in service). */
  refreshHealth(): Promise<void>;
  /** Stops accepting, lets in-flight requests finish, closes upstream pools. */
  close(): Promise<void>;
}

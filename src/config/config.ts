import type { Pricing, QuotaLimits, RouteTarget } from '../spec/index.js';
import type { RoutingStrategyName } from './routing-settings.js';
import type { TracingSettings } from './tracing-settings.js';

export type { RoutingStrategyName } from './routing-settings.js';
export type { TracingSettings } from './tracing-settings.js';

/** Request and token quotas from models.yaml `limits:` (enforced by the limits layer). */
export type Limits = QuotaLimits;

export type DisabledReason = 'missing_api_key' | 'offload' | 'disabled_in_config';

/** A configured route that does not take traffic, and why (shown in /health and check-config). */
export interface DisabledRoute {
  readonly id: string;
  readonly provider: string;
  readonly reason: DisabledReason;
  readonly detail: string;
}

/** One public model with its enabled routes, resolved from models.yaml. */
export interface ModelEntry {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** Unix seconds. */
  readonly created: number;
  readonly aliases: readonly string[];
  readonly contextLength: number;
  readonly maxOutputTokens: number;
  readonly supportsTools: boolean;
  readonly supportsStructuredOutput: boolean;
  readonly supportsReasoning: boolean;
  readonly supportedParameters: readonly string[];
  readonly pricing: Pricing;
  readonly inputModalities: readonly string[];
  readonly outputModalities: readonly string[];
  readonly tokenizer: string;
  readonly quantization: string | null;
  readonly limits: Limits;
  readonly routes: readonly RouteTarget[];
  readonly disabledRoutes: readonly DisabledRoute[];
}

export interface RoutingSettings {
  readonly strategy: RoutingStrategyName;
  /** Share of traffic for local routes under the `fixed` strategy, 0..1. */
  readonly localFraction: number;
  readonly healthCheckIntervalMs: number;
  readonly healthCheckTimeoutMs: number;
  readonly maxWaiting: number;
  /** load-aware: latency target for local admission. */
  readonly targetTtftMs: number;
  /** load-aware: how often local vLLM/SGLang workers' `/metrics` are scraped. */
  readonly scrapeIntervalMs: number;
  /** load-aware: a scrape older than this counts as saturated. */
  readonly staleAfterMs: number;
  /** load-aware: a spilled local route takes traffic again once its queue is ≤ max_waiting × hysteresis. */
  readonly hysteresis: number;
  /** load-aware: KV-cache use (0..1) at which a local worker counts as full. */
  readonly kvCacheLimit: number;
  /** least-latency: share of requests sent to a random route to keep every route's EWMA fresh. */
  readonly exploration: number;
  /** Weight of the newest sample in the latency / TTFT / throughput EWMAs. */
  readonly ewmaAlpha: number;
  /** Active health checks also call `GET /models` on remote routes. */
  readonly checkRemote: boolean;
  /** Model id that runs the ranked waterfall over every enabled route. */
  readonly autoModel: string;
  /** Normalised endpoint URLs (no trailing `/` or `/v1`) of local and remote deployments. */
  readonly localEndpoints: readonly string[];
  readonly remoteEndpoints: readonly string[];
  readonly retry: { readonly attempts: number; readonly backoffMs: number; readonly maxBackoffMs: number };
  readonly timeouts: {
    readonly connectMs: number;
    /** Longest wait for the upstream's response headers / first chunk. */
    readonly ttftMs: number;
    /** Longest silence between two stream chunks. */
    readonly idleMs: number;
    readonly totalMs: number;
    /** Silence after which a `: keep-alive` comment is written to a waiting SSE client. */
    readonly keepAliveMs: number;
    /** Non-stream: longest wait for one attempt's whole answer before it counts as timed out; null = total only. */
    readonly attemptMs: number | null;
  };
  readonly circuitBreaker: {
    /** Consecutive failures that open the circuit. */
    readonly failureThreshold: number;
    /** How long an open circuit stays open before one probe is let through (half-open). */
    readonly cooldownMs: number;
    /** Failure share over the window that opens the circuit, once `minRequests` were seen. */
    readonly failureRate: number;
    readonly windowMs: number;
    readonly minRequests: number;
  };
  readonly cooldowns: {
    /** Route cooldown after a 429 that named no reset time. */
    readonly rateLimitMs: number;
    /** Provider-wide cooldown after a 401/403 (the key is wrong for every route of that provider). */
    readonly authErrorMs: number;
    /** Route cooldown after the upstream said it does not know the model. */
    readonly modelNotFoundMs: number;
  };
}

export interface ServerSettings {
  readonly host: string;
  readonly port: number;
  readonly bodyLimitBytes: number;
  readonly logLevel: string;
  readonly adminApiKey: string | null;
  /** `METRICS_REQUIRE_AUTH=true`: `/metrics` needs the admin key too. */
  readonly metricsRequireAuth: boolean;
}

export interface StorageSettings {
  readonly useSqlite: boolean;
  readonly sqlitePath: string;
  readonly databaseUrl: string | null;
  /** `LOG_CONTENT=true`: prompt and response text in the request log (hashes are always kept). */
  readonly logContent: boolean;
  /** Where rows wait while the database is down and the queue is full (`REQUEST_LOG_SPILL_PATH`). */
  readonly spillPath: string;
  /** Rows the writer holds in memory while the database is slow or down; more spill to `spillPath`. */
  readonly maxQueuedRows: number;
}

export interface AdmissionSettings {
  /** Requests handled at once by this process; more wait in the queue (`MAX_CONCURRENT_REQUESTS`). */
  readonly maxConcurrent: number;
  /** Requests that may wait; more are refused at once with 429 `queue_full`. */
  readonly maxWaiting: number;
  /** Longest wait for a slot before 429 `request_queue_timeout`. */
  readonly queueTimeoutMs: number;
  /** A stream gives its slot back when its route commits (default) instead of at its end. */
  readonly releaseStreamAtCommit: boolean;
}

export interface StateSettings {
  /** Where limits, cooldowns and circuit state live (`STATE_STORE`). */
  readonly store: 'memory' | 'sqlite' | 'redis';
  readonly redisUrl: string | null;
  /** Namespace of every Redis key (`REDIS_KEY_PREFIX`, default `hi:`): several gateways can share a Redis. */
  readonly redisKeyPrefix: string;
  readonly sqlitePath: string;
}

/** Client keys, admin access and HTTP hygiene (docs/security.md). */
export interface SecuritySettings {
  /**
   * `AUTH_MODE`: `keys` (every `/v1` and `/api/v1` request needs a client key), `none`, or `auto` when unset:
   * keys once one exists or when bound to a non-loopback address, none only on loopback without keys.
   */
  readonly authMode: 'keys' | 'none' | 'auto';
  /** `KEY_HASH_SECRET`: client key hashes are HMAC-SHA256 with it; null = plain SHA-256. */
  readonly keyHashSecret: string | null;
  /** `KEY_CACHE_TTL_SECONDS` (default 10): the in-memory key table is reloaded this often (other processes' changes). */
  readonly keyCacheTtlMs: number;
  /**
   * `TRUST_PROXY`: false (default) = the client address is the socket peer; true = the first
   * `X-Forwarded-For` address; a number = that many proxy hops; a list = the proxies (IPs, CIDRs) to believe.
   */
  readonly trustProxy: boolean | number | readonly string[];
  /** `CORS_ORIGINS` (default `*`): origins browsers may call `/v1` and `/api/v1` from; empty = no CORS. */
  readonly corsOrigins: readonly string[];
  /** `CORS_ADMIN_ORIGINS` (default none): origins allowed on `/admin`, `/routing`, `/stats`, `/metrics`. */
  readonly corsAdminOrigins: readonly string[];
  /** `MAX_REQUEST_HEADER_BYTES` (default 16384): larger request headers are refused with 431. */
  readonly maxHeaderBytes: number;
}

/** Everything the gateway needs, loaded and validated once at start, then passed down (never re-read). */
export interface Config {
  readonly server: ServerSettings;
  readonly models: readonly ModelEntry[];
  readonly routing: RoutingSettings;
  readonly storage: StorageSettings;
  readonly admission: AdmissionSettings;
  /** `RATE_LIMIT_ENABLED`: false turns every models.yaml quota off (the request queue stays). */
  readonly limitsEnabled: boolean;
  readonly state: StateSettings;
  readonly security: SecuritySettings;
  readonly tracing: TracingSettings;
  readonly offload: { readonly enabled: boolean; readonly localBaseUrl: string | null };
  readonly sources: { readonly modelsPath: string; readonly routingPath: string | null };
  /** One line per thing the operator should know (disabled routes, ignored settings). */
  readonly warnings: readonly string[];
}

import type { Pricing, RouteTarget } from '../spec/index.js';
import type { RoutingStrategyName } from './routing-settings.js';

export type { RoutingStrategyName } from './routing-settings.js';

/** Request and token quotas from models.yaml `limits:` (enforced by the limits layer). */
export interface Limits {
  readonly rpm?: number;
  readonly rpd?: number;
  readonly tpm?: number;
  readonly tpd?: number;
  readonly max_concurrency?: number;
}

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
  readonly targetTtftMs: number;
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
  };
  readonly circuitBreaker: { readonly failureThreshold: number; readonly cooldownMs: number };
}

export interface ServerSettings {
  readonly host: string;
  readonly port: number;
  readonly bodyLimitBytes: number;
  readonly logLevel: string;
  readonly adminApiKey: string | null;
}

export interface StorageSettings {
  readonly useSqlite: boolean;
  readonly sqlitePath: string;
  readonly databaseUrl: string | null;
}

/** Everything the gateway needs, loaded and validated once at start, then passed down (never re-read). */
export interface Config {
  readonly server: ServerSettings;
  readonly models: readonly ModelEntry[];
  readonly routing: RoutingSettings;
  readonly storage: StorageSettings;
  readonly offload: { readonly enabled: boolean; readonly localBaseUrl: string | null };
  readonly sources: { readonly modelsPath: string; readonly routingPath: string | null };
  /** One line per thing the operator should know (disabled routes, ignored settings). */
  readonly warnings: readonly string[];
}

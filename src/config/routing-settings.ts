import type { RoutingFile } from './schema.js';
import { normalizeEndpoint } from './normalize-endpoint.js';

import type { ROUTING_STRATEGIES } from './schema.js';

export type RoutingStrategyName = (typeof ROUTING_STRATEGIES)[number];

/** Resolves routing.yaml (already validated) into settings with every default filled in. */
export function resolveRoutingSettings(file: RoutingFile | null) {
  const parameter = file?.routing_parameter ?? {};
  const retry = file?.retry ?? {};
  const timeouts = file?.timeouts ?? {};
  const breaker = file?.circuit_breaker ?? {};
  const cooldowns = file?.cooldowns ?? {};
  const scrapeIntervalMs = parameter.scrape_interval_ms ?? 1000;
  const hasDeployments = (file?.local_deployment?.length ?? 0) + (file?.remote_deployment?.length ?? 0) > 0;
  return {
    // Without a routing.yaml the models.yaml weights are the split; with deployments the seed's fixed split.
    strategy: file?.routing_strategy ?? (hasDeployments ? 'fixed' : 'weighted'),
    localFraction: parameter.local_fraction ?? 0.5,
    healthCheckIntervalMs: (parameter.health_check ?? 0) * 1000,
    healthCheckTimeoutMs: (parameter.timeout ?? 2) * 1000,
    maxWaiting: parameter.max_waiting ?? 4,
    targetTtftMs: parameter.target_ttft_ms ?? 1500,
    scrapeIntervalMs,
    staleAfterMs: parameter.stale_after_ms ?? scrapeIntervalMs * 3,
    hysteresis: parameter.hysteresis ?? 0.5,
    kvCacheLimit: parameter.kv_cache_limit ?? 0.95,
    exploration: parameter.exploration ?? 0.05,
    ewmaAlpha: parameter.ewma_alpha ?? 0.2,
    checkRemote: parameter.check_remote ?? false,
    autoModel: file?.auto_model ?? 'auto',
    localEndpoints: (file?.local_deployment ?? []).map((deployment) =>
      normalizeEndpoint(deployment.endpoint),
    ),
    remoteEndpoints: (file?.remote_deployment ?? []).map((deployment) =>
      normalizeEndpoint(deployment.endpoint),
    ),
    retry: {
      attempts: retry.attempts ?? 2,
      backoffMs: retry.backoff_ms ?? 200,
      maxBackoffMs: retry.max_backoff_ms ?? 2000,
    },
    timeouts: {
      connectMs: timeouts.connect_ms ?? 2000,
      ttftMs: timeouts.ttft_ms ?? 30_000,
      idleMs: timeouts.idle_ms ?? 30_000,
      totalMs: timeouts.total_ms ?? 600_000,
      keepAliveMs: timeouts.keep_alive_ms ?? 10_000,
      attemptMs: timeouts.attempt_ms ?? null,
    },
    circuitBreaker: {
      failureThreshold: breaker.failure_threshold ?? 3,
      cooldownMs: (breaker.cooldown_seconds ?? 30) * 1000,
      failureRate: breaker.failure_rate ?? 0.5,
      windowMs: (breaker.window_seconds ?? 60) * 1000,
      minRequests: breaker.min_requests ?? 10,
    },
    cooldowns: {
      rateLimitMs: (cooldowns.rate_limit_seconds ?? 5) * 1000,
      authErrorMs: (cooldowns.auth_error_seconds ?? 300) * 1000,
      modelNotFoundMs: (cooldowns.model_not_found_seconds ?? 300) * 1000,
    },
  } as const;
}

import type { RoutingFile } from './schema.js';
import { normalizeEndpoint } from './normalize-endpoint.js';

export type RoutingStrategyName = 'fixed' | 'weighted' | 'ranked';

/** Resolves routing.yaml (already validated) into settings with every default filled in. */
export function resolveRoutingSettings(file: RoutingFile | null) {
  const parameter = file?.routing_parameter ?? {};
  const retry = file?.retry ?? {};
  const timeouts = file?.timeouts ?? {};
  const breaker = file?.circuit_breaker ?? {};
  const hasDeployments = (file?.local_deployment?.length ?? 0) + (file?.remote_deployment?.length ?? 0) > 0;
  return {
    // Without a routing.yaml the models.yaml weights are the split; with deployments the seed's fixed split.
    strategy: file?.routing_strategy ?? (hasDeployments ? 'fixed' : 'weighted'),
    localFraction: parameter.local_fraction ?? 0.5,
    healthCheckIntervalMs: (parameter.health_check ?? 0) * 1000,
    healthCheckTimeoutMs: (parameter.timeout ?? 2) * 1000,
    maxWaiting: parameter.max_waiting ?? 4,
    targetTtftMs: parameter.target_ttft_ms ?? 1500,
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
    },
    circuitBreaker: {
      failureThreshold: breaker.failure_threshold ?? 3,
      cooldownMs: (breaker.cooldown_seconds ?? 30) * 1000,
    },
  } as const;
}

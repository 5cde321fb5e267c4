import { GatewayError } from '../errors/index.js';
import type { RouteTarget } from '../spec/index.js';
import type { Attempt } from './attempt.js';

/** Skips that mean "over a rate limit": with nothing else failing, the answer is 429, not 503. */
const COOLDOWN_SKIPS = new Set<Attempt['reason']>([
  'cooldown',
  'provider_cooldown',
  'rpm_limit',
  'rpd_limit',
  'tpm_limit',
  'tpd_limit',
  'concurrency_limit',
]);

function earliest(waits: readonly (number | null | undefined)[]): number | null {
  const known = waits.filter((wait): wait is number => typeof wait === 'number');
  return known.length > 0 ? Math.min(...known) : null;
}

/**
 * The client-facing error after no route of a plan could serve: 429 when they were all rate limited or
 * cooling down from a 429 (with the earliest retry time), 504 when they all timed out, 503 when none could
 * even be tried (open circuits, failed health checks), 502 otherwise. Every attempt, skipped ones included,
 * is listed in metadata.
 */
export function summarizeFailure(
  plan: readonly RouteTarget[],
  failures: readonly GatewayError[],
  attempts: readonly Attempt[],
  model: string = plan[0]?.modelId ?? 'the model',
): GatewayError {
  const skipped = attempts.filter((attempt) => attempt.outcome === 'skipped');
  if (failures.length === 0 && skipped.length === 0) {
    return new GatewayError('timeout', `No route for ${model} could be tried before the deadline.`, {
      metadata: { attempts },
    });
  }
  const routes = [...new Set(attempts.map((attempt) => attempt.route))];
  const detail = attempts.map(
    (attempt) =>
      `${attempt.route}: ${attempt.outcome === 'skipped' ? `skipped (${attempt.reason})` : (attempt.message ?? attempt.reason ?? 'failed')}`,
  );
  const retryAfterMs = earliest([
    ...failures.map((failure) => failure.retryAfterMs),
    ...skipped.map((attempt) => attempt.retryAfterMs),
  ]);
  if (
    failures.every((failure) => failure.upstreamReason === 'rate_limited') &&
    skipped.every((attempt) => COOLDOWN_SKIPS.has(attempt.reason))
  ) {
    const summary = `Every route for ${model} is rate limited (${detail.join('; ')})`;
    return new GatewayError('rate_limit_exceeded', `${summary}. Retry after the Retry-After delay.`, {
      metadata: { attempts, error_type: 'rate_limit_exceeded' },
      retryAfterMs,
    });
  }
  if (failures.length === 0) {
    return new GatewayError(
      'no_route_available',
      `No route for ${model} takes traffic now (${detail.join('; ')}). GET /routing shows each route's state.`,
      { metadata: { attempts, error_type: 'provider_unavailable' }, retryAfterMs },
    );
  }
  const summary = `All ${routes.length} route${routes.length === 1 ? '' : 's'} for ${model} failed (${detail.join('; ')})`;
  if (failures.every((failure) => failure.upstreamReason === 'timeout')) {
    return new GatewayError('timeout', `${summary}. The upstreams did not answer in time.`, {
      metadata: { attempts, error_type: 'timeout' },
    });
  }
  return new GatewayError('provider_unavailable', `${summary}.`, {
    metadata: { attempts, error_type: 'provider_unavailable' },
  });
}

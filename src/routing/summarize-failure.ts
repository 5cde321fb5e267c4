import { GatewayError } from '../errors/index.js';
import type { RouteTarget } from '../spec/index.js';
import type { Attempt } from './attempt.js';

/**
 * The client-facing error after every route of a plan failed: 429 when they were all rate limited (with the
 * earliest retry time), 504 when they all timed out, 502 otherwise. The attempts are listed in metadata.
 */
export function summarizeFailure(
  plan: readonly RouteTarget[],
  failures: readonly GatewayError[],
  attempts: readonly Attempt[],
): GatewayError {
  const model = plan[0]?.modelId ?? 'the model';
  const last = failures.at(-1);
  if (last === undefined) {
    return new GatewayError('timeout', `No route for ${model} could be tried before the deadline.`, {
      metadata: { attempts },
    });
  }
  const routes = [...new Set(attempts.map((attempt) => attempt.route))];
  const detail = attempts.map(
    (attempt) => `${attempt.route}: ${attempt.message ?? attempt.reason ?? 'failed'}`,
  );
  const summary = `All ${routes.length} route${routes.length === 1 ? '' : 's'} for ${model} failed (${detail.join('; ')})`;
  if (failures.every((failure) => failure.upstreamReason === 'rate_limited')) {
    const waits = failures
      .map((failure) => failure.retryAfterMs)
      .filter((wait): wait is number => wait !== null);
    return new GatewayError('rate_limit_exceeded', `${summary}. Retry after the Retry-After delay.`, {
      metadata: { attempts, error_type: 'rate_limit_exceeded' },
      retryAfterMs: waits.length > 0 ? Math.min(...waits) : null,
    });
  }
  if (failures.every((failure) => failure.upstreamReason === 'timeout')) {
    return new GatewayError('timeout', `${summary}. The upstreams did not answer in time.`, {
      metadata: { attempts, error_type: 'timeout' },
    });
  }
  return new GatewayError('provider_unavailable', `${summary}.`, {
    metadata: { attempts, error_type: 'provider_unavailable' },
  });
}

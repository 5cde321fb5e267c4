import type { FastifyInstance, FastifyRequest } from 'fastify';
import { maskApiKey } from '../../auth/api-key-format.js';
import type { KeyEntry } from '../../auth/api-key-table.js';
import type { KeySession } from '../../auth/authenticate-key.js';
import type { BudgetLedger } from '../../auth/budget-ledger.js';
import { fromMicros } from '../../auth/budget-period.js';
import { GatewayError } from '../../errors/index.js';
import { presentedKey } from '../require-admin.js';

export interface KeyInfoOptions {
  readonly ledger: BudgetLedger;
  /** The session the auth hook made (keys required), if any. */
  readonly sessionOf: (request: FastifyRequest) => KeySession | undefined;
  /** Checks a presented key when the hook did not (AUTH_MODE=none): the endpoints describe a key, so need one. */
  readonly authenticate: (presented: string | null, clientAddress: string) => Promise<KeySession>;
}

async function callingKey(request: FastifyRequest, options: KeyInfoOptions): Promise<KeyEntry> {
  const session =
    options.sessionOf(request) ?? (await options.authenticate(presentedKey(request), request.ip));
  if (session.kind === 'admin') {
    throw new GatewayError(
      'invalid_request',
      'This endpoint describes a client key; the admin key is not one. GET /admin/keys lists the keys.',
    );
  }
  return session.entry;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * OpenRouter's `GET /api/v1/key` (label, limit, usage, limit_remaining, rate limit) and `GET /api/v1/credits`
 * (`total_credits` = the budget, `total_usage` = its spend in the current period; no budget: null and all-time
 * usage) for the calling key. Usage is what was settled (requests in flight are not in it yet), in USD.
 */
export function registerKeyInfo(app: FastifyInstance, options: KeyInfoOptions): void {
  for (const prefix of ['/api/v1', '/v1']) {
    app.get(`${prefix}/key`, async (request) => {
      const { record } = await callingKey(request, options);
      const spend = await options.ledger.spend(record.id, record.budget);
      const limit = record.budget === null ? null : fromMicros(record.budget.limitMicros);
      return {
        data: {
          label: maskApiKey(record.lastFour),
          name: record.name,
          limit,
          limit_remaining:
            record.budget === null ? null : fromMicros(Math.max(0, record.budget.limitMicros - spend.period)),
          limit_reset: record.budget === null || record.budget.reset === 'never' ? null : record.budget.reset,
          include_byok_in_limit: false,
          usage: fromMicros(spend.total),
          usage_daily: fromMicros(spend.daily),
          usage_weekly: fromMicros(spend.weekly),
          usage_monthly: fromMicros(spend.monthly),
          byok_usage: 0,
          byok_usage_daily: 0,
          byok_usage_weekly: 0,
          byok_usage_monthly: 0,
          is_free_tier: false,
          is_management_key: false,
          is_provisioning_key: false,
          creator_user_id: record.owner,
          expires_at: iso(record.expiresAt),
          limits: record.limits,
          allowed_models: record.allowedModels,
          // Deprecated in OpenRouter's API, kept for older clients: -1 = no request limit.
          rate_limit: { requests: record.limits.rpm ?? -1, interval: '1m', note: 'per-key rpm; see limits' },
        },
      };
    });

    app.get(`${prefix}/credits`, async (request) => {
      const { record } = await callingKey(request, options);
      const spend = await options.ledger.spend(record.id, record.budget);
      return {
        data: {
          total_credits: record.budget === null ? null : fromMicros(record.budget.limitMicros),
          total_usage: fromMicros(record.budget === null ? spend.total : spend.period),
        },
      };
    });
  }
}

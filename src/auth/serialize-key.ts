import type { ApiKeyRecord } from './api-key-record.js';
import { maskApiKey } from './api-key-format.js';
import { fromMicros } from './budget-period.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A key as the admin API and `keys list --json` show it: never the key, never its hash. */
export function serializeKey(record: ApiKeyRecord) {
  return {
    id: record.id,
    name: record.name,
    label: maskApiKey(record.lastFour),
    owner: record.owner,
    created_at: iso(record.createdAt),
    updated_at: iso(record.updatedAt),
    expires_at: iso(record.expiresAt),
    disabled: record.disabled,
    allowed_models: record.allowedModels,
    allowed_ips: record.allowedIps,
    limits: record.limits,
    limit: record.budget === null ? null : fromMicros(record.budget.limitMicros),
    limit_reset: record.budget === null || record.budget.reset === 'never' ? null : record.budget.reset,
    hash_scheme: record.hashScheme,
  };
}

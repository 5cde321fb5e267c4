import { GatewayError } from '../errors/index.js';
import type { QuotaLimits } from '../spec/index.js';
import { BUDGET_RESETS, type ApiKeyChanges, type BudgetReset } from './api-key-record.js';
import { toMicros } from './budget-period.js';
import { describeInvalidIpEntry } from './ip-allowlist.js';

/** The largest budget accepted: keeps every counter exact in every state store (1 000 000 USD). */
const MAX_BUDGET_USD = 1_000_000;
const LIMIT_FIELDS = ['rpm', 'rpd', 'tpm', 'tpd', 'max_concurrency'] as const;
/** Fields a key body may set (snake_case, OpenRouter's names where it has them). */
const KNOWN_FIELDS = new Set([
  'name',
  'owner',
  'user',
  'expires_at',
  'disabled',
  'allowed_models',
  'allowed_ips',
  'limits',
  'limit',
  'limit_reset',
]);

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readStrings(body: Record<string, unknown>, field: string): string[] | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item.trim() !== '')) {
    throw invalid(field, `'${field}' must be an array of non-empty strings.`);
  }
  return (value as string[]).map((item) => item.trim());
}

function readExpiry(value: unknown): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  const parsed = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(parsed)) {
    throw invalid('expires_at', "'expires_at' must be an ISO 8601 date-time (2026-12-31T23:59:59Z) or null.");
  }
  return parsed;
}

function readLimits(value: unknown): QuotaLimits | undefined {
  if (value === undefined) return undefined;
  if (value === null) return {};
  if (!isRecord(value)) throw invalid('limits', '\'limits\' must be an object like {"rpm": 60}.');
  const limits: Record<string, number> = {};
  for (const [field, limit] of Object.entries(value)) {
    if (!(LIMIT_FIELDS as readonly string[]).includes(field)) {
      throw invalid(`limits.${field}`, `Unknown limit '${field}'; known: ${LIMIT_FIELDS.join(', ')}.`);
    }
    if (limit === null) continue;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
      throw invalid(`limits.${field}`, `'limits.${field}' must be a whole number ≥ 1 (or null for none).`);
    }
    limits[field] = limit;
  }
  return limits;
}

function readBudget(body: Record<string, unknown>): Pick<ApiKeyChanges, 'budgetLimitMicros' | 'budgetReset'> {
  const { limit, limit_reset: reset } = body;
  const changes: { budgetLimitMicros?: number | null; budgetReset?: BudgetReset } = {};
  if (limit === null) changes.budgetLimitMicros = null;
  else if (limit !== undefined) {
    if (typeof limit !== 'number' || !Number.isFinite(limit) || limit <= 0 || limit > MAX_BUDGET_USD) {
      throw invalid(
        'limit',
        `'limit' must be a budget in USD above 0 and at most ${MAX_BUDGET_USD}, or null.`,
      );
    }
    changes.budgetLimitMicros = toMicros(limit);
  }
  if (reset !== undefined) {
    const value = reset === null ? 'never' : reset;
    if (typeof value !== 'string' || !(BUDGET_RESETS as readonly string[]).includes(value)) {
      throw invalid('limit_reset', "'limit_reset' must be daily, weekly, monthly, never or null.");
    }
    changes.budgetReset = value as BudgetReset;
  }
  return changes;
}

/**
 * A key body of the admin API (and the CLI's flags, turned into one): every field checked, with a message
 * naming the field and the fix. `create` requires `name`; an update may set any subset.
 */
export function parseKeyInput(body: unknown, mode: 'create' | 'update'): ApiKeyChanges {
  if (!isRecord(body)) throw invalid('body', 'The body must be a JSON object.');
  for (const field of Object.keys(body)) {
    if (!KNOWN_FIELDS.has(field)) {
      throw invalid(field, `Unknown field '${field}'; known: ${[...KNOWN_FIELDS].join(', ')}.`);
    }
  }
  const name = body.name;
  if (name !== undefined && (typeof name !== 'string' || name.trim() === '' || name.length > 200)) {
    throw invalid('name', "'name' must be a non-empty string of at most 200 characters.");
  }
  if (mode === 'create' && name === undefined) throw invalid('name', "A new key needs a 'name'.");
  const ownerValue = body.owner ?? body.user;
  if (ownerValue !== undefined && ownerValue !== null && typeof ownerValue !== 'string') {
    throw invalid('owner', "'owner' must be a string or null.");
  }
  const disabled = body.disabled;
  if (disabled !== undefined && typeof disabled !== 'boolean') {
    throw invalid('disabled', "'disabled' must be true or false.");
  }
  const allowedIps = readStrings(body, 'allowed_ips');
  for (const [index, entry] of (allowedIps ?? []).entries()) {
    const problem = describeInvalidIpEntry(entry);
    if (problem !== null)
      throw invalid(`allowed_ips[${index}]`, `${problem}; use 203.0.113.7 or 10.0.0.0/8.`);
  }
  const expiresAt = readExpiry(body.expires_at);
  const allowedModels = readStrings(body, 'allowed_models');
  const limits = readLimits(body.limits);
  const budget = readBudget(body);
  if (mode === 'create' && budget.budgetReset !== undefined && budget.budgetLimitMicros === undefined) {
    throw invalid('limit', "'limit_reset' needs 'limit' (the budget in USD) in the same request.");
  }
  return {
    ...(typeof name === 'string' ? { name: name.trim() } : {}),
    ...(ownerValue === undefined
      ? {}
      : { owner: typeof ownerValue === 'string' && ownerValue.trim() !== '' ? ownerValue.trim() : null }),
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(typeof disabled === 'boolean' ? { disabled } : {}),
    ...(allowedModels === undefined ? {} : { allowedModels }),
    ...(allowedIps === undefined ? {} : { allowedIps }),
    ...(limits === undefined ? {} : { limits }),
    ...budget,
  };
}

import type { QuotaLimits } from '../spec/index.js';
import { BUDGET_RESETS, type ApiKeyRecord, type BudgetReset } from './api-key-record.js';

/** The `api_keys` columns in insert order (both databases). */
export const API_KEY_COLUMNS = [
  'id',
  'name',
  'owner',
  'key_hash',
  'hash_scheme',
  'last_four',
  'created_at',
  'updated_at',
  'expires_at',
  'disabled',
  'allowed_models',
  'allowed_ips',
  'limits',
  'budget_limit_micros',
  'budget_reset',
] as const;

/** A column value before a store encodes times and booleans its own way. */
export type KeyColumnValue = string | number | boolean | null;

/** The record's values in `API_KEY_COLUMNS` order: times in ms, JSON as text. */
export function toKeyColumnValues(record: ApiKeyRecord): KeyColumnValue[] {
  return [
    record.id,
    record.name,
    record.owner,
    record.keyHash,
    record.hashScheme,
    record.lastFour,
    record.createdAt,
    record.updatedAt,
    record.expiresAt,
    record.disabled,
    JSON.stringify(record.allowedModels),
    JSON.stringify(record.allowedIps),
    JSON.stringify(record.limits),
    record.budget?.limitMicros ?? null,
    record.budget?.reset ?? null,
  ];
}

function readText(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

function readTime(value: unknown): number | null {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value !== '')
    return /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return null;
}

function readJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return null;
  }
}

function readStrings(value: unknown): string[] {
  const parsed = readJson(value);
  return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : [];
}

const LIMIT_FIELDS = ['rpm', 'rpd', 'tpm', 'tpd', 'max_concurrency'] as const;

function readLimits(value: unknown): QuotaLimits {
  const parsed = readJson(value);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  const limits: Record<string, number> = {};
  for (const field of LIMIT_FIELDS) {
    const limit = (parsed as Record<string, unknown>)[field];
    if (typeof limit === 'number' && Number.isFinite(limit) && limit > 0) limits[field] = limit;
  }
  return limits;
}

function isBudgetReset(value: unknown): value is BudgetReset {
  return typeof value === 'string' && (BUDGET_RESETS as readonly string[]).includes(value);
}

/** The record in a stored row (either driver's types: Date or ms, boolean or 0/1, JSONB or text). */
export function fromKeyRow(row: Readonly<Record<string, unknown>>): ApiKeyRecord {
  // BIGINT comes back as text from PostgreSQL.
  const limitMicros = row.budget_limit_micros;
  const budgetLimit =
    typeof limitMicros === 'number' || typeof limitMicros === 'string' ? Number(limitMicros) : null;
  return {
    id: readText(row.id),
    name: readText(row.name),
    owner: typeof row.owner === 'string' ? row.owner : null,
    keyHash: readText(row.key_hash),
    hashScheme: row.hash_scheme === 'hmac-sha256' ? 'hmac-sha256' : 'sha256',
    lastFour: readText(row.last_four),
    createdAt: readTime(row.created_at) ?? 0,
    updatedAt: readTime(row.updated_at) ?? 0,
    expiresAt: readTime(row.expires_at),
    disabled: row.disabled === true || row.disabled === 1,
    allowedModels: readStrings(row.allowed_models),
    allowedIps: readStrings(row.allowed_ips),
    limits: readLimits(row.limits),
    budget:
      budgetLimit === null || !Number.isFinite(budgetLimit)
        ? null
        : { limitMicros: budgetLimit, reset: isBudgetReset(row.budget_reset) ? row.budget_reset : 'never' },
  };
}

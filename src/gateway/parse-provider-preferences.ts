import { GatewayError } from '../errors/index.js';
import type { MaxPrice, ProviderPreferences, ProviderSort } from './provider-preferences.js';

/** A 400 `invalid_request` naming the offending body field (`param`). Shared with parse-chat-request. */
export function invalidParameter(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}

/** True for a plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The JSON type of a value for error messages: `null`, `an array`, `an object`, `a string`, ... */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function checkStringList(provider: Record<string, unknown>, field: string): readonly string[] | null {
  const value = provider[field];
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw invalidParameter(
      `provider.${field}`,
      `'provider.${field}' must be an array of provider slugs (strings), e.g. ["groq"], got ${describeValue(value)}.`,
    );
  }
  return value.length === 0 ? null : (value as string[]);
}

function checkBoolean(provider: Record<string, unknown>, field: string, fallback: boolean): boolean {
  const value = provider[field];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') {
    throw invalidParameter(
      `provider.${field}`,
      `'provider.${field}' must be true or false, got ${describeValue(value)}.`,
    );
  }
  return value;
}

function checkSort(value: unknown): ProviderSort | null {
  if (value === undefined || value === null) return null;
  const by = isRecord(value) ? value.by : value;
  const partition = isRecord(value) ? (value.partition ?? 'model') : 'model';
  if (by !== 'price' && by !== 'throughput' && by !== 'latency') {
    throw invalidParameter(
      'provider.sort',
      '\'provider.sort\' must be "price", "throughput", "latency" or {"by": one of those, "partition"?: "model" | "none"}.',
    );
  }
  if (partition !== 'model' && partition !== 'none') {
    throw invalidParameter(
      'provider.sort.partition',
      '\'provider.sort.partition\' must be "model" or "none".',
    );
  }
  return { by, partition };
}

/** A price limit: a non-negative number, or a decimal string as OpenRouter prices are written. */
function checkPrice(maxPrice: Record<string, unknown>, field: keyof MaxPrice): number | null {
  const value = maxPrice[field];
  if (value === undefined || value === null) return null;
  const price = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof price !== 'number' || !Number.isFinite(price) || price < 0) {
    const unit = field === 'prompt' || field === 'completion' ? 'per million tokens' : `per ${field}`;
    throw invalidParameter(
      `provider.max_price.${field}`,
      `'provider.max_price.${field}' must be a non-negative number (USD ${unit}), got ${describeValue(value)}.`,
    );
  }
  return price;
}

function checkMaxPrice(value: unknown): MaxPrice | null {
  if (value === undefined || value === null) return null;
  if (!isRecord(value)) {
    throw invalidParameter(
      'provider.max_price',
      `'provider.max_price' must be an object like {"prompt": 1, "completion": 2} (USD per million tokens), got ${describeValue(value)}.`,
    );
  }
  return {
    prompt: checkPrice(value, 'prompt'),
    completion: checkPrice(value, 'completion'),
    request: checkPrice(value, 'request'),
    image: checkPrice(value, 'image'),
  };
}

/** Soft preferences (ignored): a number, or an object of percentile numbers such as {"p50": 100}. */
function checkSoftPreference(provider: Record<string, unknown>, field: string): void {
  const value = provider[field];
  if (value === undefined || value === null || typeof value === 'number') return;
  if (!isRecord(value) || Object.values(value).some((item) => item !== null && typeof item !== 'number')) {
    throw invalidParameter(
      `provider.${field}`,
      `'provider.${field}' must be a number or an object of percentiles like {"p50": 1}, got ${describeValue(value)}.`,
    );
  }
}

/**
 * Validates the OpenRouter `provider` object of a chat request (reference §1.3); null when absent or null.
 * Every invalid field is a 400 naming it (`provider.order`, `provider.max_price.prompt`, ...). Unknown keys are
 * ignored: OpenRouter adds fields over time. `zdr`, `preferred_min_throughput` and `preferred_max_latency` are
 * type-checked and dropped; empty lists mean "no constraint".
 */
export function parseProviderPreferences(value: unknown): ProviderPreferences | null {
  if (value === undefined || value === null) return null;
  if (!isRecord(value)) {
    throw invalidParameter(
      'provider',
      `'provider' must be an object like {"order": ["groq"]}, got ${describeValue(value)}.`,
    );
  }
  const dataCollection = value.data_collection ?? 'allow';
  if (dataCollection !== 'allow' && dataCollection !== 'deny') {
    throw invalidParameter(
      'provider.data_collection',
      '\'provider.data_collection\' must be "allow" or "deny".',
    );
  }
  checkBoolean(value, 'zdr', false);
  checkSoftPreference(value, 'preferred_min_throughput');
  checkSoftPreference(value, 'preferred_max_latency');
  return {
    order: checkStringList(value, 'order'),
    only: checkStringList(value, 'only'),
    ignore: checkStringList(value, 'ignore'),
    allowFallbacks: checkBoolean(value, 'allow_fallbacks', true),
    sort: checkSort(value.sort),
    maxPrice: checkMaxPrice(value.max_price),
    requireParameters: checkBoolean(value, 'require_parameters', false),
    quantizations: checkStringList(value, 'quantizations'),
    dataCollection,
  };
}

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** How a stored key hash was made; kept per key so a change of `KEY_HASH_SECRET` is diagnosed, not silent. */
export type KeyHashScheme = 'hmac-sha256' | 'sha256';

export interface KeyHasher {
  readonly scheme: KeyHashScheme;
  /** Hex digest of the key under this scheme (the lookup column; the key itself is never stored). */
  hash(key: string): string;
}

/**
 * HMAC-SHA256 with `KEY_HASH_SECRET` when set (a stolen database alone then cannot confirm a guessed key), else
 * plain SHA-256 (enough for 256-bit random keys, which no dictionary holds). One scheme at a time, never a
 * fallback from one to the other.
 */
export function createKeyHasher(secret: string | null): KeyHasher {
  if (secret === null) {
    return { scheme: 'sha256', hash: (key) => createHash('sha256').update(key).digest('hex') };
  }
  return {
    scheme: 'hmac-sha256',
    hash: (key) => createHmac('sha256', secret).update(key).digest('hex'),
  };
}

/** Constant-time equality of two hex digests (false for different lengths, which digests of one scheme never have). */
export function digestsEqual(left: string, right: string): boolean {
  const a = Buffer.from(left, 'hex');
  const b = Buffer.from(right, 'hex');
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

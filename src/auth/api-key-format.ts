import { randomBytes } from 'node:crypto';

/** Every client key starts with this, so a leaked one is recognisable (secret scanners, log greps). */
export const API_KEY_PREFIX = 'hi-';
/** 32 random bytes in base64url without padding: 43 characters. */
const RANDOM_BYTES = 32;
const KEY_PATTERN = /^hi-[A-Za-z0-9_-]{43}$/;

/** A new client key: `hi-<32 random bytes, base64url>`. Shown once; only its hash and last 4 characters are kept. */
export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(RANDOM_BYTES).toString('base64url')}`;
}

/** Whether `text` has the shape of a client key (checked before any lookup: anything else is refused at once). */
export function isWellFormedApiKey(text: string): boolean {
  return KEY_PATTERN.test(text);
}

/** `hi-…abcd`: how a key is shown anywhere after its creation (lists, `/api/v1/key`'s label, logs never). */
export function maskApiKey(lastFour: string): string {
  return `${API_KEY_PREFIX}…${lastFour}`;
}

/** A key id: public, stable, safe to log (`key_` + 16 hex characters). */
export function generateKeyId(): string {
  return `key_${randomBytes(8).toString('hex')}`;
}

import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let offset = 0;

/**
 * `gen-<unix seconds>-<20 alphanumerics>`, OpenRouter's observed format. Random bytes come from a pooled
 * buffer so an id costs no system call on the hot path.
 */
export function createGenerationId(nowMs: number): string {
  if (offset + 20 > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  let suffix = '';
  for (let index = 0; index < 20; index += 1)
    suffix += ALPHABET.charAt((pool[offset + index] ?? 0) % ALPHABET.length);
  offset += 20;
  return `gen-${Math.floor(nowMs / 1000)}-${suffix}`;
}

import { randomBytes } from 'node:crypto';

// A random per-process prefix plus a counter gives vLLM-length (32 hex) unique ids without
// calling the CSPRNG on every request.
const processPrefix = randomBytes(8).toString('hex');
let counter = 0;

/** Returns `<prefix><32 hex digits>`, e.g. `createId('chatcmpl-')`; unique within and across processes. */
export function createId(prefix: string): string {
  counter += 1;
  return prefix + processPrefix + counter.toString(16).padStart(16, '0');
}

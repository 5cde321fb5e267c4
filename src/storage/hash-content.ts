import { createHash } from 'node:crypto';

/** SHA-256 of `text` (UTF-8), lower-case hex: the `prompt_hash` / `response_hash` of the request log. */
export function hashContent(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

import { createHash, timingSafeEqual } from 'node:crypto';
import { GatewayError } from '../errors/index.js';
import type { ApiKeyTable, KeyEntry } from './api-key-table.js';
import { isWellFormedApiKey } from './api-key-format.js';

/** Who is calling: a client key (with its policy), or the operator with `ADMIN_API_KEY` (no key policy). */
export type KeySession = { readonly kind: 'client'; readonly entry: KeyEntry } | { readonly kind: 'admin' };

export const ADMIN_SESSION: KeySession = { kind: 'admin' };

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Checks a presented key: 401 when missing or unknown, 403 when disabled, expired or used from an address
 * outside its allowlist. Nothing here logs or echoes the key. Malformed keys are refused without a lookup.
 */
export function createKeyAuthenticator(options: {
  readonly table: ApiKeyTable;
  readonly adminApiKey: string | null;
  readonly now: () => number;
}): (presented: string | null, clientAddress: string) => Promise<KeySession> {
  const admin = options.adminApiKey === null ? null : digest(options.adminApiKey);
  return async (presented, clientAddress) => {
    if (presented === null || presented === '') {
      throw new GatewayError(
        'authentication',
        'No API key: send Authorization: Bearer <key> (or the x-api-key header). Keys come from the gateway operator.',
      );
    }
    if (admin !== null && timingSafeEqual(digest(presented), admin)) return ADMIN_SESSION;
    const entry = isWellFormedApiKey(presented) ? await options.table.findFresh(presented) : undefined;
    if (entry === undefined) {
      throw new GatewayError('authentication', 'Invalid API key: this gateway knows no such key.');
    }
    const { record } = entry;
    if (record.disabled) {
      throw new GatewayError('permission_denied', `This API key (${record.id}) is disabled.`, {
        metadata: { reason: 'key_disabled', key_id: record.id },
      });
    }
    if (record.expiresAt !== null && record.expiresAt <= options.now()) {
      throw new GatewayError(
        'permission_denied',
        `This API key (${record.id}) expired at ${new Date(record.expiresAt).toISOString()}.`,
        { metadata: { reason: 'key_expired', key_id: record.id } },
      );
    }
    if (!entry.ips.allows(clientAddress)) {
      throw new GatewayError(
        'permission_denied',
        `This API key (${record.id}) may not be used from ${clientAddress}.`,
        { metadata: { reason: 'ip_not_allowed', key_id: record.id } },
      );
    }
    return { kind: 'client', entry };
  };
}

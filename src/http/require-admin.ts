import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { GatewayError } from '../errors/index.js';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The bearer token or `x-api-key` of a request, if any. */
export function presentedKey(request: FastifyRequest): string | null {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && authorization.toLowerCase().startsWith('bearer ')) {
    return authorization.slice(7).trim();
  }
  const header = request.headers['x-api-key'];
  return typeof header === 'string' ? header.trim() : null;
}

/**
 * Guards an admin route when `ADMIN_API_KEY` is set. Both sides are hashed first so the comparison is
 * constant-time whatever the lengths.
 */
export function createAdminGuard(adminApiKey: string | null): (request: FastifyRequest) => void {
  if (adminApiKey === null) return () => undefined;
  const expected = digest(adminApiKey);
  return (request) => {
    const key = presentedKey(request);
    if (key === null) {
      throw new GatewayError(
        'authentication',
        'This endpoint needs the admin key: send Authorization: Bearer <ADMIN_API_KEY>.',
      );
    }
    if (!timingSafeEqual(digest(key), expected)) {
      throw new GatewayError('permission_denied', 'The key sent is not the admin key.');
    }
  };
}

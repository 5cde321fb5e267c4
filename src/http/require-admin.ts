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

/** Methods that change state: in the local posture they still refuse a browser's cross-site request. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Guards an admin route (`/admin/*`, `/routing`, `/stats`, `/metrics` with `METRICS_REQUIRE_AUTH`, anything
 * that changes state). Closed by default:
 * - `ADMIN_API_KEY` set: the request must carry it (401 without a key, 403 with another). Both sides are
 *   hashed first so the comparison is constant-time whatever the lengths.
 * - unset: open only while `isLocalOpen()` holds (a loopback gateway that needs no client keys, the
 *   out-of-the-box local setup), and even then a state-changing request from a browser (it carries `Origin`)
 *   is refused, so a web page cannot drive a local gateway; otherwise 403 telling to set `ADMIN_API_KEY`.
 */
export function createAdminGuard(
  adminApiKey: string | null,
  isLocalOpen: () => boolean = () => false,
): (request: FastifyRequest) => void {
  if (adminApiKey === null) {
    return (request) => {
      if (!isLocalOpen()) {
        throw new GatewayError(
          'permission_denied',
          'Admin endpoints are closed: set ADMIN_API_KEY on the gateway and send Authorization: Bearer <ADMIN_API_KEY>. ' +
            'Without it they are open only on a loopback gateway that has no client keys.',
          { metadata: { reason: 'admin_key_not_configured' } },
        );
      }
      if (!SAFE_METHODS.has(request.method) && request.headers.origin !== undefined) {
        throw new GatewayError(
          'permission_denied',
          'Admin changes from a browser need ADMIN_API_KEY to be set on the gateway.',
          { metadata: { reason: 'cross_origin_admin_request' } },
        );
      }
    };
  }
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

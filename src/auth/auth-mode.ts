import { isIP } from 'node:net';
import type { SecuritySettings } from '../config/index.js';

/** Whether `host` only accepts connections from this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1' || /^::ffff:127\./.test(bare);
}

/** Whether keys are needed now, decided once per request from settings that may change (keys created). */
export interface AuthMode {
  /** True when `/v1` and `/api/v1` requests need a client key now. */
  keysRequired(): boolean;
  /**
   * True in the local posture only (loopback address, keys not required): admin routes are then open without
   * `ADMIN_API_KEY`. Anywhere else they refuse until it is set.
   */
  isLocalOpen(): boolean;
  /** The startup line explaining the mode, and whether it is a warning. */
  describe(): { readonly warning: boolean; readonly text: string };
}

/**
 * `AUTH_MODE=keys|none`, or unset: keys once one exists or when bound to a non-loopback address; none only on
 * loopback with no keys. `keyCount` is null until the key table was read: keys are then assumed (fail closed).
 */
export function createAuthMode(options: {
  readonly setting: SecuritySettings['authMode'];
  readonly host: string;
  readonly keyCount: () => number | null;
}): AuthMode {
  const loopback = isLoopbackHost(options.host);
  const keysRequired = (): boolean => {
    if (options.setting === 'keys') return true;
    if (options.setting === 'none') return false;
    return !loopback || options.keyCount() !== 0;
  };
  return {
    keysRequired,
    isLocalOpen: () => loopback && !keysRequired(),
    describe() {
      if (keysRequired()) {
        return {
          warning: false,
          text: `client keys required on /v1 and /api/v1 (AUTH_MODE=${options.setting === 'auto' ? 'keys by default' : options.setting})`,
        };
      }
      if (!loopback) {
        return {
          warning: true,
          text: `AUTH_MODE=none on ${options.host}: anyone who reaches this address spends your provider credits; create a key (hybrid-inference keys create) and unset AUTH_MODE`,
        };
      }
      if (options.setting === 'none') {
        return { warning: true, text: 'no client key needed on /v1 and /api/v1: AUTH_MODE=none' };
      }
      return {
        warning: true,
        text: `no client key needed: bound to loopback ${options.host} and no keys exist (AUTH_MODE=none); 'hybrid-inference keys create' turns keys on`,
      };
    },
  };
}

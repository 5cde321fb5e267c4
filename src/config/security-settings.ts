import { isIP } from 'node:net';
import type { SecuritySettings } from './config.js';
import type { ConfigProblem } from './config-error.js';
import type { Environment } from './substitute-env.js';

/** Node's own default (16 KiB): the limit stays where it was unless the operator moves it. */
const DEFAULT_MAX_HEADER_BYTES = 16_384;
/** proxy-addr's named ranges, accepted in `TRUST_PROXY` lists as Fastify does. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrRange(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d+$/.test(prefix) && bits >= 0 && bits <= (family === 4 ? 32 : 128);
}

function readTrustProxy(
  environment: Environment,
  file: string,
  problems: ConfigProblem[],
): SecuritySettings['trustProxy'] {
  const text = environment.TRUST_PROXY?.trim() ?? '';
  const lower = text.toLowerCase();
  if (text === '' || ['false', 'no', 'off', '0'].includes(lower)) return false;
  if (['true', 'yes', 'on'].includes(lower)) return true;
  if (/^\d+$/.test(text)) return Number(text);
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const invalid = entries.filter((entry) => !isAddressOrRange(entry));
  if (invalid.length > 0) {
    problems.push({
      file,
      path: 'TRUST_PROXY',
      message: `must be true, false, a hop count or a comma-separated list of proxy IPs/CIDRs (e.g. 10.0.0.0/8,loopback); '${invalid.join("', '")}' is none of them`,
    });
    return false;
  }
  return entries;
}

function readOrigins(text: string | undefined, fallback: readonly string[]): readonly string[] {
  if (text === undefined) return fallback;
  const trimmed = text.trim();
  if (trimmed === '' || ['off', 'none', 'false'].includes(trimmed.toLowerCase())) return [];
  return trimmed
    .split(',')
    .map((origin) => origin.trim().replace(/\/+$/, ''))
    .filter((origin) => origin !== '');
}

/** Reads `AUTH_MODE`, `KEY_HASH_SECRET`, `TRUST_PROXY`, CORS and header limits; problems name the variable and fix. */
export function readSecuritySettings(
  environment: Environment,
  file: string,
  problems: ConfigProblem[],
): SecuritySettings {
  const modeText = environment.AUTH_MODE?.trim().toLowerCase() || 'auto';
  let authMode: SecuritySettings['authMode'] = 'auto';
  if (modeText === 'keys' || modeText === 'none' || modeText === 'auto') authMode = modeText;
  else {
    problems.push({
      file,
      path: 'AUTH_MODE',
      message: `must be keys or none (or unset for the default), found '${environment.AUTH_MODE ?? ''}'`,
    });
  }
  const secret = environment.KEY_HASH_SECRET ?? '';
  if (secret !== '' && secret.length < 16) {
    problems.push({
      file,
      path: 'KEY_HASH_SECRET',
      message: 'must be at least 16 characters (e.g. `openssl rand -hex 32`), or unset for plain SHA-256',
    });
  }
  const ttlText = environment.KEY_CACHE_TTL_SECONDS?.trim() || '10';
  const ttlSeconds = Number(ttlText);
  if (!Number.isFinite(ttlSeconds) || ttlSeconds < 1) {
    problems.push({
      file,
      path: 'KEY_CACHE_TTL_SECONDS',
      message: `must be a number of seconds ≥ 1, found '${ttlText}'`,
    });
  }
  const headerText = environment.MAX_REQUEST_HEADER_BYTES?.trim() || String(DEFAULT_MAX_HEADER_BYTES);
  const maxHeaderBytes = Number(headerText);
  if (!Number.isInteger(maxHeaderBytes) || maxHeaderBytes < 1024) {
    problems.push({
      file,
      path: 'MAX_REQUEST_HEADER_BYTES',
      message: `must be a whole number of bytes ≥ 1024, found '${headerText}'`,
    });
  }
  return {
    authMode,
    keyHashSecret: secret === '' ? null : secret,
    keyCacheTtlMs: Number.isFinite(ttlSeconds) && ttlSeconds >= 1 ? ttlSeconds * 1000 : 10_000,
    trustProxy: readTrustProxy(environment, file, problems),
    corsOrigins: readOrigins(environment.CORS_ORIGINS, ['*']),
    corsAdminOrigins: readOrigins(environment.CORS_ADMIN_ORIGINS, []),
    maxHeaderBytes:
      Number.isInteger(maxHeaderBytes) && maxHeaderBytes >= 1024 ? maxHeaderBytes : DEFAULT_MAX_HEADER_BYTES,
  };
}

import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { generateApiKey, isWellFormedApiKey, maskApiKey } from '../../src/auth/api-key-format.js';
import { createAuthMode, isLoopbackHost } from '../../src/auth/auth-mode.js';
import { budgetPeriod, spendPeriods, toMicros } from '../../src/auth/budget-period.js';
import { createKeyHasher, digestsEqual } from '../../src/auth/hash-api-key.js';
import { compileIpAllowlist } from '../../src/auth/ip-allowlist.js';
import { compileModelGlobs } from '../../src/auth/match-model-glob.js';
import { applyKeyChanges, type ApiKeyRecord } from '../../src/auth/api-key-record.js';
import { parseKeyInput } from '../../src/auth/parse-key-input.js';
import { worstCaseMicros } from '../../src/auth/worst-case-cost.js';
import { readSecuritySettings } from '../../src/config/security-settings.js';
import type { ConfigProblem } from '../../src/config/index.js';
import { GatewayError } from '../../src/errors/index.js';
import { makeRoute } from '../helpers/make-route.js';

describe('client key format and hashing', () => {
  test('keys are hi- + 32 random bytes in base64url, different every time, shown masked as hi-…abcd', () => {
    const key = generateApiKey();
    assert.match(key, /^hi-[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(key.slice(3), 'base64url').length, 32);
    assert.notEqual(generateApiKey(), key);
    assert.ok(isWellFormedApiKey(key));
    assert.ok(!isWellFormedApiKey(`${key}x`));
    assert.ok(!isWellFormedApiKey('sk-or-v1-abcdef'));
    assert.equal(maskApiKey(key.slice(-4)), `hi-…${key.slice(-4)}`);
  });

  test('HMAC-SHA256 with KEY_HASH_SECRET, plain SHA-256 without; never the key itself', () => {
    const key = generateApiKey();
    const secret = 'a-secret-of-sixteen-chars';
    const hmac = createKeyHasher(secret);
    assert.equal(hmac.scheme, 'hmac-sha256');
    assert.equal(hmac.hash(key), createHmac('sha256', secret).update(key).digest('hex'));
    const plain = createKeyHasher(null);
    assert.equal(plain.scheme, 'sha256');
    assert.equal(plain.hash(key), createHash('sha256').update(key).digest('hex'));
    assert.notEqual(hmac.hash(key), plain.hash(key), 'one scheme at a time: no fallback between them');
    assert.ok(!hmac.hash(key).includes(key.slice(3, 20)));
  });

  test('digest comparison is exact and refuses different lengths and empty digests', () => {
    const digest = createKeyHasher(null).hash('x');
    assert.ok(digestsEqual(digest, digest));
    assert.ok(!digestsEqual(digest, createKeyHasher(null).hash('y')));
    assert.ok(!digestsEqual(digest, digest.slice(0, 10)));
    assert.ok(!digestsEqual('', ''));
  });
});

describe('allowlists', () => {
  test('model globs: * spans slashes, ? one character, case-insensitive; empty list allows everything', () => {
    const allows = compileModelGlobs(['meta-llama/*', 'gpt-4o-?ini', 'exact-model']);
    assert.ok(allows('meta-llama/llama-3.3-70b-instruct'));
    assert.ok(allows('META-LLAMA/Llama'));
    assert.ok(allows('gpt-4o-mini'));
    assert.ok(allows('exact-model'));
    assert.ok(!allows('exact-model-2'));
    assert.ok(!allows('deepseek/deepseek-chat'));
    assert.ok(!compileModelGlobs(['a.b'])('aXb'), 'dots are literal');
    assert.ok(compileModelGlobs([])('anything'));
  });

  test('IP allowlist: exact and CIDR, IPv4 and IPv6, IPv4-mapped IPv6 peers, empty = anywhere', () => {
    const list = compileIpAllowlist(['203.0.113.7', '10.0.0.0/8', '2001:db8::/32', '::1']);
    assert.ok(list.allows('203.0.113.7'));
    assert.ok(!list.allows('203.0.113.8'));
    assert.ok(list.allows('10.200.1.1'));
    assert.ok(list.allows('::ffff:10.1.2.3'), 'dual-stack sockets report IPv4 peers as ::ffff:a.b.c.d');
    assert.ok(list.allows('2001:db8:1::5'));
    assert.ok(!list.allows('2001:db9::5'));
    assert.ok(list.allows('::1'));
    assert.ok(!list.allows('127.0.0.1'));
    assert.ok(!list.allows('not an address'));
    assert.ok(compileIpAllowlist([]).allows('198.51.100.1'));
    assert.ok(!compileIpAllowlist(['nonsense']).allows('198.51.100.1'), 'an invalid entry matches nothing');
  });
});

describe('budget periods and costs', () => {
  const sunday = Date.UTC(2026, 10, 29, 23, 30);
  test('periods are UTC: day, week from Monday, month; never resets', () => {
    assert.deepEqual(budgetPeriod('daily', sunday), { id: 'd2026-11-29', endsAt: Date.UTC(2026, 10, 30) });
    assert.deepEqual(budgetPeriod('weekly', sunday), { id: 'w2026-11-23', endsAt: Date.UTC(2026, 10, 30) });
    assert.deepEqual(budgetPeriod('weekly', Date.UTC(2026, 10, 30)).id, 'w2026-11-30');
    assert.deepEqual(budgetPeriod('monthly', sunday), { id: 'm2026-11', endsAt: Date.UTC(2026, 11, 1) });
    assert.deepEqual(budgetPeriod('monthly', Date.UTC(2026, 11, 31, 12)).endsAt, Date.UTC(2027, 0, 1));
    assert.deepEqual(budgetPeriod('never', sunday), { id: 'all', endsAt: null });
    assert.deepEqual(spendPeriods(sunday), ['all', 'd2026-11-29', 'w2026-11-23', 'm2026-11']);
  });

  test('micro-dollars: costs round to the nearest, worst cases up, float noise ignored', () => {
    assert.equal(toMicros(0.1 + 0.2), 300_000);
    assert.equal(toMicros(0.0000014), 1);
    assert.equal(toMicros(0.0000014, 'up'), 2);
    assert.equal(toMicros((0.1 + 0.2) / 1000, 'up'), 300);
    assert.equal(toMicros(-1), 0);
  });

  test('worst case: prompt estimate at the prompt price + max_tokens (else max output) at the dearest output price, dearest route', () => {
    const cheap = makeRoute({
      id: 'a',
      pricing: { prompt: '0.000001', completion: '0.000002' },
      maxOutputTokens: 500,
    });
    const dear = makeRoute({
      id: 'b',
      pricing: {
        prompt: '0.000002',
        completion: '0.000003',
        internal_reasoning: '0.000004',
        request: '0.001',
      },
      maxOutputTokens: 100,
    });
    assert.equal(worstCaseMicros([cheap], 10, 50), 10 * 1 + 50 * 2);
    assert.equal(worstCaseMicros([cheap], 10, null), 10 + 500 * 2);
    assert.equal(worstCaseMicros([cheap, dear], 10, 50), Math.max(110, 10 * 2 + 50 * 4 + 1000));
    assert.equal(worstCaseMicros([], 10, 50), 0);
  });
});

function baseRecord(): ApiKeyRecord {
  return {
    id: 'key_1',
    name: 'k',
    owner: null,
    keyHash: 'ab',
    hashScheme: 'sha256',
    lastFour: 'abcd',
    createdAt: 0,
    updatedAt: 0,
    expiresAt: null,
    disabled: false,
    allowedModels: [],
    allowedIps: [],
    limits: {},
    budget: null,
  };
}

describe('key bodies (admin API and CLI)', () => {
  const refusal = (body: unknown, mode: 'create' | 'update' = 'create') => {
    try {
      parseKeyInput(body, mode);
    } catch (error) {
      assert.ok(error instanceof GatewayError);
      assert.equal(error.status, 400);
      return { param: error.param, message: error.message };
    }
    assert.fail('expected a 400');
  };

  test('a full body becomes the key settings; budgets are integer micro-dollars', () => {
    assert.deepEqual(
      parseKeyInput(
        {
          name: ' team a ',
          owner: 'alice',
          expires_at: '2027-01-01T00:00:00Z',
          allowed_models: ['meta-llama/*'],
          allowed_ips: ['10.0.0.0/8', '2001:db8::1'],
          limits: { rpm: 60, tpd: 100000, max_concurrency: null },
          limit: 12.5,
          limit_reset: 'monthly',
        },
        'create',
      ),
      {
        name: 'team a',
        owner: 'alice',
        expiresAt: Date.UTC(2027, 0, 1),
        allowedModels: ['meta-llama/*'],
        allowedIps: ['10.0.0.0/8', '2001:db8::1'],
        limits: { rpm: 60, tpd: 100000 },
        budgetLimitMicros: 12_500_000,
        budgetReset: 'monthly',
      },
    );
    assert.deepEqual(parseKeyInput({ disabled: true, limit: null }, 'update'), {
      disabled: true,
      budgetLimitMicros: null,
    });
  });

  test('a change of the limit alone keeps the reset; of the reset alone keeps the limit; null removes the budget', () => {
    const created = applyKeyChanges(
      baseRecord(),
      parseKeyInput({ name: 'k', limit: 5, limit_reset: 'weekly' }, 'create'),
      1,
    );
    assert.deepEqual(created.budget, { limitMicros: 5_000_000, reset: 'weekly' });
    const raised = applyKeyChanges(created, parseKeyInput({ limit: 8 }, 'update'), 2);
    assert.deepEqual(raised.budget, { limitMicros: 8_000_000, reset: 'weekly' });
    const monthly = applyKeyChanges(raised, parseKeyInput({ limit_reset: 'monthly' }, 'update'), 3);
    assert.deepEqual(monthly.budget, { limitMicros: 8_000_000, reset: 'monthly' });
    assert.equal(applyKeyChanges(monthly, parseKeyInput({ limit: null }, 'update'), 4).budget, null);
    assert.equal(monthly.updatedAt, 3);
  });

  test('every mistake is a 400 naming the field', () => {
    assert.equal(refusal({}).param, 'name');
    assert.equal(refusal({ name: 'x', allowed_ips: ['10.0.0.0/33'] }).param, 'allowed_ips[0]');
    assert.equal(refusal({ name: 'x', allowed_ips: ['example.com'] }).param, 'allowed_ips[0]');
    assert.equal(refusal({ name: 'x', limits: { rps: 1 } }).param, 'limits.rps');
    assert.equal(refusal({ name: 'x', limits: { rpm: 0.5 } }).param, 'limits.rpm');
    assert.equal(refusal({ name: 'x', limit: -1 }).param, 'limit');
    assert.equal(refusal({ name: 'x', limit: 5, limit_reset: 'hourly' }).param, 'limit_reset');
    assert.equal(refusal({ name: 'x', expires_at: 'tomorrow' }).param, 'expires_at');
    assert.equal(refusal({ name: 'x', key_hash: 'abc' }).param, 'key_hash');
    assert.equal(refusal([]).param, 'body');
  });
});

describe('auth settings and mode', () => {
  const read = (environment: Record<string, string>) => {
    const problems: ConfigProblem[] = [];
    const settings = readSecuritySettings(environment, 'environment', problems);
    return { settings, problems };
  };

  test('defaults: auto mode, SHA-256, CORS open on /v1 only, no proxy trusted', () => {
    const { settings, problems } = read({});
    assert.deepEqual(problems, []);
    assert.equal(settings.authMode, 'auto');
    assert.equal(settings.keyHashSecret, null);
    assert.deepEqual(settings.corsOrigins, ['*']);
    assert.deepEqual(settings.corsAdminOrigins, []);
    assert.equal(settings.trustProxy, false);
    assert.equal(settings.maxHeaderBytes, 16_384);
  });

  test('TRUST_PROXY: true, a hop count or a list of proxies; anything else is a problem naming it', () => {
    assert.equal(read({ TRUST_PROXY: 'true' }).settings.trustProxy, true);
    assert.equal(read({ TRUST_PROXY: '2' }).settings.trustProxy, 2);
    assert.deepEqual(read({ TRUST_PROXY: '10.0.0.0/8, loopback' }).settings.trustProxy, [
      '10.0.0.0/8',
      'loopback',
    ]);
    assert.equal(read({ TRUST_PROXY: 'proxy.local' }).problems[0]?.path, 'TRUST_PROXY');
    assert.equal(read({ AUTH_MODE: 'open' }).problems[0]?.path, 'AUTH_MODE');
    assert.equal(read({ KEY_HASH_SECRET: 'short' }).problems[0]?.path, 'KEY_HASH_SECRET');
    assert.deepEqual(read({ CORS_ORIGINS: 'off' }).settings.corsOrigins, []);
  });

  test('unset AUTH_MODE: keys off the loopback or once a key exists (unknown count = keys); none only locally', () => {
    let count: number | null = 0;
    const local = createAuthMode({ setting: 'auto', host: '127.0.0.1', keyCount: () => count });
    assert.equal(local.keysRequired(), false);
    assert.equal(local.isLocalOpen(), true);
    assert.equal(local.describe().warning, true);
    count = 1;
    assert.equal(local.keysRequired(), true);
    assert.equal(local.isLocalOpen(), false);
    count = null;
    assert.equal(local.keysRequired(), true, 'fail closed until the key table was read');
    const exposed = createAuthMode({ setting: 'auto', host: '0.0.0.0', keyCount: () => 0 });
    assert.equal(exposed.keysRequired(), true);
    assert.equal(exposed.isLocalOpen(), false);
    const forcedOff = createAuthMode({ setting: 'none', host: '0.0.0.0', keyCount: () => 3 });
    assert.equal(forcedOff.keysRequired(), false);
    assert.equal(forcedOff.isLocalOpen(), false, 'admin routes stay closed off the loopback');
    assert.match(forcedOff.describe().text, /anyone who reaches this address/);
    assert.ok(isLoopbackHost('localhost') && isLoopbackHost('::1') && isLoopbackHost('127.0.0.2'));
    assert.ok(!isLoopbackHost('0.0.0.0') && !isLoopbackHost('::') && !isLoopbackHost('10.0.0.1'));
  });
});

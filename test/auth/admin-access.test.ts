import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';
import { ADMIN_KEY, call, chatBody, createKey, pricedModels } from './auth-helpers.js';

let simulator: Simulator;

before(async () => {
  simulator = await startSimulator({ models: ['sim-model'], responseTokens: 3 });
});

after(async () => {
  await simulator.close();
});

/** A pino logger whose lines land in `lines`. */
function capturingLogger(lines: string[]) {
  return pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        callback();
      },
    }),
  );
}

async function withGateway(
  environment: Record<string, string>,
  run: (gateway: GatewayUnderTest, lines: string[]) => Promise<void>,
): Promise<void> {
  const lines: string[] = [];
  const gateway = await startGateway({
    modelsYaml: pricedModels(simulator),
    environment,
    dependencies: { logger: capturingLogger(lines) },
  });
  try {
    await run(gateway, lines);
  } finally {
    await gateway.close();
  }
}

const ADMIN_ROUTES: readonly { method: string; path: string; body?: unknown }[] = [
  { method: 'GET', path: '/admin/keys' },
  { method: 'POST', path: '/admin/keys', body: { name: 'x' } },
  { method: 'PATCH', path: '/admin/keys/key_0000', body: { disabled: true } },
  { method: 'DELETE', path: '/admin/keys/key_0000' },
  { method: 'GET', path: '/routing' },
  { method: 'GET', path: '/v1/providers/status' },
  { method: 'GET', path: '/metrics' },
];

describe('admin access', () => {
  test('with ADMIN_API_KEY: every admin route refuses no key (401), a client key or a wrong key (403)', async () => {
    await withGateway({ ADMIN_API_KEY: ADMIN_KEY, METRICS_REQUIRE_AUTH: 'true' }, async (gateway) => {
      const { key } = await createKey(gateway.origin, { name: 'client' });
      for (const route of ADMIN_ROUTES) {
        const label = `${route.method} ${route.path}`;
        const options = { method: route.method, body: route.body };
        assert.equal((await call(gateway.origin, route.path, { ...options, key: null })).status, 401, label);
        const asClient = await call(gateway.origin, route.path, { ...options, key });
        assert.equal(asClient.status, 403, `${label} with a client key`);
        assert.equal(
          (await call(gateway.origin, route.path, { ...options, key: 'nope' })).status,
          route.path.startsWith('/v1/') ? 401 : 403,
          label,
        );
        const asAdmin = await call(gateway.origin, route.path, { ...options, key: ADMIN_KEY });
        assert.ok([200, 201, 404].includes(asAdmin.status), `${label} as admin: ${asAdmin.status}`);
      }
      const listed = await call(gateway.origin, '/admin/keys', { key: ADMIN_KEY });
      assert.ok(!listed.text.includes(key), 'the key is shown once, at creation, never listed');
      assert.ok(!listed.text.includes('key_hash'));
    });
  });

  test('without ADMIN_API_KEY off the loopback: admin routes are closed, keys required even with none created', async () => {
    await withGateway({ HOST: '0.0.0.0', METRICS_REQUIRE_AUTH: 'true' }, async (gateway, lines) => {
      for (const route of ADMIN_ROUTES) {
        const reply = await call(gateway.origin, route.path, { method: route.method, body: route.body });
        const expected = route.path.startsWith('/v1/') ? 401 : 403;
        assert.equal(reply.status, expected, `${route.method} ${route.path}`);
        if (expected === 403) assert.match(reply.json.error?.message ?? '', /ADMIN_API_KEY/);
      }
      assert.equal(
        (await call(gateway.origin, '/v1/chat/completions', { body: chatBody('priced') })).status,
        401,
      );
      assert.ok(lines.some((line) => line.includes('client keys required')));
    });
  });

  test('local posture (loopback, no keys, no ADMIN_API_KEY): open with one warning line, closed once a key exists', async () => {
    await withGateway({}, async (gateway, lines) => {
      const warnings = lines.filter((line) => line.includes('no client key needed'));
      assert.equal(warnings.length, 1);
      assert.equal(JSON.parse(warnings[0] ?? '{}').level, 40);
      assert.equal(
        (await call(gateway.origin, '/v1/chat/completions', { body: chatBody('priced') })).status,
        200,
      );
      assert.equal((await call(gateway.origin, '/routing')).status, 200);
      const fromBrowser = await call(gateway.origin, '/admin/keys', {
        body: { name: 'csrf' },
        headers: { origin: 'https://evil.example' },
      });
      assert.equal(fromBrowser.status, 403, 'a web page cannot create keys on a local gateway');
      const { key } = await createKey(gateway.origin, { name: 'first' }, null);
      assert.equal(
        (await call(gateway.origin, '/v1/chat/completions', { body: chatBody('priced') })).status,
        401,
      );
      assert.equal(
        (await call(gateway.origin, '/v1/chat/completions', { key, body: chatBody('priced') })).status,
        200,
      );
      assert.equal(
        (await call(gateway.origin, '/routing')).status,
        403,
        'closed: a key exists, no ADMIN_API_KEY',
      );
      assert.equal((await call(gateway.origin, '/admin/keys', { body: { name: 'second' } })).status, 403);
    });
  });

  test('AUTH_MODE=none keeps /v1 open even with keys; AUTH_MODE=keys needs one even on loopback', async () => {
    await withGateway({ AUTH_MODE: 'none', ADMIN_API_KEY: ADMIN_KEY }, async (gateway) => {
      await createKey(gateway.origin, { name: 'ignored' });
      assert.equal(
        (await call(gateway.origin, '/v1/chat/completions', { body: chatBody('priced') })).status,
        200,
      );
    });
    await withGateway({ AUTH_MODE: 'keys' }, async (gateway) => {
      assert.equal(
        (await call(gateway.origin, '/v1/chat/completions', { body: chatBody('priced') })).status,
        401,
      );
      assert.equal((await call(gateway.origin, '/routing')).status, 403);
    });
  });

  test('the admin key works on /v1 for the operator, without any key policy', async () => {
    await withGateway({ ADMIN_API_KEY: ADMIN_KEY, AUTH_MODE: 'keys' }, async (gateway) => {
      const reply = await call(gateway.origin, '/v1/chat/completions', {
        key: ADMIN_KEY,
        body: chatBody('other/model'),
      });
      assert.equal(reply.status, 200);
      assert.equal((await call(gateway.origin, '/api/v1/key', { key: ADMIN_KEY })).status, 400);
    });
  });
});

describe('HTTP hygiene', () => {
  test('CORS: preflight and headers on /v1 and /api/v1 by default, none on admin routes unless listed', async () => {
    await withGateway(
      { ADMIN_API_KEY: ADMIN_KEY, CORS_ADMIN_ORIGINS: 'https://ops.example' },
      async (gateway) => {
        const preflight = await fetch(`${gateway.origin}/api/v1/chat/completions`, {
          method: 'OPTIONS',
          headers: {
            origin: 'https://app.example',
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'authorization, content-type, x-stainless-os',
          },
        });
        assert.equal(preflight.status, 204);
        assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
        assert.equal(
          preflight.headers.get('access-control-allow-headers'),
          'authorization, content-type, x-stainless-os',
        );
        const { key } = await createKey(gateway.origin, { name: 'browser' });
        const answer = await call(gateway.origin, '/v1/chat/completions', {
          key,
          body: chatBody('priced', { stream: true }),
          headers: { origin: 'https://app.example' },
        });
        assert.equal(answer.headers.get('access-control-allow-origin'), '*', 'streams carry it too');
        assert.match(answer.headers.get('access-control-expose-headers') ?? '', /x-generation-id/);
        const adminPreflight = await fetch(`${gateway.origin}/admin/keys`, {
          method: 'OPTIONS',
          headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
        });
        assert.equal(adminPreflight.headers.get('access-control-allow-origin'), null);
        const listed = await call(gateway.origin, '/admin/keys', {
          key: ADMIN_KEY,
          headers: { origin: 'https://ops.example' },
        });
        assert.equal(listed.headers.get('access-control-allow-origin'), 'https://ops.example');
      },
    );
  });

  test('body and header size limits: 413 on an oversized admin body, 431 on oversized headers', async () => {
    await withGateway({ ADMIN_API_KEY: ADMIN_KEY, MAX_REQUEST_HEADER_BYTES: '4096' }, async (gateway) => {
      const big = await call(gateway.origin, '/admin/keys', {
        key: ADMIN_KEY,
        body: { name: 'x'.repeat(70_000) },
      });
      assert.equal(big.status, 413);
      assert.equal(big.json.error?.type, 'payload_too_large');
      const headers = await fetch(`${gateway.origin}/health`, { headers: { 'x-padding': 'y'.repeat(8000) } });
      assert.equal(headers.status, 431);
    });
  });

  test('HTML pages get security headers', async () => {
    const config = loadConfig({
      // Keys in an in-memory database: nothing is written beside the repository.
      environment: { MODELS_CONFIG: 'config/models.yaml', SQLITE_DB_PATH: ':memory:' },
      cwd: process.cwd(),
    });
    const app = createApp(config, { logger: pino({ level: 'silent' }), requestLog: null });
    try {
      app.server.get('/page', async (_request, reply) =>
        reply.type('text/html; charset=utf-8').send('<p>hi</p>'),
      );
      const page = await app.server.inject({ method: 'GET', url: '/page' });
      assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/);
      assert.equal(page.headers['x-content-type-options'], 'nosniff');
      assert.equal(page.headers['x-frame-options'], 'DENY');
      const json = await app.server.inject({ method: 'GET', url: '/health' });
      assert.equal(json.headers['x-frame-options'], undefined);
    } finally {
      await app.close();
    }
  });
});

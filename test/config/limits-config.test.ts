import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';

const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

const MODELS = `providers:
  groq: { kind: groq, api_key: k, limits: { rpm: 30, tpd: 500000 } }
models:
  - id: google/gemini-2.5-flash
    aliases: [gemini-2.5-flash]
    route: [{ kind: openai_compat, base_url: "http://127.0.0.1:1/v1", limits: { max_concurrency: 4 } }]
  - id: deepseek-chat
    limits: { tpd: 42 }
    route: [{ kind: openai_compat, base_url: "http://127.0.0.1:2/v1" }]
  - id: llama
    route: [{ provider: groq, provider_model_id: llama }]
`;

function load(environment: Record<string, string> = {}) {
  const folder = mkdtempSync(join(tmpdir(), 'hi-limits-config-'));
  folders.push(folder);
  writeFileSync(join(folder, 'models.yaml'), MODELS);
  return loadConfig({ environment: { CONFIG_DIR: folder, ...environment }, cwd: folder });
}

function problems(environment: Record<string, string>) {
  try {
    load(environment);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems.map((problem) => `${problem.file} ${problem.path}: ${problem.message}`);
  }
  assert.fail('expected a ConfigError');
}

describe('limits and admission settings', () => {
  test('limits on a provider, a model and a route reach every route they govern', () => {
    const config = load();
    const [gemini, deepseek, llama] = config.models;
    assert.deepEqual(gemini?.routes[0]?.limits.route, { max_concurrency: 4 });
    assert.deepEqual(llama?.routes[0]?.limits.provider, { rpm: 30, tpd: 500000 });
    assert.equal(deepseek?.routes[0]?.limits.model.tpd, 42, 'models.yaml wins over the seed default');
  });

  test("the seed's quota variables: defaults, explicit values (also through an alias), and <= 0 to turn off", () => {
    const defaults = load();
    assert.equal(defaults.models[0]?.routes[0]?.limits.model.tpm, 1_000_000, 'GEMINI_TPM_LIMIT default');
    const set = load({ GEMINI_TPM_LIMIT: '5000', DEEPSEEK_TPD_LIMIT: '9000', DEEPSEEK_TPM_LIMIT: '700' });
    assert.equal(set.models[0]?.limits.tpm, 5000);
    assert.deepEqual(set.models[1]?.routes[0]?.limits.model, { tpd: 9000, tpm: 700 }, 'a set variable wins');
    const off = load({ GEMINI_TPM_LIMIT: '0' });
    assert.equal(off.models[0]?.limits.tpm, undefined);
    const disabled = load({ RATE_LIMIT_ENABLED: 'false' });
    assert.equal(disabled.limitsEnabled, false);
    assert.equal(disabled.models[0]?.limits.tpm, undefined, 'no seed defaults when limits are off');
  });

  test('queue and state store settings, with their defaults', () => {
    const config = load();
    assert.deepEqual(config.admission, {
      maxConcurrent: 256,
      maxWaiting: 200,
      queueTimeoutMs: 30_000,
      releaseStreamAtCommit: true,
    });
    assert.equal(config.state.store, 'memory');
    const redis = load({ REDIS_URL: 'redis://127.0.0.1:6379', REQUEST_QUEUE_TIMEOUT_SECONDS: '2.5' });
    assert.equal(redis.state.store, 'redis', 'REDIS_URL alone selects the Redis store');
    assert.equal(redis.admission.queueTimeoutMs, 2500);
  });

  test('bad values name the variable and the fix', () => {
    assert.deepEqual(
      problems({ STATE_STORE: 'etcd', MAX_CONCURRENT_REQUESTS: '0', GEMINI_TPM_LIMIT: 'lots' }),
      [
        "environment GEMINI_TPM_LIMIT: must be a number of tokens (≤ 0 turns the limit off), found 'lots'",
        "environment STATE_STORE: must be memory, sqlite or redis, found 'etcd'",
        "environment MAX_CONCURRENT_REQUESTS: must be a whole number ≥ 1, found '0'",
      ],
    );
    assert.deepEqual(problems({ STATE_STORE: 'redis' }), [
      'environment REDIS_URL: STATE_STORE=redis needs REDIS_URL, e.g. redis://127.0.0.1:6379',
    ]);
    assert.deepEqual(problems({ REDIS_URL: 'localhost:6379' }), [
      'environment REDIS_URL: must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379',
    ]);
  });
});

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

function write(models: string, routing?: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'hi-load-config-'));
  folders.push(folder);
  writeFileSync(join(folder, 'models.yaml'), models);
  if (routing !== undefined) writeFileSync(join(folder, 'routing.yaml'), routing);
  return folder;
}

function problemsOf(folder: string, environment: Record<string, string> = {}) {
  try {
    loadConfig({ environment: { CONFIG_DIR: folder, ...environment }, cwd: folder });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('loadConfig', () => {
  test('the shipped configs load with no environment at all and keep only the local route', () => {
    const config = loadConfig({ environment: {}, cwd: process.cwd() });
    const local = config.models.find((model) => model.id === 'meta-llama/llama-3.1-8b-instruct');
    assert.ok(local);
    assert.deepEqual(
      local.routes.map((route) => [route.kind, route.baseUrl, route.isLocal]),
      [['vllm', 'http://127.0.0.1:8000/v1', true]],
    );
    assert.equal(config.routing.strategy, 'fixed');
    assert.equal(config.routing.localFraction, 0.6);
    assert.ok(config.warnings.some((line) => line.includes('set GROQ_API_KEY')));
    assert.equal(config.server.port, 8080);
    assert.equal(config.server.host, '127.0.0.1');
    assert.equal(config.server.bodyLimitBytes, 20 * 1024 * 1024);
  });

  test('substitutes ${VAR} and ${VAR:-default} in every string of both files', () => {
    const folder = write(
      `models:
  - id: m
    name: \${MODEL_NAME:-Fallback name}
    route:
      - kind: \${KIND}
        base_url: http://\${HOST_PART:-127.0.0.1}:9000/v1
        provider_model_id: \${UPSTREAM_MODEL}
`,
      `routing_strategy: fixed
local_deployment:
  - endpoint: \${LOCAL_BASE_URL:-http://127.0.0.1:9000/v1}
    models: [m]
`,
    );
    const config = loadConfig({
      environment: { CONFIG_DIR: folder, KIND: 'vllm', UPSTREAM_MODEL: 'org/Model-7B', HOST_PART: '' },
      cwd: folder,
    });
    const model = config.models[0]!;
    assert.equal(model.name, 'Fallback name');
    assert.equal(model.routes[0]!.baseUrl, 'http://127.0.0.1:9000/v1');
    assert.equal(model.routes[0]!.providerModelId, 'org/Model-7B');
    assert.deepEqual(config.routing.localEndpoints, ['http://127.0.0.1:9000']);
  });

  test('a route whose key is empty is disabled with one warning naming the variable', () => {
    const folder = write(`models:
  - id: m
    route:
      - kind: vllm
        base_url: http://127.0.0.1:9000/v1
      - kind: groq
        api_key: \${MY_GROQ_KEY}
`);
    const config = loadConfig({ environment: { CONFIG_DIR: folder }, cwd: folder });
    assert.equal(config.models[0]!.routes.length, 1);
    assert.equal(config.models[0]!.disabledRoutes[0]!.reason, 'missing_api_key');
    assert.equal(config.warnings.length, 1);
    assert.match(config.warnings[0]!, /groq\/m .*disabled: api_key is empty \(set MY_GROQ_KEY\)/);
  });

  test('lists every problem with file, path and a fix, not just the first', () => {
    const folder = write(`models:
  - id: a
    contxt_length: 10
    route:
      - kind: vllm
  - id: b
    route:
      - kind: warp-drive
        base_url: http://x
        weight: -1
  - id: a
    route: [{ kind: vllm, base_url: "not a url" }]
`);
    const problems = problemsOf(folder);
    const byPath = new Map(problems.map((problem) => [problem.path, problem]));
    assert.ok(problems.every((problem) => problem.file === join(folder, 'models.yaml')));
    assert.match(byPath.get('models[0]')?.message ?? '', /unknown field 'contxt_length'/);
    assert.match(byPath.get('models[1].route[0].weight')?.message ?? '', />=0|0/);
    assert.match(byPath.get('models[2].route[0].base_url')?.message ?? '', /http:\/\/ or https:\/\/ URL/);
    assert.ok(problems.length >= 3);
  });

  test('semantic problems: unknown kind, missing base_url, duplicate ids', () => {
    const folder = write(`models:
  - id: a
    aliases: [shared]
    route: [{ kind: vllm }]
  - id: b
    aliases: [shared]
    route: [{ kind: warp-drive, base_url: http://127.0.0.1:1/v1 }]
`);
    const messages = problemsOf(folder).map((problem) => `${problem.path}: ${problem.message}`);
    assert.ok(
      messages.some((line) => /models\[0\].route\[0\].base_url: is required for kind vllm/.test(line)),
    );
    assert.ok(messages.some((line) => /models\[1\].aliases\[0\]: 'shared' is already used/.test(line)));
    assert.ok(
      messages.some((line) =>
        /models\[1\].route\[0\].kind: unknown kind 'warp-drive'; use one of/.test(line),
      ),
    );
  });

  test('YAML syntax errors name the line', () => {
    const folder = write('models:\n  - id: a\n   bad: [\n');
    const [problem] = problemsOf(folder);
    assert.match(problem!.message, /YAML syntax error at line \d+/);
  });

  test('routing.yaml problems name routing.yaml; bad environment values name the variable', () => {
    const folder = write(
      'models: []\n',
      'routing_strategy: fastest\nrouting_parameter: { local_fraction: 1.5 }\n',
    );
    const problems = problemsOf(folder, { PORT: 'eighty' });
    assert.ok(
      problems.some(
        (problem) => problem.file.endsWith('routing.yaml') && problem.path === 'routing_strategy',
      ),
    );
    assert.ok(
      problems.some(
        (problem) =>
          problem.path === 'routing_parameter.local_fraction' &&
          /must be at most 1, found 1.5/.test(problem.message),
      ),
    );
    assert.ok(problems.some((problem) => problem.file === 'environment' && problem.path === 'PORT'));
  });

  test('missing models.yaml says which file and how to fix it', () => {
    const problems = problemsOf('/nonexistent-folder-for-test');
    assert.match(problems[0]!.file, /models\.yaml$/);
    assert.match(problems[0]!.message, /file not found; create it/);
  });

  test('hard offload disables routes on LOCAL_BASE_URL (trailing / and /v1 ignored)', () => {
    const folder = write(`models:
  - id: m
    route:
      - { kind: vllm, base_url: "http://LOCALHOST:9000/v1/" }
      - { kind: openai_compat, base_url: "http://127.0.0.1:9100/v1" }
`);
    const config = loadConfig({
      environment: { CONFIG_DIR: folder, OFFLOAD: 'yes', LOCAL_BASE_URL: 'http://localhost:9000' },
      cwd: folder,
    });
    assert.deepEqual(
      config.models[0]!.routes.map((route) => route.baseUrl),
      ['http://127.0.0.1:9100/v1'],
    );
    assert.equal(config.models[0]!.disabledRoutes[0]!.reason, 'offload');
  });

  test('shared providers supply kind, base URL and key; routes may override pricing', () => {
    const folder = write(`providers:
  fast: { kind: groq, name: Fast Cloud, api_key: "\${FAST_KEY}" }
models:
  - id: m
    pricing: { prompt: "0.000001", completion: 0.000002 }
    route:
      - { provider: fast, provider_model_id: m-fast, pricing: { prompt: "0.5e-6", completion: "0.000001" } }
`);
    const config = loadConfig({ environment: { CONFIG_DIR: folder, FAST_KEY: 'gsk_secret' }, cwd: folder });
    const route = config.models[0]!.routes[0]!;
    assert.equal(route.provider, 'fast');
    assert.equal(route.providerName, 'Fast Cloud');
    assert.equal(route.baseUrl, 'https://api.groq.com/openai/v1');
    assert.equal(route.apiKey, 'gsk_secret');
    assert.equal(route.pricing.prompt, '0.5e-6');
    assert.equal(config.models[0]!.pricing.completion, '0.000002');
  });
});

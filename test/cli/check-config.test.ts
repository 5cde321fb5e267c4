import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function runCli(args: string[], environment: Record<string, string> = {}) {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(process.cwd(), 'src', 'cli.ts'), ...args],
    {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...environment },
      timeout: 30_000,
    },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function folderWith(models: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'hi-cli-'));
  folders.push(folder);
  writeFileSync(join(folder, 'models.yaml'), models);
  return folder;
}

describe('hybrid-inference check-config', () => {
  test('valid config: exit 0 and the route table with secrets masked', () => {
    const folder = folderWith(`models:
  - id: m
    route:
      - { kind: vllm, base_url: "http://127.0.0.1:9000/v1", weight: 3 }
      - { kind: groq, api_key: "\${GROQ_API_KEY}", weight: 1 }
`);
    const result = runCli(['check-config', '--config-dir', folder], {
      GROQ_API_KEY: 'gsk_live_abcdefgh12345678wxyz',
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /75\.0%\s+vllm\/m/);
    assert.match(result.stdout, /25\.0%\s+groq\/m .*key=…wxyz/);
    assert.doesNotMatch(result.stdout, /gsk_live_abcdefgh/);
    assert.match(result.stdout, /configuration OK/);
  });

  test('invalid config: exit 1 and every problem with file and path', () => {
    const folder = folderWith(`models:
  - id: m
    weight: 2
    route: [{ kind: nope, base_url: "http://x" }]
`);
    const result = runCli(['check-config', '--config-dir', folder], { PORT: 'abc' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /models\.yaml → models\[0\]: unknown field 'weight'/);
    assert.match(result.stderr, /environment → PORT: must be a whole number/);
  });

  test('serve refuses to start on a broken config and says how to check it', () => {
    const folder = folderWith('models: [{ id: m, route: [{ kind: vllm }] }]\n');
    const result = runCli(['serve', '--config-dir', folder, '--port', '0']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /models\[0\]\.route\[0\]\.base_url: is required for kind vllm/);
    assert.match(result.stderr, /did not start/);
  });

  test('an unknown flag or command exits 2 with the usage', () => {
    const flag = runCli(['serve', '--prot', '1']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /unknown flag --prot/);
    const command = runCli(['frobnicate']);
    assert.equal(command.code, 2);
    assert.match(command.stderr, /Unknown command 'frobnicate'/);
  });
});

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { eventually } from '../helpers/start-gateway.js';

const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;

let simulator: Simulator;
let directory: string;
let child: ChildProcess;
let origin = '';
const lines: string[] = [];

const modelsYaml = (ids: string[]) =>
  `models:\n${ids
    .map(
      (id) =>
        `  - id: ${id}\n    route: [{ kind: vllm, base_url: "${simulator.url}", provider_model_id: up }]\n`,
    )
    .join('')}`;

async function modelIds(): Promise<string[]> {
  const response = await fetch(`${origin}/v1/models`);
  const body = (await response.json()) as { data: { id: string }[] };
  return body.data.map((model) => model.id);
}

async function strategy(): Promise<string> {
  const response = await fetch(`${origin}/routing`);
  return ((await response.json()) as { strategy: string }).strategy;
}

before(async () => {
  simulator = await startSimulator({ models: ['up'] });
  directory = mkdtempSync(join(tmpdir(), 'hi-reload-'));
  writeFileSync(join(directory, 'models.yaml'), modelsYaml(['first']));
  writeFileSync(join(directory, 'routing.yaml'), 'routing_strategy: weighted\n');
  child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), CLI, 'serve', '--port', '0'], {
    cwd: directory,
    env: { PATH: process.env.PATH ?? '', CONFIG_DIR: directory, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
  });
  await eventually(() => lines.some((line) => line.includes('listening on')), 20_000);
  const listening = lines.find((line) => line.includes('listening on')) ?? '';
  origin = /listening on (http:\/\/[^"\s]+)/.exec(listening)?.[1] ?? '';
});

after(async () => {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  rmSync(directory, { recursive: true, force: true });
  await simulator.close();
});

describe('config reload without a restart', () => {
  test('a changed models.yaml is picked up on its own; a request in flight finishes on the old config', async () => {
    assert.deepEqual(await modelIds(), ['first']);
    const inFlight = fetch(`${origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'first',
        messages: [{ role: 'user', content: 'x' }],
        sim: { ttft_ms: 600 },
      }),
    });
    await eventually(() => simulator.stats().chatRequests === 1, 5000);
    writeFileSync(join(directory, 'models.yaml'), modelsYaml(['second']));
    await eventually(() => lines.some((line) => line.includes('configuration reloaded')), 5000);
    assert.deepEqual(await modelIds(), ['second']);
    const response = await inFlight;
    assert.equal(response.status, 200, 'the request that started before the reload still completes');
  });

  test('an invalid new config is refused with its problems logged, and the old one keeps serving', async () => {
    writeFileSync(join(directory, 'routing.yaml'), 'routing_strategy: fastest\n');
    await eventually(() => lines.some((line) => line.includes('new configuration refused')), 5000);
    const refusal = lines.find((line) => line.includes('new configuration refused')) ?? '';
    assert.match(refusal, /routing\.yaml/);
    assert.match(refusal, /routing_strategy/);
    assert.equal(await strategy(), 'weighted');
    assert.deepEqual(await modelIds(), ['second']);
  });

  test('SIGHUP reloads on demand', async () => {
    const before = lines.filter((line) => line.includes('configuration reloaded')).length;
    child.kill('SIGSTOP');
    // Written while the process is stopped; the watch event and SIGHUP arrive together and make one reload
    // at most per trigger.
    writeFileSync(join(directory, 'routing.yaml'), 'routing_strategy: ranked\n');
    child.kill('SIGCONT');
    child.kill('SIGHUP');
    await eventually(
      () => lines.filter((line) => line.includes('configuration reloaded')).length > before,
      5000,
    );
    await eventually(() => lines.some((line) => line.includes('"trigger":"SIGHUP"')), 5000);
    assert.equal(await strategy(), 'ranked');
  });
});

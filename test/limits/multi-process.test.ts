import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { eventually } from '../helpers/start-gateway.js';
import { ensureRedis } from '../helpers/ensure-services.js';

// Real gateway processes (`serve --workers 2`, node:cluster, one shared port) in front of one simulator.
const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;
const REDIS_URL = 'redis://127.0.0.1:6379';

let simulator: Simulator;
let directory: string;

before(async () => {
  await ensureRedis();
  simulator = await startSimulator({ models: ['up'], responseTokens: 2 });
  directory = mkdtempSync(join(tmpdir(), 'hi-cluster-'));
  writeFileSync(
    join(directory, 'models.yaml'),
    `models:\n  - id: m\n    route: [{ kind: vllm, base_url: "${simulator.url}", provider_model_id: up, limits: { rpm: 10 } }]\n`,
  );
});

after(async () => {
  await simulator.close();
  rmSync(directory, { recursive: true, force: true });
});

async function withCluster(environment: Record<string, string>, run: (origin: string) => Promise<void>) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), CLI, 'serve', '--port', '0', '--workers', '2'],
    {
      cwd: directory,
      env: { PATH: process.env.PATH ?? '', CONFIG_DIR: directory, LOG_LEVEL: 'info', ...environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n')));
  try {
    await eventually(() => lines.filter((line) => line.includes('listening on')).length === 2, 30_000);
    const origin = /listening on (http:\/\/[^"\s]+)/.exec(
      lines.find((line) => line.includes('listening on')) ?? '',
    )?.[1];
    assert.ok(origin !== undefined);
    await run(origin);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

/** 30 requests, 6 at a time, each on a new connection so the cluster spreads them over both workers. */
async function burst(origin: string): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < 30) {
      next += 1;
      const response = await fetch(`${origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
      });
      await response.arrayBuffer();
      statuses.push(response.status);
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  return statuses;
}

describe('several gateway processes', () => {
  test('two workers sharing Redis admit exactly rpm requests per minute in total, not 2×', async () => {
    const prefix = `hi-test:${process.pid}:${Date.now()}:`;
    try {
      await withCluster({ REDIS_URL, REDIS_KEY_PREFIX: prefix }, async (origin) => {
        // Both workers reach Redis before the burst (until then each counts alone, as documented).
        let healthyInARow = 0;
        const deadline = Date.now() + 10_000;
        while (healthyInARow < 6 && Date.now() < deadline) {
          const response = await fetch(`${origin}/health`, { headers: { connection: 'close' } });
          const body = (await response.json()) as { state_store: { healthy: boolean } };
          healthyInARow = body.state_store.healthy ? healthyInARow + 1 : 0;
        }
        assert.equal(healthyInARow, 6, 'every worker reached Redis');
        const statuses = await burst(origin);
        assert.equal(statuses.filter((status) => status === 200).length, 10);
        assert.equal(statuses.filter((status) => status === 429).length, 20);
      });
    } finally {
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    }
  });

  test('GET /metrics on any worker shows the whole cluster: counters summed over the workers', async () => {
    await withCluster({}, async (origin) => {
      const statuses = await burst(origin);
      const served = statuses.filter((status) => status === 200).length;
      // Each scrape lands on whichever worker accepts the connection; every one must show every request.
      for (let scrape = 0; scrape < 6; scrape += 1) {
        const text = await (await fetch(`${origin}/metrics`, { headers: { connection: 'close' } })).text();
        const total = text
          .split('\n')
          .filter((line) => line.startsWith('gateway_requests_total{'))
          .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
        assert.equal(total, statuses.length, `scrape ${scrape}: ${served} served of ${statuses.length}`);
      }
    });
  });

  test('without a shared store each worker counts alone (what the startup warning says)', async () => {
    await withCluster({}, async (origin) => {
      const statuses = await burst(origin);
      assert.ok(statuses.filter((status) => status === 200).length > 10);
    });
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createApp, type App, type AppDependencies } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import type { RequestRecord } from '../../src/gateway/request-record.js';

export interface GatewayUnderTest {
  /** e.g. http://127.0.0.1:PORT */
  readonly origin: string;
  readonly config: Config;
  readonly app: App;
  /** The temp config folder (models.yaml, routing.yaml). */
  readonly directory: string;
  /** Every finished request, in order. */
  readonly records: RequestRecord[];
  close(): Promise<void>;
}

export interface StartGatewayOptions {
  readonly modelsYaml: string;
  readonly routingYaml?: string;
  readonly environment?: Record<string, string>;
  readonly dependencies?: AppDependencies;
}

/** Writes the configs to a temp folder, builds the real app and listens on a free loopback port. */
export async function startGateway(options: StartGatewayOptions): Promise<GatewayUnderTest> {
  const directory = mkdtempSync(join(tmpdir(), 'hi-config-'));
  writeFileSync(join(directory, 'models.yaml'), options.modelsYaml);
  if (options.routingYaml !== undefined) writeFileSync(join(directory, 'routing.yaml'), options.routingYaml);
  const config = loadConfig({
    environment: { CONFIG_DIR: directory, ...options.environment },
    cwd: directory,
  });
  const records: RequestRecord[] = [];
  const app = createApp(config, {
    logger: pino({ level: 'silent' }),
    ...options.dependencies,
    onRecord: (record) => {
      records.push(record);
      options.dependencies?.onRecord?.(record);
    },
  });
  const address = await app.server.listen({ host: '127.0.0.1', port: 0 });
  return {
    origin: address,
    config,
    app,
    directory,
    records,
    async close() {
      await app.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Polls until `predicate` holds (records are written after the response ends). */
export async function eventually(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

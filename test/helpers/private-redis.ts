import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** Stops the server (SIGKILL = a crash, SIGSTOP = a hang) and waits for it to exit (not for SIGSTOP). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Lets a server paused with SIGSTOP run again. */
  resume(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

function launch(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start within 5 s')), 5000);
    child.on('error', reject);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (!chunk.toString().includes('Ready to accept connections')) return;
      clearTimeout(timer);
      resolve(child);
    });
  });
}

/**
 * A redis-server of the test's own on a free port, so an outage test never stops the Redis other tests
 * share. Killed when the test process exits.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let server = await launch(port);
  process.on('exit', () => server.kill('SIGKILL'));
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop(signal = 'SIGKILL') {
      if (server.exitCode !== null || server.signalCode !== null) return Promise.resolve();
      if (signal === 'SIGSTOP') {
        server.kill('SIGSTOP');
        return Promise.resolve();
      }
      const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
      server.kill('SIGCONT');
      server.kill(signal);
      return exited;
    },
    async start() {
      server = await launch(port);
    },
    resume() {
      server.kill('SIGCONT');
    },
  };
}

import { spawnSync } from 'node:child_process';
import { Socket } from 'node:net';

/** Whether something accepts TCP connections at host:port (within half a second). */
export function reachable(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

/**
 * Redis on 127.0.0.1:6379 for the tests that need it: started (in-memory, no persistence) when it is down,
 * and a clear failure, never a silent skip, when it cannot be.
 */
export async function ensureRedis(): Promise<void> {
  if (await reachable(6379)) return;
  const started = spawnSync(
    'redis-server',
    ['--port', '6379', '--daemonize', 'yes', '--save', '', '--appendonly', 'no'],
    {
      encoding: 'utf8',
    },
  );
  for (let attempt = 0; attempt < 50; attempt += 1) {
    if (await reachable(6379)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `Redis is not running on 127.0.0.1:6379 and 'redis-server' could not start it (${started.error?.message ?? started.stderr}). Install Redis (apt-get install redis-server) and start it.`,
  );
}

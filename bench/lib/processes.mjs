// The child processes of a harness (simulators, gateways, proxies, load workers): free ports, start with the
// output in a log file, wait for /health, stop, and on any exit or failure stop them all and clean up.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repo } from './build.mjs';

const children = new Map();
/** Names of children being stopped on purpose (stopChild): their exit is no failure. */
const stopping = new Set();
const shutdownHooks = [];
let workDir = null;
let shuttingDown = false;

/** Creates the run's temp folder (children's logs, configs); shutdown removes it. */
export function createWorkDir(prefix) {
  workDir = mkdtempSync(join(os.tmpdir(), prefix));
  return workDir;
}

/** The children started and not stopped on purpose, in start order. */
export function listChildren() {
  return [...children.values()];
}

/** Binds port 0 `count` times at once (so the ports differ), then releases them for the children. */
export async function freePorts(count) {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise((resolvePort, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolvePort(server));
        }),
    ),
  );
  const ports = servers.map((server) => server.address().port);
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
  return ports;
}

/** The last `lines` lines a child wrote (stdout and stderr). */
export function logTail(child, lines = 15) {
  try {
    return readFileSync(child.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

/**
 * Starts `node nodeArgs` (under `taskset -c core` when `pin`), its output in `<work dir>/<name>.log`. `ipc`
 * opens an IPC channel with 'advanced' serialisation. An exit not asked for stops the whole run.
 */
export function startChild(
  name,
  nodeArgs,
  { core = 0, pin = false, env = process.env, cwd = repo, ipc = false } = {},
) {
  const logPath = join(workDir, `${name}.log`);
  const fd = openSync(logPath, 'a');
  const command = pin ? 'taskset' : process.execPath;
  const args = pin ? ['-c', String(core), process.execPath, ...nodeArgs] : nodeArgs;
  const proc = spawn(command, args, {
    cwd,
    env,
    stdio: ['ignore', fd, fd, ...(ipc ? ['ipc'] : [])],
    ...(ipc ? { serialization: 'advanced' } : {}),
  });
  closeSync(fd);
  const child = { name, proc, pid: proc.pid, logPath, exited: null, core: pin ? core : null };
  children.set(name, child);
  proc.once('exit', (code, signal) => {
    child.exited = { code, signal };
    if (!shuttingDown && !stopping.has(name)) {
      const busy = /EADDRINUSE/.test(logTail(child, 50)) ? ' (its port is busy: EADDRINUSE)' : '';
      void shutdown(
        1,
        `${name} (pid ${child.pid}) exited unexpectedly${busy}: code ${code}, signal ${signal}\n${logTail(child)}`,
      );
    }
  });
  return child;
}

/** Stops one child (SIGTERM, SIGKILL after 10 s) and forgets it. */
export async function stopChild(child) {
  stopping.add(child.name);
  if (child.exited === null) {
    const exited = new Promise((done) => child.proc.once('exit', done));
    child.proc.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
    if (child.exited === null) child.proc.kill('SIGKILL');
  }
  children.delete(child.name);
  stopping.delete(child.name);
}

/** Starts a child (as startChild) that serves HTTP on `port` and waits until it is healthy. */
export async function startServer(name, nodeArgs, port, options) {
  const child = startChild(name, nodeArgs, options);
  await waitHealthy(child, port);
  return child;
}

/** Polls GET /health on `port` until it answers 2xx (15 s at most). */
export async function waitHealthy(child, port) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exited !== null)
      throw new Error(`${child.name} exited before listening on ${port}:\n${logTail(child)}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`${child.name} did not answer GET /health on port ${port} within 15 s:\n${logTail(child)}`);
}

/** Runs `hook` during shutdown, once every child is gone and before the work dir is removed. */
export function onShutdown(hook) {
  shutdownHooks.push(hook);
}

/** Prints `message` (stderr), stops every child (SIGTERM, SIGKILL after 10 s), cleans up and exits. */
export async function shutdown(code, message) {
  if (shuttingDown) return;
  shuttingDown = true;
  if (message) process.stderr.write(`\n${message}\n`);
  const running = listChildren().filter((child) => child.exited === null);
  for (const child of running) child.proc.kill('SIGTERM');
  await Promise.race([
    Promise.all(running.map((child) => new Promise((done) => child.proc.once('exit', done)))),
    sleep(10_000),
  ]);
  for (const child of children.values()) if (child.exited === null) child.proc.kill('SIGKILL');
  for (const hook of shutdownHooks) {
    try {
      await hook();
    } catch (error) {
      process.stderr.write(`shutdown: ${error?.message ?? error}\n`);
    }
  }
  if (workDir !== null) rmSync(workDir, { recursive: true, force: true });
  process.exit(code);
}

/**
 * Runs the harness: --help prints `usage`; otherwise `main(options)` runs, and the process exits with the
 * code it returns (printing `note()` on the way out) or 1 when it throws, every child stopped first.
 */
export function runMain({ usage, parseOptions, main, note = () => '' }) {
  const run = async () => {
    const options = parseOptions(process.argv.slice(2));
    if (options.help) {
      process.stdout.write(usage);
      return 0;
    }
    return main(options);
  };
  run().then(
    (code) => shutdown(code, note()),
    (error) => shutdown(1, `benchmark failed: ${error?.message ?? error}`),
  );
}

process.on('exit', () => {
  for (const child of children.values()) if (child.exited === null) child.proc.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => void shutdown(130, `${signal}: stopping`));

import { spawnSync } from 'node:child_process';
import { reachable } from './ensure-services.js';

/** The database the storage tests use; `TEST_DATABASE_URL` overrides it. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Every local cluster `pg_lsclusters` knows, as `[version, name]`. */
function localClusters(): [string, string][] {
  const listed = spawnSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' });
  if (listed.status !== 0) return [];
  return listed.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields): fields is [string, string, ...string[]] => fields.length >= 2 && fields[0] !== '')
    .map(([version, name]) => [version, name]);
}

/**
 * PostgreSQL at `TEST_DATABASE_URL` for the tests that need it: started (`pg_ctlcluster`, then
 * `service postgresql start`) when it is down, and a clear failure, never a silent skip, when it cannot be.
 */
export async function ensurePostgres(): Promise<string> {
  const url = new URL(TEST_DATABASE_URL);
  const host = url.hostname || '127.0.0.1';
  const port = Number(url.port || 5432);
  if (await reachable(port, host)) return TEST_DATABASE_URL;
  const tried: string[] = [];
  for (const [version, name] of localClusters()) {
    const started = spawnSync('pg_ctlcluster', [version, name, 'start'], { encoding: 'utf8' });
    tried.push(`pg_ctlcluster ${version} ${name} start: ${started.error?.message ?? started.stderr.trim()}`);
  }
  if (!(await reachable(port, host))) {
    const started = spawnSync('service', ['postgresql', 'start'], { encoding: 'utf8' });
    tried.push(`service postgresql start: ${started.error?.message ?? started.stderr.trim()}`);
  }
  for (let attempt = 0; attempt < 50; attempt += 1) {
    if (await reachable(port, host)) return TEST_DATABASE_URL;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `PostgreSQL is not running on ${host}:${port} and could not be started (${tried.join('; ') || 'no local cluster found'}). ` +
      'Install it (apt-get install postgresql), start it, or point TEST_DATABASE_URL at one.',
  );
}

// Where the built gateway is and whether it is current: every harness runs dist/cli.js, never src/.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { print } from './report.mjs';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const cliPath = join(repo, 'dist', 'cli.js');

/**
 * Throws when dist/cli.js is missing and warns when a src/ file is newer than it. `npmScript` is the script
 * that builds and runs this harness (named in the error).
 */
export function checkBuild(npmScript) {
  let built;
  try {
    built = statSync(cliPath).mtimeMs;
  } catch {
    throw new Error(
      `${relative(process.cwd(), cliPath)} is missing: run 'npm run build' (or 'npm run ${npmScript}')`,
    );
  }
  const newest = readdirSync(join(repo, 'src'), { recursive: true })
    .filter((file) => String(file).endsWith('.ts'))
    .reduce((latest, file) => Math.max(latest, statSync(join(repo, 'src', String(file))).mtimeMs), 0);
  if (newest > built)
    print(`warning: src/ is newer than dist/ — run 'npm run build' to benchmark the current code`);
}

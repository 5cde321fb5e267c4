import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

test('the bin shebang runs node with the same V8 flags as npm start (package.json config.node_flags)', () => {
  const packageJson = JSON.parse(readFileSync('package.json', 'utf8')) as {
    config: { node_flags: string };
    scripts: { start: string };
  };
  const shebang = readFileSync('src/cli.ts', 'utf8').split('\n')[0];
  assert.equal(shebang, `#!/usr/bin/env -S node ${packageJson.config.node_flags}`);
  assert.match(packageJson.scripts.start, /node \$npm_package_config_node_flags dist\/cli\.js serve/);
});

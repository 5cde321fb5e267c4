// How the harnesses start the built CLI: the gateway's node flags and clean environment, the simulator's
// arguments, and a models.yaml routing one model to a simulator.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, repo } from './build.mjs';

/** The V8 flags `npm start` and the `hybrid-inference` bin run the gateway with (package.json config). */
export const gatewayNodeFlags = (
  JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).config?.node_flags ?? ''
)
  .split(' ')
  .filter((flag) => flag !== '');

/** Settings of this process's environment that would change a gateway's config or where it keeps state. */
const INHERITED_SETTINGS = [
  'CONFIG_DIR',
  'MODELS_CONFIG',
  'ROUTING_CONFIG',
  'HOST',
  'PORT',
  'LOCAL_BASE_URL',
  'OFFLOAD',
  'REDIS_URL',
  'STATE_STORE',
  'OPENROUTER_SQLITE_DB',
  'ADMIN_API_KEY',
];

/**
 * The environment of a gateway whose config and SQLite request log live in `dir`: this process's, less
 * INHERITED_SETTINGS and `unset`, plus `set`.
 */
export function gatewayEnv({ logLevel, dir, unset = [], set = {} }) {
  const env = { ...process.env, LOG_LEVEL: logLevel, SQLITE_DB_PATH: join(dir, 'requests.db') };
  for (const key of [...INHERITED_SETTINGS, ...unset]) delete env[key];
  return { ...env, ...set };
}

/** `node` arguments of a simulator serving `model` on `port` (ttft, speed, concurrency 0: no limit). */
export function simulatorArgs({
  port,
  model,
  responseTokens,
  maxConcurrency = 0,
  ttftMs = 0,
  tokensPerSecond = 0,
}) {
  return [
    cliPath,
    'simulate',
    '--port',
    String(port),
    '--model',
    model,
    '--response-tokens',
    String(responseTokens),
    '--max-concurrency',
    String(maxConcurrency),
    '--ttft-ms',
    String(ttftMs),
    '--tokens-per-second',
    String(tokensPerSecond),
  ];
}

/** models.yaml: one free model routed to the simulator on `simPort`; `limits` (YAML) goes on the route. */
export function simulatorModelsYaml({ model, simPort, limits = null }) {
  return [
    'models:',
    `  - id: ${model}`,
    '    name: Bench Model',
    "    pricing: { prompt: '0', completion: '0' }",
    '    route:',
    '      - kind: vllm',
    `        base_url: http://127.0.0.1:${simPort}/v1`,
    `        provider_model_id: ${model}`,
    ...(limits === null ? [] : [`        limits: ${limits}`]),
    '',
  ].join('\n');
}

/** `node` arguments of a gateway on `port` with its config in `dir`; `nodeFlags` go before the CLI. */
export function gatewayArgs(port, dir, nodeFlags = []) {
  return [...gatewayNodeFlags, ...nodeFlags, cliPath, 'serve', '--port', String(port), '--config-dir', dir];
}

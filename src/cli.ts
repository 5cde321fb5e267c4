#!/usr/bin/env -S node --max-old-space-size=1024
import { existsSync } from 'node:fs';
import { runCheckConfig } from './cli/check-config-command.js';
import { KEYS_USAGE, runKeysCommand } from './cli/keys-command.js';
import { runLogsCommand } from './cli/logs-command.js';
import { parseFlags } from './cli/parse-flags.js';
import cluster from 'node:cluster';
import { runClusterPrimary } from './cli/run-cluster.js';
import { runServe } from './cli/serve-command.js';
import { runSimulateCommand } from './simulator/index.js';

const USAGE = `Usage: hybrid-inference <command> [flags]

Commands:
  serve          Run the gateway (default).
                 --host HOST          listen address (env HOST, default 127.0.0.1)
                 --port PORT          listen port (env PORT, default 8080)
                 --config-dir DIR     folder with models.yaml and routing.yaml (env CONFIG_DIR)
                 --workers N          N gateway processes sharing the port (node:cluster); their limits
                                      are global with REDIS_URL (or STATE_STORE=sqlite on one host)
  check-config   Validate the configuration; print the route table (secrets masked) or every problem.
                 --config-dir DIR
  logs           Print the request log (api_logs), oldest of the selection first.
                 --limit N            rows shown (default 20)
                 --model M            served model id or requested model
                 --status S           ok, error or an HTTP status code
                 --since T            30m, 1h, 2d, ... back from now, or an ISO date
                 --follow             keep printing new rows (polls every second) until Ctrl-C
                 --json               one JSON object per line instead of the table
                 --config-dir DIR
${KEYS_USAGE}  simulate       Run a vLLM-like OpenAI-compatible upstream for demos, tests and benchmarks.
                 (hybrid-inference simulate --help for its flags)
  help           Show this text.

Environment: see .env.example (MODELS_CONFIG, ROUTING_CONFIG, LOCAL_BASE_URL, OFFLOAD, provider keys, ...).
`;

async function main(argv: readonly string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  // A .env beside the working directory is read once at start; variables already set win.
  if (existsSync('.env')) process.loadEnvFile('.env');
  const environment = process.env;
  switch (command) {
    case 'serve': {
      const flags = parseFlags(rest, {
        host: 'string',
        port: 'number',
        'config-dir': 'string',
        workers: 'number',
      });
      const options = {
        ...(typeof flags.host === 'string' ? { host: flags.host } : {}),
        ...(typeof flags.port === 'number' ? { port: flags.port } : {}),
        ...(typeof flags['config-dir'] === 'string' ? { configDir: flags['config-dir'] } : {}),
      };
      const workers = typeof flags.workers === 'number' ? flags.workers : 1;
      if (!Number.isInteger(workers) || workers < 1) throw new Error('--workers must be a whole number ≥ 1');
      // Workers run this same command; only the primary forks.
      if (workers > 1 && cluster.isPrimary)
        return runClusterPrimary(workers, environment, process.cwd(), options);
      return runServe(environment, process.cwd(), options);
    }
    case 'check-config': {
      const flags = parseFlags(rest, { 'config-dir': 'string' });
      const configDir = typeof flags['config-dir'] === 'string' ? flags['config-dir'] : undefined;
      return runCheckConfig(environment, process.cwd(), configDir);
    }
    case 'logs': {
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort());
      return runLogsCommand(rest, environment, process.cwd(), {
        write: (text) => process.stdout.write(text),
        writeError: (text) => process.stderr.write(text),
        signal: controller.signal,
      });
    }
    case 'keys':
      return runKeysCommand(rest, environment, process.cwd(), {
        write: (text) => process.stdout.write(text),
        writeError: (text) => process.stderr.write(text),
      });
    case 'simulate':
      await runSimulateCommand([...rest]);
      return 0;
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`Unknown command '${command}'.\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // A cluster worker's IPC channel to the primary would keep it alive after a graceful stop.
    if (cluster.isWorker) process.disconnect?.();
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`hybrid-inference: ${message}\n\n${USAGE}`);
    process.exitCode = 2;
  },
);

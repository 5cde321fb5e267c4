import type { ListenOptions } from './start-simulator.js';
import type { SimulatorOptions } from './simulator-options.js';

/** Options for `startSimulator` from the command line, or a request for the usage text. */
export type SimulateArgs =
  { showHelp: true } | { showHelp: false; options: Partial<SimulatorOptions> & Required<ListenOptions> };

/** Usage text of `hybrid-inference simulate`. */
export const simulateUsage = `Usage: hybrid-inference simulate [flags]

Runs a vLLM-like OpenAI-compatible server for demos, tests and benchmarks.

  --port N               port to listen on (default 8000; 0 = any free port)
  --host HOST            interface to bind (default 127.0.0.1)
  --model NAME           served model name; repeat for several (default sim-model)
  --ttft-ms N            delay before the first token in ms (default 0)
  --tokens-per-second N  decode speed; 0 = as fast as possible (default 0)
  --max-concurrency N    requests running at once, the rest queue FIFO; 0 = unlimited (default 0)
  --error-rate F         probability 0..1 of answering 500 (default 0)
  --seed N               PRNG seed for errors and generated text (default 1)
  --response-tokens N    natural completion length; a smaller max_tokens truncates (default 16)
  --health-status N      status of GET /health at start and after a reset (default 200)
  --api-key KEY          require "Authorization: Bearer KEY" on /v1/*
  --help                 show this text
`;

interface FlagSpec {
  expects: string;
  apply: (options: Partial<SimulatorOptions> & Required<ListenOptions>, value: string) => boolean;
}

const isInteger = (value: number, minimum: number, maximum = Number.MAX_SAFE_INTEGER): boolean =>
  Number.isInteger(value) && value >= minimum && value <= maximum;

// Number('') is 0, so empty strings are rejected before conversion.
const toNumber = (value: string): number => (value.trim() === '' ? Number.NaN : Number(value));

const flags: Record<string, FlagSpec> = {
  '--port': {
    expects: 'an integer from 0 to 65535',
    apply: (options, value) => isInteger((options.port = toNumber(value)), 0, 65535),
  },
  '--host': { expects: 'a host name or address', apply: (options, value) => (options.host = value) !== '' },
  '--model': {
    expects: 'a model name',
    apply: (options, value) => {
      options.models = [...(options.models ?? []), value];
      return value !== '';
    },
  },
  '--ttft-ms': {
    expects: 'a number of milliseconds >= 0',
    apply: (options, value) => (options.ttftMs = toNumber(value)) >= 0,
  },
  '--tokens-per-second': {
    expects: 'a number >= 0 (0 = as fast as possible)',
    apply: (options, value) => (options.tokensPerSecond = toNumber(value)) >= 0,
  },
  '--max-concurrency': {
    expects: 'an integer >= 0 (0 = unlimited)',
    apply: (options, value) => isInteger((options.maxConcurrency = toNumber(value)), 0),
  },
  '--error-rate': {
    expects: 'a probability from 0 to 1',
    apply: (options, value) => {
      const rate = (options.errorRate = toNumber(value));
      return rate >= 0 && rate <= 1;
    },
  },
  '--seed': {
    expects: 'an integer',
    apply: (options, value) => isInteger((options.seed = toNumber(value)), Number.MIN_SAFE_INTEGER),
  },
  '--response-tokens': {
    expects: 'an integer >= 0',
    apply: (options, value) => isInteger((options.responseTokens = toNumber(value)), 0),
  },
  '--health-status': {
    expects: 'an HTTP status code from 100 to 599',
    apply: (options, value) => isInteger((options.healthStatus = toNumber(value)), 100, 599),
  },
  '--api-key': { expects: 'a non-empty key', apply: (options, value) => (options.apiKey = value) !== '' },
};

/**
 * Parses `simulate` flags (`--flag value` or `--flag=value`). Throws an Error naming the flag and what
 * it expects for an unknown flag, a missing value or a bad value; the CLI prints it and exits 2.
 */
export function parseSimulateArgs(argv: readonly string[]): SimulateArgs {
  const options: Partial<SimulatorOptions> & Required<ListenOptions> = { port: 8000, host: '127.0.0.1' };
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] ?? '';
    if (argument === '--help' || argument === '-h') return { showHelp: true };
    const equalsAt = argument.indexOf('=');
    const name = equalsAt === -1 ? argument : argument.slice(0, equalsAt);
    const spec = flags[name];
    if (spec === undefined) {
      throw new Error(
        `unknown flag "${name}" for simulate; expected one of ${Object.keys(flags).join(', ')}, --help`,
      );
    }
    let value: string | undefined;
    if (equalsAt !== -1) {
      value = argument.slice(equalsAt + 1);
    } else {
      value = argv[index + 1];
      index += 1;
    }
    if (value === undefined || (equalsAt === -1 && value.startsWith('--'))) {
      throw new Error(`${name} expects ${spec.expects}, but no value was given`);
    }
    if (!spec.apply(options, value)) throw new Error(`${name} expects ${spec.expects}, got "${value}"`);
  }
  return { showHelp: false, options };
}

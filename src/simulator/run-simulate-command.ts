import { parseSimulateArgs, simulateUsage } from './parse-simulate-args.js';
import { startSimulator } from './start-simulator.js';

/** Test hooks; the CLI passes none. */
export interface RunSimulateOptions {
  /** Also stop when this signal aborts (SIGINT/SIGTERM always stop). */
  stopSignal?: AbortSignal;
  /** Output sink (default `process.stdout.write`). */
  write?: (text: string) => void;
}

/**
 * `hybrid-inference simulate [flags]`: parses the flags (see `simulateUsage`), starts the simulator,
 * prints `simulator listening on http://host:port/v1 (models: a, b)` and resolves after SIGINT/SIGTERM
 * (or `stopSignal`) once the server is closed. Flag errors throw before anything starts.
 */
export async function runSimulateCommand(argv: string[], runOptions: RunSimulateOptions = {}): Promise<void> {
  const parsed = parseSimulateArgs(argv);
  const write = runOptions.write ?? ((text: string) => process.stdout.write(text));
  if (parsed.showHelp) {
    write(simulateUsage);
    return;
  }
  const simulator = await startSimulator(parsed.options);
  const models = (parsed.options.models ?? ['sim-model']).join(', ');
  write(`simulator listening on ${simulator.url} (models: ${models})\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      runOptions.stopSignal?.removeEventListener('abort', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (runOptions.stopSignal?.aborted === true) stop();
    else runOptions.stopSignal?.addEventListener('abort', stop);
  });
  await simulator.close();
}

/**
 * A vLLM-like OpenAI-compatible upstream for demos, tests and benchmarks (`hybrid-inference simulate`).
 * See `startSimulator` for the endpoints and the `/control` API.
 */
export { startSimulator, type ListenOptions, type Simulator } from './start-simulator.js';
export { defaultSimulatorOptions, type SimulatorOptions } from './simulator-options.js';
export type { SimulatorStats } from './simulator-context.js';
export type { FaultSpec } from './fault-injector.js';
export type { HealthStateBody } from './health-state.js';
export { parseSimulateArgs, simulateUsage, type SimulateArgs } from './parse-simulate-args.js';
export { runSimulateCommand, type RunSimulateOptions } from './run-simulate-command.js';
export { countPromptTokens } from './count-prompt-tokens.js';

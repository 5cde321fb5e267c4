/** Behaviour of a simulated vLLM server. Every field has a default (see {@link defaultSimulatorOptions}). */
export interface SimulatorOptions {
  /** Served model names, like vLLM's `--served-model-name` (default `['sim-model']`). */
  models: string[];
  /** Delay before the first token in ms, measured from when the request starts running (default 0). */
  ttftMs: number;
  /** Decode speed for tokens after the first; 0 = as fast as possible (default 0). */
  tokensPerSecond: number;
  /** Requests running at once; beyond it requests wait in a FIFO queue like vLLM (default 0 = unlimited). */
  maxConcurrency: number;
  /** Probability in 0..1 of answering a chat request with 500 (default 0). */
  errorRate: number;
  /** PRNG seed for error draws and generated text (default 1). */
  seed: number;
  /**
   * Natural completion length in tokens, ending with finish_reason "stop" (default 16). A smaller
   * `max_tokens` truncates it ("length"); `sim.tokens` overrides it per request.
   */
  responseTokens: number;
  /**
   * Status `GET /health` answers at start and after `POST /control/reset` (default 200, vLLM's healthy
   * answer); `POST /control/health` changes it at run time.
   */
  healthStatus: number;
  /** When set, `/v1/*` requires `Authorization: Bearer <key>` (401 `{"error":"Unauthorized"}` otherwise). */
  apiKey?: string;
  /** Monotonic ms clock used for latency metrics (default `performance.now`). */
  clock?: () => number;
}

/** Defaults applied by `startSimulator` to every option not given. */
export const defaultSimulatorOptions: Readonly<SimulatorOptions> = Object.freeze({
  models: ['sim-model'],
  ttftMs: 0,
  tokensPerSecond: 0,
  maxConcurrency: 0,
  errorRate: 0,
  seed: 1,
  responseTokens: 16,
  healthStatus: 200,
});

/** Merges `options` over the defaults and rejects values that would make the simulator misbehave. */
export function resolveSimulatorOptions(options: Partial<SimulatorOptions>): SimulatorOptions {
  const resolved: SimulatorOptions = { ...defaultSimulatorOptions, ...options };
  for (const [name, value] of [
    ['ttftMs', resolved.ttftMs],
    ['tokensPerSecond', resolved.tokensPerSecond],
    ['maxConcurrency', resolved.maxConcurrency],
    ['responseTokens', resolved.responseTokens],
  ] as const) {
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`simulator option ${name} must be >= 0, got ${value}`);
  }
  if (!(resolved.errorRate >= 0 && resolved.errorRate <= 1)) {
    throw new Error(`simulator option errorRate must be within 0..1, got ${resolved.errorRate}`);
  }
  if (!isHttpStatus(resolved.healthStatus)) {
    throw new Error(
      `simulator option healthStatus must be an HTTP status 100..599, got ${resolved.healthStatus}`,
    );
  }
  if (resolved.models.length === 0) throw new Error('simulator option models must name at least one model');
  return resolved;
}

/** True for an integer HTTP status code 100..599. */
export function isHttpStatus(value: number): boolean {
  return Number.isInteger(value) && value >= 100 && value <= 599;
}

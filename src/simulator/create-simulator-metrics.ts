import {
  createHistogram,
  formatHistogram,
  formatSampleValue,
  observeHistogram,
  resetHistogram,
} from './create-histogram.js';

/** vLLM's engine finish reasons, the values of the `finished_reason` label. */
export type EngineFinishReason = 'stop' | 'length' | 'abort';

/** Live load numbers that the metrics text reads at scrape time. */
export interface LoadSnapshot {
  running: number;
  waiting: number;
  kvCacheUsage: number;
}

/** Counters and histograms of one simulator, rendered in vLLM's Prometheus names. */
export interface SimulatorMetrics {
  addPromptTokens(tokens: number): void;
  addGenerationTokens(tokens: number): void;
  observeTimeToFirstTokenSeconds(seconds: number): void;
  recordFinished(reason: EngineFinishReason, endToEndSeconds: number): void;
  /** Prometheus text exposition (version 0.0.4). */
  render(load: LoadSnapshot): string;
  reset(): void;
}

// vLLM's own bucket bounds (vllm/v1/metrics/loggers.py) so dashboards and quantiles line up.
const timeToFirstTokenBuckets = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0,
  80.0, 160.0, 640.0, 2560.0,
];
const requestLatencyBuckets = [
  0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0,
  960.0, 1920.0, 7680.0,
];
const finishReasons: readonly EngineFinishReason[] = ['stop', 'length', 'abort'];

/**
 * Creates the metrics of a simulator serving `modelName`. Like vLLM (one engine, several served names),
 * every series carries `engine="0"` and the first served name as `model_name`.
 */
export function createSimulatorMetrics(modelName: string): SimulatorMetrics {
  const labels = `model_name=${JSON.stringify(modelName)}`;
  const timeToFirstToken = createHistogram(
    'vllm:time_to_first_token_seconds',
    'Histogram of time to first token in seconds.',
    timeToFirstTokenBuckets,
  );
  const endToEndLatency = createHistogram(
    'vllm:e2e_request_latency_seconds',
    'Histogram of e2e request latency in seconds.',
    requestLatencyBuckets,
  );
  let promptTokens = 0;
  let generationTokens = 0;
  const finished = new Map<EngineFinishReason, number>(finishReasons.map((reason) => [reason, 0]));

  const sample = (name: string, help: string, type: string, value: number, sampleName = name): string =>
    `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${sampleName}{engine="0",${labels}} ${formatSampleValue(value)}\n`;

  return {
    addPromptTokens: (tokens) => (promptTokens += tokens),
    addGenerationTokens: (tokens) => (generationTokens += tokens),
    observeTimeToFirstTokenSeconds: (seconds) => observeHistogram(timeToFirstToken, seconds),
    recordFinished: (reason, endToEndSeconds) => {
      finished.set(reason, (finished.get(reason) ?? 0) + 1);
      observeHistogram(endToEndLatency, endToEndSeconds);
    },
    render: (load) => {
      let text =
        sample(
          'vllm:num_requests_running',
          'Number of requests in model execution batches.',
          'gauge',
          load.running,
        ) +
        sample(
          'vllm:num_requests_waiting',
          'Number of requests waiting to be processed.',
          'gauge',
          load.waiting,
        ) +
        sample(
          'vllm:kv_cache_usage_perc',
          'KV-cache usage. 1 means 100 percent usage.',
          'gauge',
          load.kvCacheUsage,
        ) +
        sample(
          'vllm:prompt_tokens',
          'Number of prefill tokens processed.',
          'counter',
          promptTokens,
          'vllm:prompt_tokens_total',
        ) +
        sample(
          'vllm:generation_tokens',
          'Number of generation tokens processed.',
          'counter',
          generationTokens,
          'vllm:generation_tokens_total',
        );
      text += '# HELP vllm:request_success Count of successfully processed requests.\n';
      text += '# TYPE vllm:request_success counter\n';
      for (const reason of finishReasons) {
        const count = formatSampleValue(finished.get(reason) ?? 0);
        text += `vllm:request_success_total{engine="0",finished_reason="${reason}",${labels}} ${count}\n`;
      }
      return text + formatHistogram(timeToFirstToken, labels) + formatHistogram(endToEndLatency, labels);
    },
    reset: () => {
      promptTokens = 0;
      generationTokens = 0;
      for (const reason of finishReasons) finished.set(reason, 0);
      resetHistogram(timeToFirstToken);
      resetHistogram(endToEndLatency);
    },
  };
}

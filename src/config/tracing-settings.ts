import type { ConfigProblem } from './config-error.js';
import type { Environment } from './substitute-env.js';

/** OpenTelemetry tracing (`OTEL_*`, the standard variable names). Off unless an OTLP endpoint is set. */
export interface TracingSettings {
  /** OTLP/HTTP traces URL (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`). */
  readonly endpoint: string | null;
  /** `OTEL_EXPORTER_OTLP_HEADERS` (`key=value,key2=value2`), e.g. a collector's API key. Secret: never logged. */
  readonly headers: Readonly<Record<string, string>>;
  /** `OTEL_SERVICE_NAME`, default `hybrid-inference`. */
  readonly serviceName: string;
  /** Share of new traces recorded (`OTEL_TRACES_SAMPLER_ARG`, 0..1, default 1); a sampled parent is always followed. */
  readonly sampleRatio: number;
}

function parseHeaders(text: string, file: string, problems: ConfigProblem[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of text.split(',')) {
    if (pair.trim() === '') continue;
    const separator = pair.indexOf('=');
    if (separator <= 0) {
      problems.push({
        file,
        path: 'OTEL_EXPORTER_OTLP_HEADERS',
        message: 'must be key=value pairs separated by commas, e.g. x-api-key=abc,x-team=ml',
      });
      continue;
    }
    headers[decodeURIComponent(pair.slice(0, separator).trim()).toLowerCase()] = decodeURIComponent(
      pair.slice(separator + 1).trim(),
    );
  }
  return headers;
}

/** Reads the tracing settings; problems name the variable and the fix. */
export function readTracingSettings(
  environment: Environment,
  file: string,
  problems: ConfigProblem[],
): TracingSettings {
  const tracesEndpoint = environment.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || null;
  const baseEndpoint = environment.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || null;
  const endpoint =
    tracesEndpoint ?? (baseEndpoint === null ? null : `${baseEndpoint.replace(/\/+$/, '')}/v1/traces`);
  if (endpoint !== null && !/^https?:\/\//.test(endpoint)) {
    problems.push({
      file,
      path: tracesEndpoint === null ? 'OTEL_EXPORTER_OTLP_ENDPOINT' : 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
      message: 'must be an http(s) URL of an OTLP/HTTP collector, e.g. http://127.0.0.1:4318',
    });
  }
  const ratioText = environment.OTEL_TRACES_SAMPLER_ARG?.trim() || '1';
  const sampleRatio = Number(ratioText);
  if (!Number.isFinite(sampleRatio) || sampleRatio < 0 || sampleRatio > 1) {
    problems.push({
      file,
      path: 'OTEL_TRACES_SAMPLER_ARG',
      message: `must be a number from 0 to 1 (share of traces recorded), found '${ratioText}'`,
    });
  }
  return {
    endpoint,
    headers: parseHeaders(environment.OTEL_EXPORTER_OTLP_HEADERS ?? '', file, problems),
    serviceName: environment.OTEL_SERVICE_NAME?.trim() || 'hybrid-inference',
    sampleRatio: Number.isFinite(sampleRatio) ? Math.min(Math.max(sampleRatio, 0), 1) : 1,
  };
}

import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { TracingSettings } from '../config/index.js';
import { createRequestTracer, type RequestTracer } from './request-tracer.js';

export interface Tracing {
  readonly tracer: RequestTracer;
  /** Exports the spans still buffered and stops; called when the gateway closes. */
  shutdown(): Promise<void>;
}

export interface CreateTracingOptions {
  readonly settings: TracingSettings;
  readonly version: string;
  /**
   * Where spans go instead of OTLP (tests pass an in-memory exporter); spans are then exported one by one, at
   * once, rather than batched.
   */
  readonly exporter?: SpanExporter;
}

/**
 * The gateway's tracing, or null when it is off (no `OTEL_EXPORTER_OTLP_ENDPOINT` and no exporter given).
 * Its own tracer provider, not the global one: an embedding application's OpenTelemetry setup is left alone.
 * Spans are batched and sent over OTLP/HTTP off the request path; a collector outage drops spans, never
 * requests.
 */
export function createTracing(options: CreateTracingOptions): Tracing | null {
  const { settings } = options;
  if (options.exporter === undefined && settings.endpoint === null) return null;
  const processor =
    options.exporter === undefined
      ? new BatchSpanProcessor(
          new OTLPTraceExporter({ url: settings.endpoint ?? undefined, headers: { ...settings.headers } }),
        )
      : new SimpleSpanProcessor(options.exporter);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': settings.serviceName,
      'service.version': options.version,
    }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRatio) }),
    spanProcessors: [processor],
  });
  return {
    tracer: createRequestTracer(provider.getTracer('hybrid-inference', options.version)),
    shutdown: () => provider.shutdown(),
  };
}

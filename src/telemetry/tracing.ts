/** What tracing needs of the configuration (config/'s `TracesConfig` has this shape; telemetry/ sits below config/). */
export interface TracingSettings {
  readonly enabled: boolean;
  readonly protocol: 'http/protobuf' | 'http/json';
  readonly serviceName: string;
}

export interface Tracing {
  /** Exports the spans still queued, then stops. */
  shutdown(): Promise<void>;
}

const NONE: Tracing = { shutdown: async () => undefined };

/**
 * Starts the OpenTelemetry Node SDK when an OTLP endpoint is configured: traces only (metrics are
 * Prometheus', logs are pino's), the exporter of `traces.protocol`, W3C trace context, service name
 * `traces.serviceName`. The SDK reads the other `OTEL_*` variables itself (`OTEL_BSP_*`,
 * `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_TRACES_SAMPLER`, `OTEL_RESOURCE_ATTRIBUTES`…). No automatic
 * instrumentation: the gateway makes its own spans, which never carry a URL, a token or a user.
 * Without an endpoint nothing is loaded and `@opentelemetry/api` stays a no-op.
 */
export async function startTracing(traces: TracingSettings): Promise<Tracing> {
  if (!traces.enabled) return NONE;
  const [{ NodeSDK }, exporter] = await Promise.all([import('@opentelemetry/sdk-node'), traceExporter(traces.protocol)]);
  const sdk = new NodeSDK({
    serviceName: traces.serviceName,
    traceExporter: exporter,
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

async function traceExporter(protocol: TracingSettings['protocol']) {
  switch (protocol) {
    case 'http/json':
      return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
    default:
      return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
  }
}

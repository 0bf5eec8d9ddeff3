import { trace } from '@opentelemetry/api';

/** The gateway's tracer: a no-op until the OpenTelemetry SDK is started (OTEL_EXPORTER_OTLP_ENDPOINT set). */
export const tracer = trace.getTracer('delta-gateway');

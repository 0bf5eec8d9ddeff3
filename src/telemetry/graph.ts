import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { countGraphRequest } from './request-scope.js';
import { graphResourceOf, metrics, type GraphResourceLabel } from './metrics.js';
import { tracer } from './tracer.js';

// Recording of Graph requests: one place for the metric families, the spans and the per-request
// count, called by the Graph client (every attempt) and by $batch (each inner request). Span names
// and attributes carry the resource label, never a path, an id or a token.

/** What one attempt came to: its HTTP status (none: timeout, network error, refused) and Graph's request-id. */
export interface GraphAttemptOutcome {
  status: number | undefined;
  requestId: string | undefined;
  /** No answer: `timeout`, `network`, `aborted`… (a bounded word, used as the status label). */
  failure?: string | undefined;
}

export interface GraphAttempt {
  method: string;
  /** The request's path (ids and tokens stay here: only its resource label is recorded). */
  path: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** The request's headers: W3C trace context is added to them. */
  headers: Record<string, string>;
}

function statusLabel(outcome: GraphAttemptOutcome): string {
  return outcome.status !== undefined ? String(outcome.status) : (outcome.failure ?? 'error');
}

function endSpan(span: Span, outcome: GraphAttemptOutcome): void {
  if (outcome.status !== undefined) span.setAttribute('http.response.status_code', outcome.status);
  if (outcome.requestId !== undefined) span.setAttribute('graph.request_id', outcome.requestId);
  if (outcome.status === undefined || outcome.status >= 400) {
    span.setAttribute('error.type', statusLabel(outcome));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/**
 * Runs one HTTP attempt to Graph as a CLIENT span named `GET messages` (method + resource), with
 * trace context injected into `headers`, and records it: `graph_requests_total{resource,status}`,
 * `graph_request_duration_seconds{resource}`, the request's Graph-request count.
 */
export async function traceGraphAttempt<T>(request: GraphAttempt, run: () => Promise<T>, outcomeOf: (result: T) => GraphAttemptOutcome): Promise<T> {
  const resource = graphResourceOf(request.path);
  const span = tracer.startSpan(`${request.method} ${resource}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'http.request.method': request.method,
      'graph.resource': resource,
      ...(request.attempt > 1 ? { 'http.request.resend_count': request.attempt - 1 } : {}),
    },
  });
  const active = trace.setSpan(context.active(), span);
  propagation.inject(active, request.headers);
  countGraphRequest();
  const stop = metrics.graphDuration.startTimer({ resource });
  let outcome: GraphAttemptOutcome = { status: undefined, requestId: undefined, failure: 'error' };
  try {
    const result = await context.with(active, run);
    outcome = outcomeOf(result);
    return result;
  } finally {
    stop();
    metrics.graphRequests.inc({ resource, status: statusLabel(outcome) });
    endSpan(span, outcome);
  }
}

/** A retry is scheduled after this attempt (`status` label: its HTTP status, or `timeout`, `network`… without answer). */
export function countGraphRetry(outcome: GraphAttemptOutcome): void {
  metrics.graphRetries.inc({ status: statusLabel(outcome) });
}

/**
 * Runs `fn` inside a span of its own (e.g. `withGraphSpan('batch', …)` around a `$batch`: the HTTP
 * attempt and {@link recordBatchResponses}' inner requests become its children).
 */
export function withGraphSpan<T>(resource: GraphResourceLabel, fn: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(`graph ${resource}`, { kind: SpanKind.INTERNAL, attributes: { 'graph.resource': resource } }, async (span) => {
    try {
      return await fn();
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

export interface BatchInnerResponse {
  method?: string | undefined;
  /** The inner request's url (relative, as in the $batch body): only its resource label is recorded. */
  url: string;
  status: number;
  requestId?: string | undefined;
}

/**
 * Records the inner responses of a `$batch` (call it inside {@link withGraphSpan}): each counts
 * under its own resource and inner status and is a child span; the batch size is observed.
 */
export function recordBatchResponses(inner: readonly BatchInnerResponse[]): void {
  metrics.graphBatchSize.observe(inner.length);
  for (const response of inner) {
    const resource = graphResourceOf(response.url.startsWith('/') ? response.url : `/${response.url}`);
    const method = response.method ?? 'GET';
    metrics.graphRequests.inc({ resource, status: String(response.status) });
    const span = tracer.startSpan(`${method} ${resource}`, {
      kind: SpanKind.INTERNAL,
      attributes: { 'http.request.method': method, 'graph.resource': resource, 'graph.batch.inner': true },
    });
    endSpan(span, { status: response.status, requestId: response.requestId });
  }
}

import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { getOperationAST, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { ERROR_CODES } from '../errors.js';
import { metrics } from './metrics.js';
import { acceptRequestId, newScope, runInScope, type RequestScope } from './request-scope.js';
import { tracer } from './tracer.js';

export interface TelemetryPluginOptions {
  /** Receives the access line of every GraphQL request (info). */
  logger: Pick<Logger, 'info'>;
  /** The principal's log hash (see `principalHasher`). */
  hashPrincipal: (key: string) => string;
}

const CONTRACT_CODES = new Set<string>(ERROR_CODES);
const REQUEST_ID = 'x-request-id';

interface Operation {
  scope: RequestScope;
  span?: Span;
  /** Set once the result is known: `ok` or the first error's contract code. */
  outcome?: string;
  operationName?: string | undefined;
}

const headerGetter = {
  keys: (headers: Headers) => [...headers.keys()],
  get: (headers: Headers, key: string) => headers.get(key) ?? undefined,
};

/** `ok`, or the contract code of the first error (`INTERNAL` for an error without one: a masked failure). */
function outcomeOf(result: unknown): string {
  const first = Array.isArray(result) ? result[0] : result;
  if (first === null || typeof first !== 'object' || Symbol.asyncIterator in first) return 'ok';
  const errors = (first as { errors?: readonly { extensions?: { code?: unknown } }[] }).errors;
  if (!errors || errors.length === 0) return 'ok';
  const code = errors[0]?.extensions?.code;
  return typeof code === 'string' && CONTRACT_CODES.has(code) ? code : 'INTERNAL';
}

function operationOf(document: DocumentNode, operationName: string | null | undefined) {
  return getOperationAST(document, operationName ?? undefined);
}

/**
 * Request telemetry: every HTTP request runs in a {@link RequestScope} (request id from a valid
 * incoming `x-request-id`, else made; echoed in the response) and in the trace context of an
 * incoming `traceparent`. Each GraphQL operation is a SERVER span named after its type, counted in
 * `graphql_requests_total{operation_type,outcome}` and `graphql_request_duration_seconds`, and
 * logged in one access line (duration, outcome, Graph requests made).
 */
export function useTelemetry(options: TelemetryPluginOptions): Plugin {
  const byRequest = new WeakMap<Request, Operation>();

  function finish(operation: Operation): void {
    const { scope } = operation;
    const outcome = operation.outcome ?? 'INTERNAL';
    const operationType = scope.operationType ?? 'unknown';
    const seconds = (performance.now() - scope.startedAt) / 1000;
    metrics.graphqlRequests.inc({ operation_type: operationType, outcome });
    metrics.graphqlDuration.observe({ operation_type: operationType }, seconds);
    if (operation.span) {
      if (outcome !== 'ok') operation.span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
      operation.span.end();
    }
    options.logger.info({ durationMs: Math.round(seconds * 1000), outcome, graphRequests: scope.graphRequests }, 'graphql request');
  }

  /** An operation of a graphql-ws socket: its own scope (a new requestId) and SERVER span, finished once its result is known. */
  function socketOperation(document: DocumentNode, operationName: string | null | undefined) {
    const operation: Operation = { scope: newScope({ hashPrincipal: options.hashPrincipal }) };
    operation.span = tracer.startSpan('graphql.operation', { kind: SpanKind.SERVER });
    noteOperation(operation, document, operationName);
    const active = trace.setSpan(context.active(), operation.span);
    return {
      run: <T>(fn: () => T): T => context.with(active, () => runInScope(operation.scope, fn)),
      done(outcome: string) {
        if (operation.outcome !== undefined) return;
        operation.outcome = outcome;
        runInScope(operation.scope, () => finish(operation));
      },
    };
  }

  return {
    instrumentation: {
      request({ request }, wrapped) {
        const scope = newScope({ requestId: acceptRequestId(request.headers.get(REQUEST_ID)), hashPrincipal: options.hashPrincipal });
        byRequest.set(request, { scope });
        const parent = propagation.extract(ROOT_CONTEXT, request.headers, headerGetter);
        return context.with(parent, () => runInScope(scope, wrapped));
      },
      operation({ request }, wrapped) {
        const operation = byRequest.get(request);
        if (!operation) return wrapped();
        // Renamed after its operation type once the document is parsed.
        operation.span = tracer.startSpan('graphql.operation', { kind: SpanKind.SERVER });
        return context.with(trace.setSpan(context.active(), operation.span), wrapped);
      },
    },
    onExecute({ args, executeFn, setExecuteFn }) {
      const http = byRequest.get(args.contextValue.request);
      if (http) return void noteOperation(http, args.document, args.operationName);
      // graphql-ws: no HTTP request around the operation; it gets its scope and span here.
      const operation = socketOperation(args.document, args.operationName);
      setExecuteFn((execution) => operation.run(() => executeFn(execution)));
      return { onExecuteDone: ({ result }) => operation.done(outcomeOf(result)) };
    },
    onSubscribe({ args, subscribeFn, setSubscribeFn }) {
      const http = byRequest.get(args.contextValue.request);
      if (http) return void noteOperation(http, args.document, args.operationName);
      const operation = socketOperation(args.document, args.operationName);
      setSubscribeFn((execution) => operation.run(() => subscribeFn(execution)));
      return {
        onSubscribeResult: ({ result }) => operation.done(outcomeOf(result)),
        onSubscribeError: ({ error }) => operation.done(outcomeOf({ errors: [error] })),
      };
    },
    onResultProcess({ request, result }) {
      const operation = byRequest.get(request);
      if (operation && operation.outcome === undefined) operation.outcome = outcomeOf(result);
    },
    onResponse({ request, response }) {
      const operation = byRequest.get(request);
      if (!operation) return;
      response.headers.set(REQUEST_ID, operation.scope.requestId);
      // Only GraphQL requests have an outcome (health checks and GraphiQL have none).
      if (operation.outcome !== undefined) runInScope(operation.scope, () => finish(operation));
      byRequest.delete(request);
    },
  };
}

function noteOperation(operation: Operation | undefined, document: DocumentNode, operationName: string | null | undefined): void {
  if (!operation) return;
  const ast = operationOf(document, operationName);
  const type = ast?.operation ?? 'unknown';
  operation.scope.operationType = type;
  const name = ast?.name?.value;
  operation.span?.updateName(type);
  operation.span?.setAttribute('graphql.operation.type', type);
  if (name !== undefined) operation.span?.setAttribute('graphql.operation.name', name);
}

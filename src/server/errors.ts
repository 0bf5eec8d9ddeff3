import { randomUUID } from 'node:crypto';
import {
  getOperationAST,
  getVariableValues,
  GraphQLError,
  type ASTVisitor,
  type ExecutionArgs,
  type GraphQLErrorExtensions,
  type ValidationContext,
} from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { ERROR_CODES, type ErrorCode } from '../errors.js';

/**
 * Request-level codes of CONTRACT §6 (yoga's own names): the request never ran, so a client can
 * tell its mistake from a gateway bug. BAD_REQUEST for the HTTP request itself.
 */
export const REQUEST_ERROR_CODES = ['BAD_REQUEST', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'OPERATION_RESOLUTION_FAILURE'] as const satisfies readonly ErrorCode[];

const PASSING_CODES = new Set<string>(ERROR_CODES);

/**
 * A GraphQL request error (parse, validation, operation, variables): 400 for
 * `application/graphql-response+json`; `spec` lets yoga answer 200 to a client that accepts only
 * `application/json`, as the GraphQL-over-HTTP spec says.
 */
const GRAPHQL_REQUEST_ERROR_HTTP = { spec: true, status: 400 };

type Extensions = GraphQLErrorExtensions & { http?: { status?: number; spec?: boolean; headers?: Record<string, string> } };

function isGraphQLErrorLike(error: unknown): error is GraphQLError {
  // Duck-typed: graphql 16 has no "exports" map, so a CJS and an ESM copy can meet in one process
  // (vitest does that) and `instanceof GraphQLError` would mask expected errors.
  return error instanceof Error && error.name === 'GraphQLError';
}

function codeOf(error: unknown): string | undefined {
  if (!isGraphQLErrorLike(error)) return undefined;
  const code = (error.extensions as Extensions | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A GraphQL request error with one of the request-level codes. */
export function requestError(code: (typeof REQUEST_ERROR_CODES)[number], message: string, from?: GraphQLError): GraphQLError {
  return createGraphQLError(message, {
    ...(from?.nodes ? { nodes: from.nodes } : {}),
    ...(from?.source ? { source: from.source } : {}),
    ...(from?.positions ? { positions: from.positions } : {}),
    extensions: { code, http: GRAPHQL_REQUEST_ERROR_HTTP } as Extensions,
  });
}

/**
 * The HTTP request itself is malformed (body, content type, encoding): BAD_REQUEST with yoga's status
 * when it has one, else 400. Changed in place: yoga logs every error that masking replaces.
 */
export function asBadRequest(error: unknown): GraphQLError {
  if (!isGraphQLErrorLike(error)) {
    const reason = error instanceof Error ? `${error.name}: ${error.message.slice(0, 200)}` : typeof error;
    return createGraphQLError(`The request could not be read (${reason}).`, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } as Extensions });
  }
  const extensions = error.extensions as Extensions;
  (extensions as Record<string, unknown>)['code'] = 'BAD_REQUEST';
  extensions.http ??= { status: 400 };
  return error;
}

/**
 * yoga's `maskError`: the contract's codes and the request-level codes pass; anything else is a
 * gateway bug: "Unexpected error." with an `errorId` the log line carries too (the only place the
 * details go). Client errors are returned as they are, so yoga does not log them as errors.
 */
export function createMaskError(logger: Pick<Logger, 'error'>) {
  return function maskError(error: unknown, message: string): Error {
    const code = codeOf(error);
    if (code === 'OPERATION_RESOLUTION_FAILURE') specRequestError(error as GraphQLError);
    if (code !== undefined && PASSING_CODES.has(code)) return error as Error;
    const errorId = randomUUID();
    const original = isGraphQLErrorLike(error) && error.originalError ? error.originalError : error;
    logger.error({ err: original, errorId, ...(isGraphQLErrorLike(error) && error.path ? { path: error.path.join('.') } : {}) }, 'unexpected error (masked)');
    loggedByMask.add(error as object);
    return createGraphQLError(message, { extensions: { errorId } as Extensions });
  };
}

/** yoga's own OPERATION_RESOLUTION_FAILURE lacks `spec`: a request error, 200 for `application/json` like the others. */
function specRequestError(error: GraphQLError): void {
  const http = (error.extensions as Extensions).http;
  if (http && http.spec === undefined && http.status === 400) http.spec = true;
}

const loggedByMask = new WeakSet<object>();

/** Whether `createMaskError` already logged this error (yoga logs every masked error once more). */
export function isLoggedByMask(value: unknown): boolean {
  return typeof value === 'object' && value !== null && loggedByMask.has(value);
}

function unsupported(message: string): GraphQLError {
  return createGraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status: 415 } } as Extensions });
}

/**
 * The request errors yoga's request parsers throw or skip get BAD_REQUEST: a content type no parser
 * takes is 415 (yoga answers it with an empty body), so is a compressed body (node:http hands it over
 * as it came: yoga would read gzip bytes as JSON), and a body that cannot be read (a multipart form
 * without boundary, `variables` that are not JSON in a GET) is 400 instead of a masked internal
 * error. The check runs as the parser, so yoga's method check (405) comes first. Before
 * `useRequestBodyLimit`, which wraps whatever parser is chosen here.
 */
export function useRequestParseErrors(): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      const type = request.headers.get('content-type');
      const encoding = request.headers.get('content-encoding')?.trim().toLowerCase();
      if (request.method !== 'GET' && encoding !== undefined && encoding !== '' && encoding !== 'identity') {
        setRequestParser(() => {
          throw unsupported(`Unsupported Content-Encoding ${JSON.stringify(encoding.slice(0, 100))}: send the body uncompressed.`);
        });
        return;
      }
      if (requestParser === undefined) {
        setRequestParser(() => {
          throw unsupported(`Unsupported Content-Type ${type === null ? '(none)' : JSON.stringify(type.slice(0, 100))}: send application/json (or a GET with query parameters).`);
        });
        return;
      }
      const parse = requestParser;
      setRequestParser(async (req) => {
        try {
          return await parse(req);
        } catch (error) {
          throw asBadRequest(error);
        }
      });
    },
  };
}

/** Rejects a `mutation` (or any operation) whose root type the schema lacks, as validation (graphql 17's KnownOperationTypesRule). */
export function KnownOperationTypesRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      if (context.getSchema().getRootType(node.operation)) return;
      context.reportError(new GraphQLError(`This gateway has no ${node.operation} operations; it serves query and subscription.`, { nodes: node }));
    },
  };
}

const VARIABLE_NAME = /^Variable "\$([^"]+)"/;

/**
 * The request errors graphql-js reports from `execute`/`subscribe` without a code, checked before
 * execution so that every executor (graphql-js, graphql-jit) answers alike: an `operationName` that
 * picks no operation → OPERATION_RESOLUTION_FAILURE; variables that do not coerce (wrong type,
 * missing, null where required) → BAD_USER_INPUT naming the variable. Also adds
 * {@link KnownOperationTypesRule} to validation.
 */
export function useRequestErrorCodes(): Plugin {
  const check = (args: ExecutionArgs) => {
    const operationName = args.operationName ?? undefined;
    const operation = getOperationAST(args.document, operationName);
    if (!operation) {
      const count = args.document.definitions.filter((d) => d.kind === 'OperationDefinition').length;
      const message =
        operationName !== undefined ? `Unknown operation named "${operationName}".` : count === 0 ? 'Must provide an operation.' : 'Must provide operation name if query contains multiple operations.';
      return [requestError('OPERATION_RESOLUTION_FAILURE', message)];
    }
    const coerced = getVariableValues(args.schema, operation.variableDefinitions ?? [], (args.variableValues ?? {}) as Record<string, unknown>, { maxErrors: 10 });
    if (!coerced.errors) return undefined;
    return coerced.errors.map((error) => {
      const variable = VARIABLE_NAME.exec(error.message)?.[1];
      return createGraphQLError(error.message, {
        ...(error.nodes ? { nodes: error.nodes } : {}),
        ...(error.source ? { source: error.source } : {}),
        ...(error.positions ? { positions: error.positions } : {}),
        extensions: { code: 'BAD_USER_INPUT', ...(variable ? { argument: `$${variable}` } : {}), http: GRAPHQL_REQUEST_ERROR_HTTP } as Extensions,
      });
    });
  };
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(KnownOperationTypesRule);
    },
    onExecute({ args, setResultAndStopExecution }) {
      const errors = check(args);
      if (errors) setResultAndStopExecution({ errors });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const errors = check(args);
      if (errors) setResultAndStopExecution({ errors });
    },
  };
}

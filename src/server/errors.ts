import type { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { ERROR_CODES } from '../errors.js';

const CONTRACT_CODES = new Set<string>(ERROR_CODES);
// Malformed requests (syntax, unknown fields): the caller's mistake, shown as BAD_USER_INPUT.
const REQUEST_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED']);
// As yoga answers request errors: 400, or 200 for a client that accepts only application/json.
const HTTP_REQUEST_ERROR = { spec: true, status: 400 };

function codeOf(error: unknown): string | undefined {
  // Duck-typed: graphql 16 has no "exports" map, so a CJS and an ESM copy can meet in one process
  // (vitest does that) and `instanceof GraphQLError` would mask expected errors.
  if (!(error instanceof Error) || error.name !== 'GraphQLError') return undefined;
  const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A malformed-request error (made with yoga's own GraphQLError, so yoga sets the status and strips `http`). */
export function requestError(message: string, from?: GraphQLError): GraphQLError {
  return createGraphQLError(message, {
    ...(from?.nodes ? { nodes: from.nodes } : {}),
    ...(from?.source ? { source: from.source } : {}),
    ...(from?.positions ? { positions: from.positions } : {}),
    extensions: { code: 'BAD_USER_INPUT', http: HTTP_REQUEST_ERROR },
  });
}

/** yoga's `maskError`: the contract's errors pass, malformed requests become BAD_USER_INPUT, anything else "Unexpected error.". */
export function maskError(error: unknown, message: string): Error {
  const code = codeOf(error);
  if (code !== undefined && CONTRACT_CODES.has(code)) return error as Error;
  if (code !== undefined && REQUEST_CODES.has(code)) return requestError((error as Error).message, error as GraphQLError);
  return createGraphQLError(message);
}

/** Gives validation errors (returned, not thrown, so never masked) the contract's BAD_USER_INPUT code. */
export function useContractErrorCodes(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !('errors' in result) || !result.errors?.length) return;
      if (!result.errors.some((e) => REQUEST_CODES.has(codeOf(e) ?? ''))) return;
      setResult({
        ...result,
        errors: result.errors.map((e) => (REQUEST_CODES.has(codeOf(e) ?? '') ? requestError(e.message, e as GraphQLError) : e)),
      });
    },
  };
}

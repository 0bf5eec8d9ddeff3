import { GraphQLError } from 'graphql';

/** The error codes of the public contract (CONTRACT.md section 6); nothing else reaches a client. */
export const ERROR_CODES = [
  'BAD_USER_INPUT',
  'UNSUPPORTED_QUERY_OPTION',
  'INVALID_CURSOR',
  'CURSOR_ARGS_MISMATCH',
  'RESYNC_REQUIRED',
  'THROTTLED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'UPSTREAM_ERROR',
  'LIMIT_EXCEEDED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

declare module 'graphql' {
  interface GraphQLErrorExtensions {
    code?: ErrorCode;
    /** THROTTLED: seconds the client should wait. */
    retryAfter?: number;
    /** UPSTREAM_ERROR and friends: Graph's request-id, for support tickets. */
    requestId?: string;
    /** The argument or option an input error is about. */
    argument?: string;
    /** The delta resource an error is about (calendars, events, contacts, messages). */
    resource?: string;
  }
}

export interface GatewayErrorDetails {
  retryAfter?: number;
  requestId?: string;
  argument?: string;
  resource?: string;
  cause?: unknown;
}

/** An expected error: yoga passes it to the client unmasked, with `extensions.code`. */
export function gatewayError(code: ErrorCode, message: string, details: GatewayErrorDetails = {}): GraphQLError {
  const { cause, ...rest } = details;
  const extensions = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return new GraphQLError(message, { extensions: { code, ...extensions }, originalError: cause instanceof Error ? cause : undefined });
}

export function isGatewayError(error: unknown, code?: ErrorCode): error is GraphQLError {
  return error instanceof GraphQLError && typeof error.extensions.code === 'string' && (code === undefined || error.extensions.code === code);
}

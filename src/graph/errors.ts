import type { GraphQLError } from 'graphql';
import { gatewayError } from '../errors.js';

/** Our own codes for failures that have no Graph answer behind them. */
export type LocalFailureCode =
  | 'OriginNotAllowed'
  | 'InvalidUrl'
  | 'MissingToken'
  | 'Timeout'
  | 'NetworkError'
  | 'Aborted'
  | 'ClientClosed'
  | 'InvalidResponseBody'
  | 'ResponseTooLarge';

export interface GraphRequestErrorDetails {
  /** HTTP status, absent when no answer came (timeout, network, refused before sending). */
  status?: number | undefined;
  /** Graph's `error.code` (e.g. `SyncStateNotFound`) or a {@link LocalFailureCode}. */
  code?: string | undefined;
  /** Graph's `error.message`, already scrubbed of URLs and tokens. */
  graphMessage?: string | undefined;
  /** Graph's `request-id` response header (or the one in `error.innerError`). */
  requestId?: string | undefined;
  /** The request URL with skip/delta tokens redacted. */
  url: string;
  method: string;
  /** Requests sent for this call, retries included. */
  attempts: number;
  /** The wait (Retry-After or back-off) that did not fit into the retry budget. */
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

/**
 * The internal cause of every error the Graph client throws (as Octokit's RequestError): it
 * carries status, Graph's code and request-id and a redacted URL, never a token. It travels as the
 * GraphQLError's `originalError`, which yoga masks before anything reaches a client.
 */
export class GraphRequestError extends Error {
  override readonly name = 'GraphRequestError';
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly graphMessage: string | undefined;
  readonly requestId: string | undefined;
  readonly url: string;
  readonly method: string;
  readonly attempts: number;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, details: GraphRequestErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.code = details.code;
    this.graphMessage = details.graphMessage;
    this.requestId = details.requestId;
    this.url = details.url;
    this.method = details.method;
    this.attempts = details.attempts;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** Graph's error body `{"error":{"code","message","innerError":{"request-id"}}}`, tolerating anything else. */
export interface GraphErrorBody {
  code: string | undefined;
  message: string | undefined;
  requestId: string | undefined;
}

export function readGraphErrorBody(parsed: unknown): GraphErrorBody | undefined {
  const error = isRecord(parsed) ? parsed['error'] : undefined;
  if (!isRecord(error)) return undefined;
  const inner = isRecord(error['innerError']) ? error['innerError'] : isRecord(error['innererror']) ? error['innererror'] : undefined;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    code: str(error['code']),
    message: str(error['message']),
    requestId: inner ? str(inner['request-id']) : undefined,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const RESYNC_DEFAULT = 'SyncStateNotFound';

function named(code: string | undefined, fallback?: string): string {
  const c = code ?? fallback;
  return c === undefined ? '' : ` (${c})`;
}

function isQuota(code: string | undefined): boolean {
  return code !== undefined && /quota/i.test(code);
}

/** Graph's answer (or its absence) as one of the contract's error codes. */
export function toGatewayError(error: GraphRequestError): GraphQLError {
  const { status, code, requestId } = error;
  const details = { requestId, cause: error };
  const retryAfter = error.retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(error.retryAfterMs / 1000));

  if (status === undefined) {
    switch (code) {
      case 'MissingToken':
        return gatewayError('UNAUTHENTICATED', 'No usable access token for Microsoft Graph', details);
      case 'OriginNotAllowed':
        return gatewayError('UPSTREAM_ERROR', 'Graph returned a link to another host; the gateway does not follow it', details);
      case 'InvalidUrl':
        return gatewayError('UPSTREAM_ERROR', 'Graph returned a link that is not a valid URL', details);
      case 'Timeout':
        return gatewayError('UPSTREAM_ERROR', `Microsoft Graph did not answer in time${attemptsText(error)}`, details);
      case 'Aborted':
        return gatewayError('UPSTREAM_ERROR', 'The request to Microsoft Graph was cancelled', details);
      case 'ClientClosed':
        return gatewayError('UPSTREAM_ERROR', 'The Graph client is shut down', details);
      case 'InvalidResponseBody':
      case 'ResponseTooLarge':
        return gatewayError('UPSTREAM_ERROR', 'Microsoft Graph sent an unreadable answer', details);
      default:
        return gatewayError('UPSTREAM_ERROR', `Microsoft Graph could not be reached${attemptsText(error)}`, details);
    }
  }

  if (status >= 200 && status < 300) {
    // Only reached for unreadable success bodies.
    return gatewayError('UPSTREAM_ERROR', 'Microsoft Graph sent an unreadable answer', details);
  }
  if (status === 410) {
    return gatewayError(
      'RESYNC_REQUIRED',
      `Graph no longer knows this delta state${named(code, RESYNC_DEFAULT)}: start a new round without \`after\``,
      details,
    );
  }
  if (status === 401) {
    return gatewayError('UNAUTHENTICATED', `Microsoft Graph rejected the access token${named(code)}`, details);
  }
  if (status === 403) {
    const what = isQuota(code) ? 'mailbox quota exceeded' : 'access denied';
    return gatewayError('FORBIDDEN', `Microsoft Graph refused the request: ${what}${named(code)}`, details);
  }
  if (status === 404) {
    return gatewayError('BAD_USER_INPUT', `Graph found no such folder, calendar or user${named(code, 'ErrorItemNotFound')}`, details);
  }
  if (status === 400) {
    const message = error.graphMessage ? `: ${error.graphMessage}` : '';
    return gatewayError('BAD_USER_INPUT', `Microsoft Graph rejected the request${named(code)}${message}`, details);
  }
  if (status === 429) {
    return gatewayError('THROTTLED', `Microsoft Graph is throttling requests${named(code)}; retry later`, { ...details, retryAfter });
  }
  if (status === 507 || (status >= 500 && isQuota(code))) {
    return gatewayError('UPSTREAM_ERROR', `Microsoft Graph refused the request: mailbox quota exceeded${named(code)}`, details);
  }
  if (status >= 500) {
    return gatewayError('UPSTREAM_ERROR', `Microsoft Graph failed with ${status}${named(code)}${attemptsText(error)}`, details);
  }
  return gatewayError('UPSTREAM_ERROR', `Microsoft Graph answered ${status}${named(code)}`, details);
}

function attemptsText(error: GraphRequestError): string {
  return error.attempts > 1 ? ` after ${error.attempts} attempts` : '';
}

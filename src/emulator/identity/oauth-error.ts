import { randomUUID } from 'node:crypto';
import type { Reply } from '../http/router.js';

/** An error of the token endpoint, answered in Entra's shape (`error`, `error_description` with an AADSTS code, `error_codes`). */
export class OAuthError extends Error {
  readonly status: number;
  readonly error: string;
  readonly aadsts: number;

  constructor(status: number, error: string, aadsts: number, description: string) {
    super(description);
    this.name = 'OAuthError';
    this.status = status;
    this.error = error;
    this.aadsts = aadsts;
  }
}

export const oauthError = (status: number, error: string, aadsts: number, description: string) => new OAuthError(status, error, aadsts, description);

export function oauthErrorReply(err: OAuthError, correlationId: string = randomUUID()): Reply {
  const traceId = randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return {
    status: err.status,
    headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
    body: {
      error: err.error,
      error_description: `AADSTS${err.aadsts}: ${err.message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [err.aadsts],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${err.aadsts}`,
    },
  };
}

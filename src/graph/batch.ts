import { GraphRequestError, readGraphErrorBody, toGatewayError } from './errors.js';
import { redactUrl, scrubText } from './redact.js';
import type { GraphQLError } from 'graphql';

/** Graph's JSON batching wire format (SPEC §7): at most 20 requests, URLs relative to the version root. */
export const MAX_BATCH_SIZE = 20;

export type GraphVersionSegment = 'v1.0' | 'beta';

/** Where a Graph URL lives: origin and version, and the rest relative to the version root. */
export interface VersionedUrl {
  origin: string;
  version: GraphVersionSegment;
  /** Relative to the version root, with a leading slash (`/me/messages?$select=…`). */
  relative: string;
}

/** Splits an absolute Graph URL at its version root; undefined for anything else (it then goes out alone). */
export function splitVersioned(url: string): VersionedUrl | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const match = /^\/(v1\.0|beta)(\/.*)$/i.exec(parsed.pathname);
  if (!match) return undefined;
  const version = (match[1] as string).toLowerCase() === 'beta' ? 'beta' : 'v1.0';
  return { origin: parsed.origin, version, relative: `${match[2] as string}${parsed.search}` };
}

export interface BatchWireRequest {
  id: string;
  method: 'GET';
  url: string;
  headers?: Record<string, string>;
}

export function batchRequestOf(id: string, relative: string, prefer: readonly string[]): BatchWireRequest {
  const preferences = prefer.map((p) => p.trim()).filter((p) => p !== '');
  return { id, method: 'GET', url: relative, ...(preferences.length > 0 ? { headers: { prefer: preferences.join(', ') } } : {}) };
}

export interface BatchWireResponse {
  id: string;
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: unknown;
}

/** The inner responses of a `$batch` answer by id; malformed entries are left out (their requests then fail alone). */
export function readBatchResponses(body: unknown): Map<string, BatchWireResponse> {
  const out = new Map<string, BatchWireResponse>();
  const responses = typeof body === 'object' && body !== null ? (body as { responses?: unknown }).responses : undefined;
  if (!Array.isArray(responses)) return out;
  for (const r of responses) {
    if (typeof r !== 'object' || r === null) continue;
    const { id, status, headers, body: inner } = r as Record<string, unknown>;
    if (typeof id !== 'string' || typeof status !== 'number') continue;
    const lower: Record<string, string> = {};
    if (typeof headers === 'object' && headers !== null) {
      for (const [name, value] of Object.entries(headers)) if (typeof value === 'string') lower[name.toLowerCase()] = value;
    }
    out.set(id, { id, status, headers: lower, body: inner });
  }
  return out;
}

/** An inner failure as the contract error of the field that asked, through the client's own mapping. */
export function innerError(
  response: BatchWireResponse | undefined,
  url: string,
  token: string,
  attempts: number,
  retryAfterMs?: number,
): GraphQLError {
  const safeUrl = redactUrl(url);
  if (response === undefined) {
    return toGatewayError(new GraphRequestError(`GET ${safeUrl}: no answer in the $batch`, { code: 'InvalidResponseBody', url: safeUrl, method: 'GET', attempts }));
  }
  const graphError = readGraphErrorBody(response.body);
  const message = graphError?.message === undefined ? undefined : scrubText(graphError.message, [token]);
  return toGatewayError(
    new GraphRequestError(`GET ${safeUrl} → ${response.status}${graphError?.code ? ` ${graphError.code}` : ''} (in a $batch)`, {
      status: response.status,
      code: graphError?.code,
      graphMessage: message,
      requestId: response.headers['request-id'] ?? graphError?.requestId,
      url: safeUrl,
      method: 'GET',
      attempts,
      retryAfterMs,
    }),
  );
}

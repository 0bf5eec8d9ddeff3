import { request } from 'undici';
import { graphResourceOf, metrics } from '../telemetry/metrics.js';

/** Graph's answer: status 0 when no answer came (connection failure, timeout). */
export interface GraphAnswer {
  status: number;
  body: Record<string, unknown> | undefined;
}

/** Graph's `/subscriptions` API, v1.0. */
export interface SubscriptionsApi {
  create(token: string, body: Record<string, unknown>): Promise<GraphAnswer>;
  renew(token: string, id: string, expirationDateTime: string): Promise<GraphAnswer>;
  reauthorize(token: string, id: string): Promise<GraphAnswer>;
  remove(token: string, id: string): Promise<GraphAnswer>;
  list(token: string): Promise<GraphAnswer>;
}

// Create waits for Graph's validation handshake (up to 10 s on Graph's side).
const TIMEOUT_MS = 20_000;

/** Calls to `{graphBaseUrl}/v1.0/subscriptions…`; the token goes to that origin only (the paths are fixed). */
export function createSubscriptionsApi(graphBaseUrl: string): SubscriptionsApi {
  const root = `${graphBaseUrl.replace(/\/+$/, '')}/v1.0/subscriptions`;
  async function call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, token: string, body?: unknown): Promise<GraphAnswer> {
    try {
      const res = await request(`${root}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        headersTimeout: TIMEOUT_MS,
        bodyTimeout: TIMEOUT_MS,
      });
      metrics.graphRequests.inc({ resource: graphResourceOf('/v1.0/subscriptions'), status: String(res.statusCode) });
      const text = await res.body.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: res.statusCode, body: parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined };
    } catch {
      return { status: 0, body: undefined };
    }
  }
  return {
    create: (token, body) => call('POST', '', token, body),
    renew: (token, id, expirationDateTime) => call('PATCH', `/${encodeURIComponent(id)}`, token, { expirationDateTime }),
    reauthorize: (token, id) => call('POST', `/${encodeURIComponent(id)}/reauthorize`, token),
    remove: (token, id) => call('DELETE', `/${encodeURIComponent(id)}`, token),
    list: (token) => call('GET', '', token),
  };
}

/** Graph's error code and message of an answer, if any. */
export function errorOf(answer: GraphAnswer): { code: string; message: string } {
  const error = answer.body?.['error'] as { code?: unknown; message?: unknown } | undefined;
  return { code: typeof error?.code === 'string' ? error.code : '', message: typeof error?.message === 'string' ? error.message : '' };
}

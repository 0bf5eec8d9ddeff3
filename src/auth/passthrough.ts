import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { gatewayError } from '../errors.js';
import type { GraphClient } from '../graph/client.js';
import { bearerToken } from './bearer.js';
import { principalOf, type AuthProvider, type AuthResult, type Principal } from './types.js';

export interface PassthroughAuthOptions {
  graph: GraphClient;
  /** Graph root without version, for `GET /v1.0/me` when a token is not a JWT. */
  graphBaseUrl: string;
  /** How long the principal of an opaque token is remembered. @default 300000 (5 min) */
  opaqueTokenTtlMs?: number;
  /** Most opaque tokens remembered. @default 10000 */
  maxCachedTokens?: number;
}

// Personal Microsoft accounts: their tokens carry no usable tid; this is the consumer tenant's id.
const CONSUMER_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';

/** The principal in a JWT's claims, read without verification (Graph verifies the token). */
export function principalFromJwt(token: string): Principal | undefined {
  try {
    const claims = decodeJwt(token);
    const { tid, oid } = claims as { tid?: unknown; oid?: unknown };
    return typeof tid === 'string' && typeof oid === 'string' && tid && oid ? principalOf(tid, oid) : undefined;
  } catch {
    return undefined;
  }
}

/** A JWT's `exp` in ms, read without verification; undefined for an opaque token. */
export function expiryOfJwt(token: string): number | undefined {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Pass-through mode: the caller's Graph token goes to Graph unchanged. The principal (which cursors
 * are bound to) is the token's tid.oid; for an opaque token, Graph's own `GET /me` says who it is.
 */
export function createPassthroughAuth(options: PassthroughAuthOptions): AuthProvider {
  const { graph, graphBaseUrl, opaqueTokenTtlMs = 5 * 60_000, maxCachedTokens = 10_000 } = options;
  const opaque = new Map<string, { principal: Promise<Principal>; expires: number }>();

  function lookUp(token: string): Promise<Principal> {
    const key = createHash('sha256').update(token).digest('base64url');
    const now = Date.now();
    const cached = opaque.get(key);
    if (cached && cached.expires > now) return cached.principal;
    if (opaque.size >= maxCachedTokens) opaque.delete(opaque.keys().next().value as string);
    const principal = graph
      .get<{ id?: unknown }>({ url: `${graphBaseUrl.replace(/\/+$/, '')}/v1.0/me?$select=id`, token })
      .then(({ body }) => {
        if (typeof body.id !== 'string') throw gatewayError('UNAUTHENTICATED', 'Graph did not say who this access token belongs to.');
        return principalOf(CONSUMER_TENANT, body.id);
      });
    opaque.set(key, { principal, expires: now + opaqueTokenTtlMs });
    principal.catch(() => opaque.delete(key));
    return principal;
  }

  return {
    async authenticate(request): Promise<AuthResult> {
      const token = bearerToken(request);
      if (token === undefined) throw gatewayError('UNAUTHENTICATED', 'Send `Authorization: Bearer <Graph access token>`.');
      const principal = principalFromJwt(token) ?? (await lookUp(token));
      return { principal, getGraphToken: () => Promise.resolve(token), tokenExpiresAt: expiryOfJwt(token) };
    },
  };
}

import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import { graphError } from '../http/graph-error.js';

export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
/** The client id the emulator puts in tokens it mints (a fixed, made-up app registration). */
export const EMULATOR_CLIENT_ID = '5e3ce6c0-2b1f-4285-8d4b-75ee78787346';

export const DEFAULT_SCOPES = ['User.Read', 'Mail.ReadWrite', 'Calendars.ReadWrite', 'Contacts.ReadWrite'];
export const DEFAULT_ROLES = ['User.Read.All', 'Mail.ReadWrite', 'Calendars.ReadWrite', 'Contacts.ReadWrite'];

export interface MintRequest {
  tenantId: string;
  /** The user (delegated); ignored for app-only. */
  user?: { id: string; userPrincipalName: string; displayName: string } | undefined;
  appOnly?: boolean | undefined;
  roles?: readonly string[] | undefined;
  scopes?: readonly string[] | undefined;
  expiresIn?: number | undefined;
}

export interface Principal {
  readonly tenantId: string;
  readonly appOnly: boolean;
  /** Delegated: the signed-in user's object id. */
  readonly userId: string | undefined;
  readonly scopes: ReadonlySet<string>;
  readonly roles: ReadonlySet<string>;
}

export interface TokenAuthority {
  mint(req: MintRequest): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number }>;
  /** Throws a 401 GraphError for anything but a valid token of this emulator. */
  verify(authorization: string | undefined): Promise<Principal>;
  readonly jwks: { keys: JWK[] };
  /** Signs any claims with the same key (the identity endpoints' API and id tokens), so one JWKS serves every token. */
  sign(claims: JWTPayload): Promise<string>;
}

const unauthenticated = (message: string) =>
  graphError(401, 'InvalidAuthenticationToken', message, {
    'WWW-Authenticate': `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="${GRAPH_APP_ID}"`,
  });

export async function createTokenAuthority(tenantId: string): Promise<TokenAuthority> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  // Verifying RS256 on every request is the costliest thing a page does; remember good tokens until they expire.
  const verified = new Map<string, { principal: Principal; exp: number }>();

  return {
    jwks: { keys: [jwk] },
    sign: (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(privateKey),
    async mint(req) {
      const expiresIn = Math.floor(req.expiresIn ?? 3600);
      const now = Math.floor(Date.now() / 1000);
      const claims: JWTPayload & Record<string, unknown> = {
        tid: req.tenantId,
        appid: EMULATOR_CLIENT_ID,
        azp: EMULATOR_CLIENT_ID,
        ver: '1.0',
        uti: randomUUID().replace(/-/g, '').slice(0, 22),
      };
      if (req.appOnly) {
        claims['idtyp'] = 'app';
        claims['roles'] = [...(req.roles ?? DEFAULT_ROLES)];
        claims['oid'] = EMULATOR_CLIENT_ID;
        claims.sub = EMULATOR_CLIENT_ID;
      } else {
        if (!req.user) throw new Error('a delegated token needs a user');
        claims['idtyp'] = 'user';
        claims['oid'] = req.user.id;
        claims['upn'] = req.user.userPrincipalName;
        claims['unique_name'] = req.user.userPrincipalName;
        claims['name'] = req.user.displayName;
        claims['scp'] = [...(req.scopes ?? DEFAULT_SCOPES)].join(' ');
        claims.sub = req.user.id;
      }
      const access_token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
        .setIssuer(`https://sts.windows.net/${req.tenantId}/`)
        .setAudience(GRAPH_AUDIENCE)
        .setIssuedAt(now)
        .setNotBefore(now - 60)
        .setExpirationTime(now + expiresIn)
        .sign(privateKey);
      return { access_token, token_type: 'Bearer', expires_in: expiresIn };
    },
    async verify(authorization) {
      if (authorization === undefined || authorization.trim() === '') throw unauthenticated('Access token is empty.');
      const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!m) throw unauthenticated('Access token is empty.');
      const token = m[1] as string;
      const now = Date.now() / 1000;
      const cached = verified.get(token);
      if (cached) {
        if (cached.exp > now) return cached.principal;
        verified.delete(token);
        throw unauthenticated('Lifetime validation failed, the token is expired.');
      }
      if (token.split('.').length !== 3) throw unauthenticated('IDX14100: JWT is not well formed, there are no dots (.).');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, publicKey, { algorithms: ['RS256'], audience: [GRAPH_AUDIENCE, GRAPH_APP_ID] }));
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'ERR_JWT_EXPIRED') throw unauthenticated('Lifetime validation failed, the token is expired.');
        if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') throw unauthenticated('Access token validation failure. Invalid audience.');
        throw unauthenticated('Access token validation failure.');
      }
      if (payload['tid'] !== tenantId) throw unauthenticated('Access token validation failure. Invalid tenant.');
      const appOnly = payload['idtyp'] === 'app';
      const scp = typeof payload['scp'] === 'string' ? payload['scp'].split(' ').filter(Boolean) : [];
      const roles = Array.isArray(payload['roles']) ? payload['roles'].map(String) : [];
      const principal: Principal = {
        tenantId,
        appOnly,
        userId: appOnly ? undefined : String(payload['oid']),
        scopes: new Set(scp),
        roles: new Set(roles),
      };
      if (verified.size > 10_000) verified.clear();
      verified.set(token, { principal, exp: payload.exp ?? 0 });
      return principal;
    },
  };
}

export type Area = 'Mail' | 'Calendars' | 'Contacts' | 'User';

/** Whether the principal may read (or write) `area` data of `targetUserId`. */
export function allowed(p: Principal, area: Area, write: boolean, targetUserId: string, sharedWithCaller = false): boolean {
  if (p.appOnly) {
    const roles = write ? [`${area}.ReadWrite`, `${area}.ReadWrite.All`] : [`${area}.Read`, `${area}.ReadWrite`, `${area}.ReadBasic.All`, `${area}.Read.All`, `${area}.ReadWrite.All`];
    return roles.some((r) => p.roles.has(r));
  }
  const own = p.userId === targetUserId;
  if (area === 'User') return true;
  const scopes = write
    ? own ? [`${area}.ReadWrite`] : [`${area}.ReadWrite.Shared`]
    : own || sharedWithCaller
      ? [`${area}.Read`, `${area}.ReadWrite`, `${area}.ReadBasic`, `${area}.Read.Shared`, `${area}.ReadWrite.Shared`]
      : [`${area}.Read.Shared`, `${area}.ReadWrite.Shared`];
  return scopes.some((s) => p.scopes.has(s));
}

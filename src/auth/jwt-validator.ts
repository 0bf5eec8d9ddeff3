import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { gatewayError } from '../errors.js';
import type { GraphCloud } from '../config/index.js';
import { principalOf, type Principal } from './types.js';

export interface JwtValidatorOptions {
  /** Login host root without tenant (`AUTH_AUTHORITY` or the cloud's), e.g. `https://login.microsoftonline.com`. */
  loginAuthority: string;
  cloud: GraphCloud;
  /** `AUTH_TENANT_ID`: a tenant id, or `organizations`/`common` (keys are shared; tenants come from `allowedTenants`). */
  tenantId: string;
  /** Tenant ids whose tokens are accepted. */
  allowedTenants: readonly string[];
  /** Accepted `aud` values (`api://<clientId>` and the client id). */
  audiences: readonly string[];
  /** Clock skew allowed on exp/nbf, seconds. @default 300 (Entra's own default) */
  clockToleranceSec?: number;
  /** Signing keys; @default the login host's JWKS (`/{tenant}/discovery/v2.0/keys`), fetched and cached by jose. */
  keys?: JWTVerifyGetKey;
}

/** A caller whose token passed every check. */
export interface ValidatedCaller {
  principal: Principal;
  claims: JWTPayload;
  /** A token of an application (client credentials), not of a user. */
  appOnly: boolean;
}

export interface JwtValidator {
  /** Throws `UNAUTHENTICATED` for any token that is not valid for this gateway (`UPSTREAM_ERROR` when the keys cannot be fetched). */
  validate(token: string): Promise<ValidatedCaller>;
}

// v1.0 tokens (apps whose manifest leaves accessTokenAcceptedVersion unset) come from the cloud's STS host.
const V1_ISSUER_HOSTS: Record<GraphCloud, readonly string[]> = {
  global: ['https://sts.windows.net'],
  usgov: ['https://login.microsoftonline.us', 'https://sts.windows.net'],
  usgovdod: ['https://login.microsoftonline.us', 'https://sts.windows.net'],
  china: ['https://sts.chinacloudapi.cn'],
};

const unauthenticated = (why: string) => gatewayError('UNAUTHENTICATED', `The bearer token is not valid for this gateway: ${why}.`);

/** Validates callers' tokens for the gateway's own API (obo mode, and app mode's JWT callers) with jose against the tenant's JWKS. */
export function createJwtValidator(options: JwtValidatorOptions): JwtValidator {
  const { loginAuthority, cloud, tenantId, audiences, clockToleranceSec = 300 } = options;
  const allowed = new Set(options.allowedTenants.map((tenant) => tenant.toLowerCase()));
  const root = loginAuthority.replace(/\/+$/, '');
  const keys = options.keys ?? createRemoteJWKSet(new URL(`${root}/${encodeURIComponent(tenantId)}/discovery/v2.0/keys`), { timeoutDuration: 10_000 });
  const issuersOf = (tid: string) => [`${root}/${tid}/v2.0`, `${root}/${tid}/`, ...V1_ISSUER_HOSTS[cloud].map((host) => `${host}/${tid}/`)];

  return {
    async validate(token) {
      let unverified: JWTPayload;
      try {
        unverified = decodeJwt(token);
      } catch {
        throw unauthenticated('it is not a JWT');
      }
      const tid = typeof unverified['tid'] === 'string' ? unverified['tid'].toLowerCase() : undefined;
      if (tid === undefined) throw unauthenticated('it carries no tenant (tid)');
      if (!allowed.has(tid)) throw unauthenticated('its tenant is not allowed');
      let claims: JWTPayload;
      try {
        ({ payload: claims } = await jwtVerify(token, keys, {
          algorithms: ['RS256'],
          audience: [...audiences],
          issuer: issuersOf(tid),
          clockTolerance: clockToleranceSec,
          requiredClaims: ['exp', 'oid'],
        }));
      } catch (error) {
        throw failure(error);
      }
      const oid = claims['oid'];
      if (typeof oid !== 'string' || oid === '') throw unauthenticated('it carries no object id (oid)');
      const appOnly = claims['idtyp'] === 'app' || (claims['scp'] === undefined && Array.isArray(claims['roles']));
      return { principal: principalOf(tid, oid.toLowerCase()), claims, appOnly };
    },
  };
}

function failure(error: unknown) {
  const { code, claim } = error as { code?: string; claim?: string };
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return unauthenticated('it has expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claim === 'aud') return unauthenticated("it was issued for another audience (not this gateway's API)");
      if (claim === 'iss') return unauthenticated('it was issued by another issuer');
      if (claim === 'nbf') return unauthenticated('it is not valid yet');
      return unauthenticated(`its ${claim ?? 'claims'} claim is missing or invalid`);
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return unauthenticated('its signature does not verify against the tenant\'s signing keys');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return unauthenticated('it is malformed or not signed with RS256');
    default:
      // The keys could not be fetched: the caller is not at fault.
      return gatewayError('UPSTREAM_ERROR', 'The gateway could not fetch the signing keys of the login host to validate the token.', { cause: error });
  }
}

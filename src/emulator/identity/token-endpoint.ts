import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import type { EmulatorState } from '../http/app.js';
import { GRAPH_AUDIENCE } from './graph-auth.js';
import type { AppRegistration, AppRegistry } from './apps.js';
import { oauthError } from './oauth-error.js';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

export interface IdentitySettings {
  /** Lifetime of the access tokens the token endpoint issues, in seconds. @default 3600 */
  accessTokenLifetime: number;
}

export interface TokenGrantContext {
  readonly state: EmulatorState;
  readonly apps: AppRegistry;
  readonly settings: IdentitySettings;
  /** Origin the request came to (issuer of id tokens). */
  readonly origin: string;
  /** The tenant segment of the path. */
  readonly tenant: string;
  readonly form: URLSearchParams;
}

export interface TokenGrantResult {
  body: Record<string, unknown>;
  clientId: string;
}

/** The token endpoint (`POST /{tenant}/oauth2/v2.0/token`): client credentials and on-behalf-of, with secret or certificate client authentication. */
export async function grantToken(ctx: TokenGrantContext): Promise<TokenGrantResult> {
  const { form, state } = ctx;
  const tenantId = state.store.tenantId;
  if (ctx.tenant.toLowerCase() !== tenantId.toLowerCase()) {
    throw oauthError(400, 'invalid_request', 90002, `Tenant '${ctx.tenant.slice(0, 64)}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
  }
  const app = await authenticateClient(ctx);
  const grantType = form.get('grant_type');
  const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
  const resourceScopes = scopes.filter((s) => !OIDC_SCOPES.has(s.toLowerCase()));
  checkGraphScopes(resourceScopes);
  const lifetime = ctx.settings.accessTokenLifetime;

  if (grantType === 'client_credentials') {
    if (resourceScopes.length !== 1 || !resourceScopes[0]?.endsWith('/.default')) {
      throw oauthError(400, 'invalid_scope', 1002012, `The provided value for scope ${scopes.join(' ')} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
    }
    const minted = await state.authority.mint({ tenantId, appOnly: true, roles: app.roles, expiresIn: lifetime });
    // Entra sends no `scope` for client credentials: MSAL caches the token under the requested one.
    return { clientId: app.clientId, body: { token_type: 'Bearer', expires_in: minted.expires_in, ext_expires_in: minted.expires_in, access_token: minted.access_token } };
  }

  if (grantType === JWT_BEARER_GRANT && form.get('requested_token_use') === 'on_behalf_of') {
    const claims = await verifyAssertion(ctx, app, form.get('assertion'));
    const user = state.store.user(String(claims['oid']));
    if (!user) throw oauthError(400, 'invalid_grant', 50034, 'The user account does not exist in the directory.');
    const minted = await state.authority.mint({ tenantId, user: user.profile, scopes: app.scopes, expiresIn: lifetime });
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      // Entra answers a `.default` request with the permissions actually granted.
      scope: [...app.scopes.map((s) => `${GRAPH_AUDIENCE}/${s}`), ...scopes.filter((s) => OIDC_SCOPES.has(s))].join(' '),
      expires_in: minted.expires_in,
      ext_expires_in: minted.expires_in,
      access_token: minted.access_token,
    };
    if (scopes.includes('offline_access')) body['refresh_token'] = `0.emulator.${randomUUID()}${randomUUID()}`.replace(/-/g, '');
    if (scopes.includes('openid')) body['id_token'] = await idToken(ctx, app, user.profile);
    if (form.get('client_info') === '1') {
      body['client_info'] = Buffer.from(JSON.stringify({ uid: user.profile.id, utid: tenantId })).toString('base64url');
    }
    return { clientId: app.clientId, body };
  }

  if (grantType === null) throw oauthError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
  throw oauthError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType.slice(0, 80)}'.`);
}

function checkGraphScopes(resourceScopes: readonly string[]): void {
  for (const scope of resourceScopes) {
    const slash = scope.lastIndexOf('/');
    const resource = slash > 0 ? scope.slice(0, slash) : scope;
    if (resource.toLowerCase() !== GRAPH_AUDIENCE && resource !== GRAPH_APP_ID) {
      throw oauthError(400, 'invalid_resource', 500011, `The resource principal named ${resource.slice(0, 120)} was not found in the tenant. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`);
    }
  }
}

async function authenticateClient(ctx: TokenGrantContext): Promise<AppRegistration> {
  const { form } = ctx;
  const clientId = form.get('client_id');
  if (!clientId) throw oauthError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
  const app = ctx.apps.get(clientId);
  if (!app) {
    throw oauthError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId.slice(0, 64)}' was not found in the directory '${ctx.state.store.tenantId}'.`);
  }
  const secret = form.get('client_secret');
  const assertion = form.get('client_assertion');
  if (secret !== null) {
    if (!app.secrets.includes(secret)) throw oauthError(401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.');
    return app;
  }
  if (assertion !== null) {
    if (form.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE) {
      throw oauthError(400, 'invalid_request', 50027, 'Invalid client_assertion_type.');
    }
    await verifyClientAssertion(ctx, app, assertion);
    return app;
  }
  throw oauthError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
}

/** Path of the token endpoint, compared without scheme: MSAL only speaks https, the emulator answers http. */
function sameEndpoint(audience: string, ctx: TokenGrantContext): boolean {
  const strip = (url: string) => url.replace(/^https?:\/\//i, '').replace(/\/+$/, '').toLowerCase();
  const expected = strip(`${ctx.origin}/${ctx.tenant}/oauth2/v2.0/token`);
  return strip(audience) === expected;
}

async function verifyClientAssertion(ctx: TokenGrantContext, app: AppRegistration, assertion: string): Promise<void> {
  const invalid = (why: string) => oauthError(401, 'invalid_client', 700027, `Client assertion failed signature validation. ${why}`);
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(assertion);
  } catch {
    throw invalid('The assertion is not a JWT.');
  }
  const x5tS256 = typeof header['x5t#S256'] === 'string' ? header['x5t#S256'] : undefined;
  for (const cert of app.certificates) {
    if (cert.x5tS256 !== undefined && x5tS256 !== cert.x5tS256 && header.x5t !== cert.x5t) continue;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(assertion, cert.key, { algorithms: ['RS256', 'PS256'], clockTolerance: 300 }));
    } catch {
      continue;
    }
    if (payload.iss !== app.clientId || payload.sub !== app.clientId) throw oauthError(401, 'invalid_client', 700023, 'Client assertion audience claim does not match Realm issuer.');
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud ?? ''];
    if (!audiences.some((aud) => sameEndpoint(aud, ctx))) throw oauthError(401, 'invalid_client', 700021, 'Client assertion application identifier does not match the token endpoint.');
    return;
  }
  throw invalid(`Key was not found: no certificate registered for app '${app.clientId}' matches it.`);
}

async function verifyAssertion(ctx: TokenGrantContext, app: AppRegistration, assertion: string | null): Promise<JWTPayload> {
  if (!assertion) throw oauthError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'assertion'.");
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(assertion, createLocalJWKSet(ctx.state.authority.jwks), { algorithms: ['RS256'] }));
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_JWT_EXPIRED') throw oauthError(400, 'invalid_grant', 500133, 'Assertion is not within its valid time range.');
    throw oauthError(400, 'invalid_grant', 50013, 'Assertion failed signature validation.');
  }
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud ?? ''];
  if (!audiences.some((aud) => app.apiAudiences.includes(aud))) {
    throw oauthError(400, 'invalid_grant', 50013, `Assertion audience does not match the client application identifier '${app.clientId}'.`);
  }
  if (payload['tid'] !== ctx.state.store.tenantId) throw oauthError(400, 'invalid_grant', 50013, 'Assertion was issued for another tenant.');
  if (payload['idtyp'] === 'app' || typeof payload['scp'] !== 'string') {
    throw oauthError(400, 'invalid_grant', 50013, 'The assertion is an application token; on-behalf-of needs a token issued to a user.');
  }
  return payload;
}

async function idToken(ctx: TokenGrantContext, app: AppRegistration, user: { id: string; userPrincipalName: string; displayName: string }): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const tid = ctx.state.store.tenantId;
  return ctx.state.authority.sign({
    aud: app.clientId,
    iss: `${ctx.origin}/${tid}/v2.0`,
    iat: now,
    nbf: now,
    exp: now + 3600,
    name: user.displayName,
    oid: user.id,
    preferred_username: user.userPrincipalName,
    sub: user.id,
    tid,
    ver: '2.0',
  });
}

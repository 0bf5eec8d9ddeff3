import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { EmulatorState } from '../http/app.js';
import { EMULATOR_CLIENT_ID } from './graph-auth.js';
import { badRequest, graphError } from '../http/graph-error.js';
import { parseJsonObject, readBody } from '../http/body.js';
import { createRouter, type Reply } from '../http/router.js';
import type { Json } from '../data/store.js';
import { createAppRegistry, type AppRegistry } from './apps.js';
import { OAuthError, oauthErrorReply } from './oauth-error.js';
import { grantToken, type IdentitySettings } from './token-endpoint.js';

export { EMULATOR_CLIENT_SECRET } from './apps.js';
export type { IdentitySettings } from './token-endpoint.js';

/** One request to the token endpoint, as the admin API reports it (never a secret, assertion or token). */
export interface TokenRequestLogEntry {
  at: string;
  tenant: string;
  grantType: string | null;
  clientId: string | null;
  /** `secret` or `certificate`. */
  clientAuth: 'secret' | 'certificate' | null;
  scope: string | null;
  status: number;
  error?: string;
}

/**
 * What MSAL needs from a login host, on the emulator's origin: OpenID configuration, JWKS, instance
 * discovery and the token endpoint (client credentials, on-behalf-of). Admin routes under `/_emulator/identity/`.
 */
export interface Identity {
  readonly apps: AppRegistry;
  /** A reply for identity paths; undefined for every other path. */
  handle(req: IncomingMessage, url: URL, segments: readonly string[], origin: string): Promise<Reply> | undefined;
}

interface IdentityContext {
  req: IncomingMessage;
  url: URL;
  origin: string;
}

const MAX_LOG = 1000;

export function createIdentity(state: EmulatorState): Identity {
  const apps = createAppRegistry();
  const settings: IdentitySettings = { accessTokenLifetime: 3600 };
  const log: TokenRequestLogEntry[] = [];
  const json = async (ctx: IdentityContext): Promise<Json> => parseJsonObject(await readBody(ctx.req));

  const login = createRouter<IdentityContext>();
  const openidConfiguration = (ctx: IdentityContext, { tenant = '' }: Readonly<Record<string, string>>): Reply => {
    const base = `${ctx.origin}/${encodeURIComponent(tenant)}`;
    const named = /^(common|organizations|consumers)$/i.test(tenant);
    return {
      status: 200,
      body: {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${base}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `${ctx.origin}/${named ? '{tenantid}' : tenant}/v2.0`,
        request_uri_parameter_supported: false,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
        tenant_region_scope: null,
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: 'graph.microsoft.com',
      },
    };
  };
  login.on('GET', ':tenant/v2.0/.well-known/openid-configuration', openidConfiguration);
  login.on('GET', ':tenant/discovery/v2.0/keys', () => ({ status: 200, body: state.authority.jwks }));
  login.on('GET', ':tenant/discovery/keys', () => ({ status: 200, body: state.authority.jwks }));
  login.on('GET', ':tenant/discovery/instance', (ctx) => {
    const host = new URL(ctx.origin).host;
    return {
      status: 200,
      body: {
        tenant_discovery_endpoint: `${ctx.origin}/{tenant}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      },
    };
  });
  login.on('POST', ':tenant/oauth2/v2.0/token', async (ctx, { tenant = '' }) => {
    const form = new URLSearchParams((await readBody(ctx.req, 64 * 1024)).toString('utf8'));
    const entry: TokenRequestLogEntry = {
      at: new Date().toISOString(),
      tenant,
      grantType: form.get('grant_type'),
      clientId: form.get('client_id'),
      clientAuth: form.has('client_secret') ? 'secret' : form.has('client_assertion') ? 'certificate' : null,
      scope: form.get('scope'),
      status: 200,
    };
    log.push(entry);
    if (log.length > MAX_LOG) log.shift();
    try {
      const { body } = await grantToken({ state, apps, settings, origin: ctx.origin, tenant, form });
      return { status: 200, headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' }, body };
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      entry.status = err.status;
      entry.error = err.error;
      const correlation = ctx.req.headers['client-request-id'];
      return oauthErrorReply(err, typeof correlation === 'string' ? correlation : randomUUID());
    }
  });

  const admin = createRouter<IdentityContext>();
  admin.on('GET', 'apps', () => ({ status: 200, body: { value: apps.list().map(({ clientId, roles, scopes, apiAudiences }) => ({ clientId, roles, scopes, apiAudiences })) } }));
  admin.on('POST', 'apps', async (ctx) => {
    const body = await json(ctx);
    const clientId = stringField(body, 'clientId');
    if (clientId === undefined) throw badRequest("'clientId' is required.");
    try {
      const app = apps.register({
        clientId,
        clientSecret: stringField(body, 'clientSecret'),
        certificate: stringField(body, 'certificate'),
        roles: stringsField(body, 'roles'),
        scopes: stringsField(body, 'scopes'),
        identifierUris: stringsField(body, 'identifierUris'),
      });
      return { status: 201, body: { clientId: app.clientId, apiAudiences: app.apiAudiences } };
    } catch (err) {
      if (err instanceof Error && /PEM|certificate|key/i.test(err.message)) throw badRequest("'certificate' must be a PEM certificate or public key.");
      throw err;
    }
  });
  admin.on('GET', 'settings', () => ({ status: 200, body: settings }));
  admin.on('PUT', 'settings', async (ctx) => {
    const body = await json(ctx);
    const lifetime = body['accessTokenLifetime'];
    if (lifetime !== undefined) {
      if (typeof lifetime !== 'number' || !Number.isInteger(lifetime) || lifetime < 1 || lifetime > 86_400) {
        throw badRequest("'accessTokenLifetime' must be an integer number of seconds from 1 to 86400.");
      }
      settings.accessTokenLifetime = lifetime;
    }
    return { status: 200, body: settings };
  });
  admin.on('GET', 'requests', () => ({ status: 200, body: log }));
  admin.on('DELETE', 'requests', () => {
    log.length = 0;
    return { status: 204 };
  });
  // A token for an app's own API, as a client app would obtain it by signing the user in (the assertion of on-behalf-of).
  admin.on('POST', 'tokens', async (ctx) => {
    const body = await json(ctx);
    const apiClientId = stringField(body, 'clientId') ?? EMULATOR_CLIENT_ID;
    const tid = stringField(body, 'tenantId') ?? state.store.tenantId;
    const expiresIn = body['expiresIn'] ?? 3600;
    if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn)) throw badRequest("'expiresIn' must be a number of seconds.");
    const appOnly = body['appOnly'] === true;
    const callerId = stringField(body, 'callerId') ?? randomUUIDFor('caller');
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      aud: stringField(body, 'audience') ?? `api://${apiClientId}`,
      iss: stringField(body, 'issuer') ?? `${ctx.origin}/${tid}/v2.0`,
      iat: now,
      nbf: now - 60,
      exp: now + Math.floor(expiresIn),
      azp: callerId,
      azpacr: '1',
      tid,
      uti: randomUUID().replace(/-/g, '').slice(0, 22),
      ver: '2.0',
    };
    if (appOnly) {
      Object.assign(claims, { idtyp: 'app', oid: callerId, sub: callerId, roles: stringsField(body, 'roles') ?? [] });
    } else {
      const who = stringField(body, 'user');
      const user = who === undefined ? state.store.users()[0] : state.store.user(who);
      if (!user) throw graphError(404, 'ErrorItemNotFound', 'The user was not found in the directory.');
      Object.assign(claims, {
        idtyp: 'user',
        oid: user.profile.id,
        sub: user.profile.id,
        name: user.profile.displayName,
        preferred_username: user.profile.userPrincipalName,
        scp: (stringsField(body, 'scopes') ?? ['access_as_user']).join(' '),
      });
    }
    const accessToken = await state.authority.sign(claims);
    return { status: 200, body: { access_token: accessToken, token_type: 'Bearer', expires_in: Math.floor(expiresIn) } };
  });

  return {
    apps,
    handle(req, url, segments, origin) {
      const ctx: IdentityContext = { req, url, origin };
      if (segments[0] === '_emulator' && segments[1]?.toLowerCase() === 'identity') {
        const match = admin.match(req.method ?? 'GET', segments.slice(2));
        if (match === undefined) return undefined;
        if (match === 'method') return Promise.reject(graphError(405, 'MethodNotAllowed', 'Specified HTTP method is not allowed for the request target.'));
        return Promise.resolve(match.handler(ctx, match.params));
      }
      const first = segments[0]?.toLowerCase();
      if (first === undefined || first === 'v1.0' || first === 'beta' || first === '_emulator') return undefined;
      const match = login.match(req.method ?? 'GET', segments);
      if (match === undefined) return undefined;
      if (match === 'method') return Promise.resolve(oauthErrorReply(new OAuthError(405, 'invalid_request', 900561, 'The endpoint only accepts POST requests.')));
      return Promise.resolve(match.handler(ctx, match.params));
    },
  };
}

// Object ids of callers that did not say who they are: stable per emulator run, so tests can compare.
const generated = new Map<string, string>();
function randomUUIDFor(name: string): string {
  let id = generated.get(name);
  if (id === undefined) {
    id = randomUUID();
    generated.set(name, id);
  }
  return id;
}

function stringField(body: Json, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest(`'${key}' must be a string.`);
  return value;
}

function stringsField(body: Json, key: string): string[] | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw badRequest(`'${key}' must be an array of strings.`);
  return value as string[];
}

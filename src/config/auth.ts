import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseApiKeys, parseAppCallers, type ApiKeyEntry, type AppCallerEntry } from './api-keys.js';

/** How the gateway proves its own identity to the login host (obo and app modes). */
export type ClientCredential =
  | { readonly kind: 'secret'; readonly secret: string }
  | {
      readonly kind: 'certificate';
      /** PKCS#8 PEM. */
      readonly privateKey: string;
      /** Hex SHA-256 thumbprint of the certificate (preferred by Entra). */
      readonly thumbprintSha256: string | undefined;
      /** Hex SHA-1 thumbprint (legacy; only when configured as such). */
      readonly thumbprintSha1: string | undefined;
    };

/** Settings of the obo and app auth modes (unused by passthrough and demo). */
export interface AuthConfig {
  /** `AUTH_CLIENT_ID`: application (client) id of the gateway's app registration. Required for obo and app. */
  readonly clientId: string | undefined;
  /**
   * `AUTH_TENANT_ID`: directory (tenant) id. `organizations` or `common` make an obo gateway multi-tenant
   * (then `AUTH_ALLOWED_TENANTS` is required). Required for obo and app.
   */
  readonly tenantId: string | undefined;
  /** `AUTH_CLIENT_SECRET`, or `AUTH_CLIENT_CERTIFICATE_PATH` (+ `AUTH_CLIENT_CERTIFICATE_THUMBPRINT`). */
  readonly credential: ClientCredential | undefined;
  /** `AUTH_AUDIENCE` (comma-separated) plus the client id: audiences accepted on callers' tokens. @default [`api://<clientId>`, clientId] */
  readonly audiences: readonly string[];
  /** `AUTH_ALLOWED_TENANTS` (comma-separated tenant ids): tenants whose callers are accepted. @default [AUTH_TENANT_ID] */
  readonly allowedTenants: readonly string[];
  /** `AUTH_API_KEYS`: `name:sha256hex[:mailbox1|mailbox2]`, comma-separated (app mode). */
  readonly apiKeys: readonly ApiKeyEntry[];
  /** `AUTH_APP_CALLERS`: `objectId[:mailbox1|mailbox2]`, comma-separated: JWT callers admitted in app mode. */
  readonly appCallers: readonly AppCallerEntry[];
  /**
   * `TOKEN_CACHE_SECRET`: key material for encrypting cached tokens at rest.
   * @default derived from the first `CURSOR_SECRET` (HKDF with its own label)
   */
  readonly tokenCacheSecret: string | undefined;
}

interface Issue {
  variable: string;
  message: string;
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const MULTI_TENANT = new Set(['organizations', 'common']);

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function readCertificate(path: string, thumbprint: string | undefined, issues: Issue[]): ClientCredential | undefined {
  const variable = 'AUTH_CLIENT_CERTIFICATE_PATH';
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    issues.push({ variable, message: `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
    return undefined;
  }
  const blocks = [...pem.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g)];
  const keyBlock = blocks.find(([, type]) => type?.endsWith('PRIVATE KEY'));
  const certBlock = blocks.find(([, type]) => type === 'CERTIFICATE');
  if (keyBlock?.[1] === 'ENCRYPTED PRIVATE KEY') {
    issues.push({ variable, message: 'the private key is encrypted; give an unencrypted PEM (e.g. `openssl pkcs8 -topk8 -nocrypt`)' });
    return undefined;
  }
  if (!keyBlock) {
    issues.push({ variable, message: `${path} holds no PEM private key (expected -----BEGIN PRIVATE KEY-----, optionally followed or preceded by the certificate)` });
    return undefined;
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(keyBlock[0]);
  } catch {
    issues.push({ variable, message: `the private key in ${path} cannot be read` });
    return undefined;
  }
  let fromCert: string | undefined;
  if (certBlock) {
    try {
      const cert = new X509Certificate(certBlock[0]);
      if (!cert.checkPrivateKey(privateKey)) issues.push({ variable, message: `the certificate in ${path} does not belong to its private key` });
      fromCert = cert.fingerprint256.replace(/:/g, '').toLowerCase();
    } catch {
      issues.push({ variable, message: `the certificate in ${path} cannot be read` });
    }
  }
  let thumbprintSha256 = fromCert;
  let thumbprintSha1: string | undefined;
  if (thumbprint !== undefined) {
    const hex = thumbprint.replace(/:/g, '').trim().toLowerCase();
    if (/^[0-9a-f]{64}$/.test(hex)) thumbprintSha256 = hex;
    else if (/^[0-9a-f]{40}$/.test(hex)) thumbprintSha1 = hex;
    else issues.push({ variable: 'AUTH_CLIENT_CERTIFICATE_THUMBPRINT', message: 'expected the certificate thumbprint as 64 (SHA-256) or 40 (SHA-1) hex digits' });
    if (fromCert !== undefined && thumbprintSha256 !== undefined && thumbprintSha256 !== fromCert) {
      issues.push({ variable: 'AUTH_CLIENT_CERTIFICATE_THUMBPRINT', message: `does not match the certificate in ${path} (its SHA-256 thumbprint is ${fromCert})` });
    }
  }
  if (thumbprintSha256 === undefined && thumbprintSha1 === undefined) {
    if (thumbprint === undefined) issues.push({ variable: 'AUTH_CLIENT_CERTIFICATE_THUMBPRINT', message: `required: ${path} holds no certificate to compute it from` });
    return undefined;
  }
  return { kind: 'certificate', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), thumbprintSha256, thumbprintSha1 };
}

/**
 * Reads the obo/app variables; pushes one issue per bad variable. `mode` decides what is required:
 * obo and app need a client id, a tenant and one credential; app also needs API keys or app callers.
 */
export function readAuthConfig(raw: (name: string) => string | undefined, mode: string, issues: Issue[], minSecretLength: number): AuthConfig {
  const needed = mode === 'obo' || mode === 'app';
  const clientId = raw('AUTH_CLIENT_ID')?.trim();
  const tenantId = raw('AUTH_TENANT_ID')?.trim();
  if (clientId !== undefined && !/^[^\s,/]+$/.test(clientId)) issues.push({ variable: 'AUTH_CLIENT_ID', message: 'expected the application (client) id, e.g. a GUID' });
  if (tenantId !== undefined && !GUID.test(tenantId) && !MULTI_TENANT.has(tenantId.toLowerCase())) {
    issues.push({ variable: 'AUTH_TENANT_ID', message: `expected the directory (tenant) id as a GUID${mode === 'app' ? '' : ', or organizations/common for a multi-tenant gateway'} (got ${JSON.stringify(tenantId.slice(0, 80))})` });
  }
  if (needed && clientId === undefined) issues.push({ variable: 'AUTH_CLIENT_ID', message: `required for AUTH_MODE=${mode}: the application (client) id of the gateway's app registration` });
  if (needed && tenantId === undefined) issues.push({ variable: 'AUTH_TENANT_ID', message: `required for AUTH_MODE=${mode}: the directory (tenant) id` });
  const multiTenant = tenantId !== undefined && MULTI_TENANT.has(tenantId.toLowerCase());
  if (mode === 'app' && multiTenant) issues.push({ variable: 'AUTH_TENANT_ID', message: 'app-only tokens are issued by one tenant: give its id, not organizations/common' });

  const secret = raw('AUTH_CLIENT_SECRET')?.trim();
  const certificatePath = raw('AUTH_CLIENT_CERTIFICATE_PATH')?.trim();
  const thumbprint = raw('AUTH_CLIENT_CERTIFICATE_THUMBPRINT')?.trim();
  let credential: ClientCredential | undefined;
  if (secret !== undefined && certificatePath !== undefined) {
    issues.push({ variable: 'AUTH_CLIENT_SECRET', message: 'set either AUTH_CLIENT_SECRET or AUTH_CLIENT_CERTIFICATE_PATH, not both' });
  } else if (secret !== undefined) {
    credential = { kind: 'secret', secret };
  } else if (certificatePath !== undefined) {
    credential = readCertificate(certificatePath, thumbprint, issues);
  } else if (needed) {
    issues.push({ variable: 'AUTH_CLIENT_SECRET', message: `AUTH_MODE=${mode} needs a client credential: AUTH_CLIENT_SECRET, or AUTH_CLIENT_CERTIFICATE_PATH (PEM with the private key and certificate)` });
  }

  const explicitAudiences = list(raw('AUTH_AUDIENCE'));
  const audiences = [...new Set([...(explicitAudiences.length > 0 ? explicitAudiences : clientId ? [`api://${clientId}`] : []), ...(clientId ? [clientId] : [])])];

  const allowed = list(raw('AUTH_ALLOWED_TENANTS'));
  const badTenants = allowed.filter((tenant) => !GUID.test(tenant));
  if (badTenants.length > 0) issues.push({ variable: 'AUTH_ALLOWED_TENANTS', message: `expected tenant ids (GUIDs), comma-separated; not a GUID: ${badTenants.slice(0, 3).map((t) => JSON.stringify(t.slice(0, 40))).join(', ')}` });
  if (mode === 'obo' && multiTenant && allowed.length === 0) {
    issues.push({ variable: 'AUTH_ALLOWED_TENANTS', message: `required when AUTH_TENANT_ID is ${tenantId}: list the tenant ids whose users may call the gateway` });
  }
  const allowedTenants = (allowed.length > 0 ? allowed : tenantId !== undefined && !multiTenant ? [tenantId] : []).map((t) => t.toLowerCase());

  const apiKeys = parseApiKeys(raw('AUTH_API_KEYS') ?? '');
  for (const message of apiKeys.problems) issues.push({ variable: 'AUTH_API_KEYS', message });
  const appCallers = parseAppCallers(raw('AUTH_APP_CALLERS') ?? '');
  for (const message of appCallers.problems) issues.push({ variable: 'AUTH_APP_CALLERS', message });
  if (mode === 'app' && raw('AUTH_API_KEYS') === undefined && raw('AUTH_APP_CALLERS') === undefined) {
    issues.push({
      variable: 'AUTH_API_KEYS',
      message: 'AUTH_MODE=app reads any mailbox with the app\'s permissions, so callers must be listed: set AUTH_API_KEYS (name:sha256hex[:mailboxes]) and/or AUTH_APP_CALLERS (objectId[:mailboxes])',
    });
  }

  const tokenCacheSecret = raw('TOKEN_CACHE_SECRET')?.trim();
  if (tokenCacheSecret !== undefined && tokenCacheSecret.length < minSecretLength) {
    issues.push({ variable: 'TOKEN_CACHE_SECRET', message: `has ${tokenCacheSecret.length} characters; needs at least ${minSecretLength} (e.g. \`openssl rand -base64 48\`)` });
  }

  return { clientId, tenantId, credential, audiences, allowedTenants, apiKeys: apiKeys.entries, appCallers: appCallers.entries, tokenCacheSecret };
}

/** The auth settings safe to log: no secret, key hash or private key. */
export function describeAuthConfig(auth: AuthConfig): Record<string, unknown> {
  return {
    clientId: auth.clientId,
    tenantId: auth.tenantId,
    credential: auth.credential?.kind,
    audiences: auth.audiences,
    allowedTenants: auth.allowedTenants,
    apiKeys: auth.apiKeys.map((key) => key.name),
    appCallers: auth.appCallers.length,
    tokenCacheSecret: auth.tokenCacheSecret === undefined ? 'derived' : 'set',
  };
}

import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from '../../src/config/index.js';
import { sha256 } from '../auth/helpers.js';

const CURSOR_SECRET = 'config-test-cursor-secret-0123456789abcdef';
const TENANT = '7c3e9a52-4b1d-4f8e-a6c2-91d0e5b37f14';
const CLIENT = '5e3ce6c0-2b1f-4285-8d4b-75ee78787346';
const SECRET = 'very-secret-client-secret-value';
const base = { CURSOR_SECRET, AUTH_CLIENT_ID: CLIENT, AUTH_TENANT_ID: TENANT, AUTH_CLIENT_SECRET: SECRET };

function issues(env: Record<string, string>): { variable: string; message: string }[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      expect(error.message).not.toContain(SECRET);
      return [...error.issues];
    }
    throw error;
  }
  return [];
}
const variables = (env: Record<string, string>) => issues(env).map((issue) => issue.variable);

const dir = mkdtempSync(join(tmpdir(), 'auth-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('auth configuration', () => {
  it('names every missing variable of obo and app at once', () => {
    expect(variables({ AUTH_MODE: 'obo', CURSOR_SECRET })).toEqual(['AUTH_CLIENT_ID', 'AUTH_TENANT_ID', 'AUTH_CLIENT_SECRET']);
    expect(variables({ AUTH_MODE: 'app', CURSOR_SECRET })).toEqual(['AUTH_CLIENT_ID', 'AUTH_TENANT_ID', 'AUTH_CLIENT_SECRET', 'AUTH_API_KEYS']);
  });

  it('reads obo settings with their defaults', () => {
    const config = loadConfig({ ...base, AUTH_MODE: 'obo' });
    expect(config.auth).toMatchObject({
      clientId: CLIENT,
      tenantId: TENANT,
      credential: { kind: 'secret', secret: SECRET },
      audiences: [`api://${CLIENT}`, CLIENT],
      allowedTenants: [TENANT],
      tokenCacheSecret: undefined,
    });
    expect(loadConfig({ ...base, AUTH_MODE: 'obo', AUTH_AUDIENCE: 'api://gateway.contoso.example, api://alias' }).auth.audiences).toEqual(['api://gateway.contoso.example', 'api://alias', CLIENT]);
  });

  it('needs AUTH_ALLOWED_TENANTS for a multi-tenant obo gateway, and refuses organizations/common in app mode', () => {
    expect(variables({ ...base, AUTH_MODE: 'obo', AUTH_TENANT_ID: 'organizations' })).toEqual(['AUTH_ALLOWED_TENANTS']);
    const other = '0b9e3a57-1111-4c1e-9c39-5d1d2f1e0abc';
    expect(loadConfig({ ...base, AUTH_MODE: 'obo', AUTH_TENANT_ID: 'common', AUTH_ALLOWED_TENANTS: `${TENANT},${other.toUpperCase()}` }).auth.allowedTenants).toEqual([TENANT, other]);
    expect(variables({ ...base, AUTH_MODE: 'obo', AUTH_ALLOWED_TENANTS: 'contoso.onmicrosoft.com' })).toEqual(['AUTH_ALLOWED_TENANTS']);
    expect(variables({ ...base, AUTH_MODE: 'app', AUTH_TENANT_ID: 'organizations', AUTH_API_KEYS: `a:${sha256('k')}` })).toEqual(['AUTH_TENANT_ID']);
    expect(variables({ ...base, AUTH_MODE: 'obo', AUTH_TENANT_ID: 'contoso.example' })).toEqual(['AUTH_TENANT_ID']);
  });

  it('parses API keys (hashes, never keys) and app callers, naming bad entries by position without quoting them', () => {
    const hash = sha256('a-key');
    const config = loadConfig({ ...base, AUTH_MODE: 'app', AUTH_API_KEYS: `ops:${hash.toUpperCase()}, reporting:${hash}:a@contoso.example|B@contoso.example` });
    expect(config.auth.apiKeys).toEqual([
      { name: 'ops', sha256: hash, mailboxes: undefined },
      { name: 'reporting', sha256: hash, mailboxes: ['a@contoso.example', 'B@contoso.example'] },
    ]);
    const found = issues({ ...base, AUTH_MODE: 'app', AUTH_API_KEYS: `ops:the-raw-key-itself,ops2:${hash}:,ops2:${hash},bad name:${hash}` });
    expect(found.map((issue) => issue.variable)).toEqual(['AUTH_API_KEYS', 'AUTH_API_KEYS', 'AUTH_API_KEYS']);
    expect(found[0]?.message).toMatch(/entry #1.*SHA-256/);
    expect(found.map((issue) => issue.message).join(' ')).not.toContain('the-raw-key-itself');
    expect(variables({ ...base, AUTH_MODE: 'app', AUTH_APP_CALLERS: 'not-a-guid' })).toEqual(['AUTH_APP_CALLERS']);
    expect(loadConfig({ ...base, AUTH_MODE: 'app', AUTH_APP_CALLERS: `${CLIENT.toUpperCase()}:*` }).auth.appCallers).toEqual([{ objectId: CLIENT, mailboxes: undefined }]);
  });

  it('reads a certificate credential and checks it', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyOnly = join(dir, 'key-only.pem');
    writeFileSync(keyOnly, privateKey.export({ type: 'pkcs1', format: 'pem' }));
    const env = { CURSOR_SECRET, AUTH_MODE: 'obo', AUTH_CLIENT_ID: CLIENT, AUTH_TENANT_ID: TENANT, AUTH_CLIENT_CERTIFICATE_PATH: keyOnly };
    expect(variables(env)).toEqual(['AUTH_CLIENT_CERTIFICATE_THUMBPRINT']);
    const thumbprint = 'ab'.repeat(32);
    const credential = loadConfig({ ...env, AUTH_CLIENT_CERTIFICATE_THUMBPRINT: thumbprint.toUpperCase() }).auth.credential;
    expect(credential).toMatchObject({ kind: 'certificate', thumbprintSha256: thumbprint, thumbprintSha1: undefined });
    expect(credential?.kind === 'certificate' && credential.privateKey.startsWith('-----BEGIN PRIVATE KEY-----')).toBe(true);
    expect(variables({ ...env, AUTH_CLIENT_CERTIFICATE_PATH: join(dir, 'missing.pem') })).toEqual(['AUTH_CLIENT_CERTIFICATE_PATH']);
    expect(variables({ ...env, AUTH_CLIENT_SECRET: SECRET })).toEqual(['AUTH_CLIENT_SECRET']);
  });

  it('checks TOKEN_CACHE_SECRET and keeps every credential out of describeConfig', () => {
    expect(variables({ ...base, AUTH_MODE: 'obo', TOKEN_CACHE_SECRET: 'short' })).toEqual(['TOKEN_CACHE_SECRET']);
    const hash = sha256('a-key');
    const config = loadConfig({ ...base, AUTH_MODE: 'app', AUTH_API_KEYS: `ops:${hash}`, TOKEN_CACHE_SECRET: 'token-cache-secret-0123456789abcdefghijkl' });
    const described = JSON.stringify(describeConfig(config));
    for (const secret of [SECRET, hash, 'token-cache-secret-0123456789abcdefghijkl', CURSOR_SECRET]) expect(described).not.toContain(secret);
    expect(described).toContain('"apiKeys":["ops"]');
  });

  it.each([
    ['global', 'https://login.microsoftonline.com', 'https://graph.microsoft.com/.default'],
    ['usgov', 'https://login.microsoftonline.us', 'https://graph.microsoft.us/.default'],
    ['usgovdod', 'https://login.microsoftonline.us', 'https://dod-graph.microsoft.us/.default'],
    ['china', 'https://login.chinacloudapi.cn', 'https://microsoftgraph.chinacloudapi.cn/.default'],
  ])('GRAPH_CLOUD=%s: MSAL uses %s and asks for %s', (cloud, login, scope) => {
    const config = loadConfig({ ...base, AUTH_MODE: 'obo', GRAPH_CLOUD: cloud });
    expect(config.graph).toMatchObject({ loginAuthority: login, scope });
    // AUTH_AUTHORITY overrides the login host only; the scope stays the cloud's Graph.
    expect(loadConfig({ ...base, AUTH_MODE: 'obo', GRAPH_CLOUD: cloud, AUTH_AUTHORITY: 'https://login.proxy.example' }).graph).toMatchObject({ loginAuthority: 'https://login.proxy.example', scope });
  });
});

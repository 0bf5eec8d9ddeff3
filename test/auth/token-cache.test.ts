import { Keyv } from 'keyv';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCacheCipher } from '../../src/auth/msal/cache-cipher.js';
import { tokenCacheKey } from '../../src/auth/msal/cache-plugin.js';
import { DEMO_USER, SECOND_USER } from '../../src/emulator/index.js';
import { bearer, DEMO_TENANT_ID, EMULATOR_CLIENT_ID, GRANT, INBOX, sha256, startAuthGateway, startIdentityEmulator, type AuthFixture, type AuthGateway } from './helpers.js';

const KEY = 'token-cache-test-key-0123456789abcdefghij';
const APP_ENV = { AUTH_API_KEYS: `tests:${sha256(KEY)}` };
const CACHE_SECRET = 'token-cache-secret-0123456789abcdefghijklmnop';

let fx: AuthFixture;
const open: AuthGateway[] = [];

async function gatewayOf(mode: 'obo' | 'app', store: Keyv, env: Record<string, string> = {}): Promise<AuthGateway> {
  const gateway = await startAuthGateway({ emulator: fx.emulator, mode, store, env: { ...(mode === 'app' ? APP_ENV : {}), TOKEN_CACHE_SECRET: CACHE_SECRET, ...env } });
  open.push(gateway);
  return gateway;
}
const clientCredentials = () => fx.grants(GRANT.app);
const onBehalfOf = () => fx.grants(GRANT.obo);
const asCaller = { 'x-api-key': KEY };

beforeAll(async () => {
  fx = await startIdentityEmulator();
});
afterAll(async () => {
  for (const gateway of open) await gateway.close();
  await fx.close();
});
beforeEach(() => fx.reset());

describe('MSAL token cache in Keyv', () => {
  it('lets two app-mode instances sharing one store use one app token, also after a restart', async () => {
    const store = new Keyv();
    const a = await gatewayOf('app', store);
    const b = await gatewayOf('app', store);
    expect((await a.query(INBOX, { userId: DEMO_USER.id, first: 1 }, asCaller)).errors).toBeUndefined();
    expect((await b.query(INBOX, { userId: SECOND_USER.id, first: 1 }, asCaller)).errors).toBeUndefined();
    await b.close();
    const restarted = await gatewayOf('app', store);
    expect((await restarted.query(INBOX, { userId: DEMO_USER.id, first: 1 }, asCaller)).errors).toBeUndefined();
    expect(await clientCredentials()).toHaveLength(1);
  });

  it('lets two obo instances sharing one store reuse the Graph token of a user', async () => {
    const store = new Keyv();
    const a = await gatewayOf('obo', store);
    const b = await gatewayOf('obo', store);
    const token = await fx.identity.apiToken({ user: DEMO_USER.id });
    expect((await a.query(INBOX, { first: 1 }, bearer(token))).errors).toBeUndefined();
    expect((await b.query(INBOX, { first: 1 }, bearer(token))).errors).toBeUndefined();
    expect(await onBehalfOf()).toHaveLength(1);
    // Another user is another partition: a token request of its own.
    const megan = await fx.identity.apiToken({ user: SECOND_USER.id });
    expect((await b.query(INBOX, { first: 1 }, bearer(megan))).errors).toBeUndefined();
    expect(await onBehalfOf()).toHaveLength(2);
  });

  it('makes concurrent first requests share one acquisition', async () => {
    const gateway = await gatewayOf('app', new Keyv());
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => gateway.query(INBOX, { userId: i % 2 ? DEMO_USER.id : SECOND_USER.id, first: 1 }, asCaller)));
    expect(results.every((r) => r.errors === undefined)).toBe(true);
    expect(await clientCredentials()).toHaveLength(1);
  });

  it('renews an app token inside the renewal window and keeps a fresh one', async () => {
    const gateway = await gatewayOf('app', new Keyv());
    await fx.identity.setSettings({ accessTokenLifetime: 240 });
    expect((await gateway.query(INBOX, { userId: DEMO_USER.id, first: 1 }, asCaller)).errors).toBeUndefined();
    expect(await clientCredentials()).toHaveLength(1);
    await fx.identity.setSettings({ accessTokenLifetime: 3600 });
    expect((await gateway.query(INBOX, { userId: DEMO_USER.id, first: 1 }, asCaller)).errors).toBeUndefined();
    expect(await clientCredentials()).toHaveLength(2);
    expect((await gateway.query(INBOX, { userId: DEMO_USER.id, first: 1 }, asCaller)).errors).toBeUndefined();
    expect(await clientCredentials()).toHaveLength(2);
  });

  it('stores tokens encrypted, one partition per app (clientId.tenantId) and per user, readable only with the secret and the partition', async () => {
    const store = new Keyv();
    const app = await gatewayOf('app', store);
    const obo = await gatewayOf('obo', store);
    expect((await app.query(INBOX, { userId: DEMO_USER.id, first: 1 }, asCaller)).errors).toBeUndefined();
    expect((await obo.query(INBOX, { first: 1 }, bearer(await fx.identity.apiToken({ user: SECOND_USER.id })))).errors).toBeUndefined();

    const appPartition = `${EMULATOR_CLIENT_ID}.${DEMO_TENANT_ID}`;
    const userPartition = `obo.${DEMO_TENANT_ID}.${SECOND_USER.id}`;
    const cipher = createCacheCipher(CACHE_SECRET);
    for (const partition of [appPartition, userPartition]) {
      const sealed = await store.get<string>(tokenCacheKey(partition));
      expect(typeof sealed).toBe('string');
      expect(sealed).not.toMatch(/eyJ|AccessToken|secret/);
      const json = cipher.open(sealed as string, partition);
      expect(JSON.parse(json as string).AccessToken).toBeDefined();
      expect(cipher.open(sealed as string, partition === appPartition ? userPartition : appPartition)).toBeUndefined();
      expect(createCacheCipher(`${CACHE_SECRET}-other`).open(sealed as string, partition)).toBeUndefined();
    }
    // The on-behalf-of partition keeps no refresh token (never used by on-behalf-of).
    expect(JSON.parse(cipher.open((await store.get<string>(tokenCacheKey(userPartition))) as string, userPartition) as string).RefreshToken).toEqual({});
  });

  it('acquires anew (and says so in the log) when the cache was sealed with another secret', async () => {
    const store = new Keyv();
    const first = await gatewayOf('app', store);
    expect((await first.query(INBOX, { userId: DEMO_USER.id, first: 1 }, asCaller)).errors).toBeUndefined();
    const rotated = await gatewayOf('app', store, { TOKEN_CACHE_SECRET: `${CACHE_SECRET}-rotated` });
    expect((await rotated.query(INBOX, { userId: DEMO_USER.id, first: 1 }, asCaller)).errors).toBeUndefined();
    expect(await clientCredentials()).toHaveLength(2);
    expect(rotated.logs.some((line) => line.includes('could not be decrypted'))).toBe(true);
  });
});

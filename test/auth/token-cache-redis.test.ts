import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCacheCipher } from '../../src/auth/msal/cache-cipher.js';
import { tokenCacheKey } from '../../src/auth/msal/cache-plugin.js';
import { DEMO_USER, SECOND_USER } from '../../src/emulator/index.js';
import { redisSkipReason, startTestRedis, type TestRedis } from '../helpers/redis.js';
import { bearer, DEMO_TENANT_ID, EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, GRANT, INBOX, sha256, startAuthGateway, startIdentityEmulator, type AuthFixture, type AuthGateway } from './helpers.js';

// The issue's case for real: instances that share no memory, only a Redis (STORE_URL), each with its own connection.
const KEY = 'redis-token-cache-key-0123456789abcdefghij';
const CACHE_SECRET = 'redis-token-cache-secret-0123456789abcdefghij';
const JWT = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]+/;

const skip = redisSkipReason('Redis token-cache tests');
if (skip) console.warn(skip);

describe.skipIf(skip !== undefined)(`MSAL token cache shared through Redis by separate gateway instances${skip ? ` (${skip})` : ''}`, () => {
  let redis: TestRedis;
  let raw: Redis;
  let fx: AuthFixture;
  const open: AuthGateway[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    raw = new Redis(redis.url, { lazyConnect: true });
    await raw.connect();
    fx = await startIdentityEmulator();
  });
  afterAll(async () => {
    for (const gateway of open) await gateway.close();
    raw?.disconnect();
    await fx?.close();
    await redis?.close();
  });
  beforeEach(() => fx.reset());

  /** A gateway instance with STORE_URL=redis://… : its own store and connection, as server.ts builds it. */
  async function instance(mode: 'obo' | 'app'): Promise<AuthGateway> {
    const env = { STORE_URL: redis.url, TOKEN_CACHE_SECRET: CACHE_SECRET, ...(mode === 'app' ? { AUTH_API_KEYS: `tests:${sha256(KEY)}` } : {}) };
    const gateway = await startAuthGateway({ emulator: fx.emulator, mode, env });
    open.push(gateway);
    return gateway;
  }

  /** Every string value in Redis, by key, as stored (what anyone with access to Redis reads). */
  async function rawValues(): Promise<Map<string, string>> {
    const values = new Map<string, string>();
    for (const key of await raw.keys('*')) {
      if ((await raw.type(key)) === 'string') values.set(key, (await raw.get(key)) ?? '');
    }
    return values;
  }

  /** The raw Redis value holding a partition's token cache, and the access tokens sealed inside it. */
  async function cacheEntry(partition: string): Promise<{ value: string; accessTokens: string[] }> {
    const values = await rawValues();
    const key = [...values.keys()].find((name) => name.endsWith(tokenCacheKey(partition)));
    expect(key, `a Redis key for ${partition}'s token cache`).toBeDefined();
    const value = values.get(key ?? '') ?? '';
    const sealed = (JSON.parse(value) as { value: unknown }).value;
    expect(typeof sealed).toBe('string');
    const json = createCacheCipher(CACHE_SECRET).open(sealed as string, partition);
    const cache = JSON.parse(json ?? '{}') as { AccessToken?: Record<string, { secret: string }> };
    return { value, accessTokens: Object.values(cache.AccessToken ?? {}).map((token) => token.secret) };
  }

  /** No JWT, no token (or any of its parts), no identifier in clear: only a ciphertext. */
  function expectOpaque(value: string, tokens: readonly string[], identifiers: readonly string[]): void {
    expect(value).not.toMatch(JWT);
    // Field names of MSAL's serialized cache (a ciphertext is base64url: it never holds a '.', nor these by chance).
    expect(value).not.toMatch(/AccessToken|RefreshToken|access_token|"secret"/);
    for (const token of tokens) {
      for (const part of token.split('.')) expect(value).not.toContain(part.slice(0, 24));
    }
    for (const identifier of [EMULATOR_CLIENT_SECRET, ...identifiers]) expect(value.toLowerCase()).not.toContain(identifier.toLowerCase());
  }

  /** Whatever else the instances keep in Redis (page stashes, checkpoints) holds no token either. */
  async function expectNoTokenInRedis(): Promise<void> {
    for (const [key, value] of await rawValues()) expect(value, key).not.toMatch(JWT);
  }

  it("obo: the second instance's first request for a user makes no token request; the entry in Redis is encrypted", async () => {
    const first = await instance('obo');
    const second = await instance('obo');
    const assertion = await fx.identity.apiToken({ user: DEMO_USER.id });

    expect((await first.query(INBOX, { first: 1 }, bearer(assertion))).errors).toBeUndefined();
    expect(await fx.identity.tokenRequests()).toMatchObject([{ grantType: GRANT.obo, status: 200 }]);
    await fx.identity.clearTokenRequests();

    expect((await second.query(INBOX, { first: 1 }, bearer(assertion))).errors).toBeUndefined();
    expect(await fx.identity.tokenRequests()).toEqual([]);

    // A user the first instance never served is a token request of its own (the log does see requests).
    const other = await fx.identity.apiToken({ user: SECOND_USER.id });
    expect((await second.query(INBOX, { first: 1 }, bearer(other))).errors).toBeUndefined();
    expect(await fx.identity.tokenRequests()).toHaveLength(1);

    const partition = `obo.${DEMO_TENANT_ID}.${DEMO_USER.id}`;
    const { value, accessTokens } = await cacheEntry(partition);
    expect(accessTokens.length).toBeGreaterThan(0);
    expect(accessTokens.every((token) => JWT.test(token))).toBe(true);
    expectOpaque(value, [...accessTokens, assertion, other], [DEMO_USER.id, DEMO_USER.userPrincipalName, partition]);
    await expectNoTokenInRedis();
  });

  it("app: the second instance's first request makes no token request; the entry in Redis is encrypted", async () => {
    const first = await instance('app');
    const second = await instance('app');
    const asCaller = { 'x-api-key': KEY };

    expect((await first.query(INBOX, { userId: DEMO_USER.id, first: 1 }, asCaller)).errors).toBeUndefined();
    expect(await fx.identity.tokenRequests()).toMatchObject([{ grantType: GRANT.app, status: 200 }]);
    await fx.identity.clearTokenRequests();

    expect((await second.query(INBOX, { userId: SECOND_USER.id, first: 1 }, asCaller)).errors).toBeUndefined();
    expect(await fx.identity.tokenRequests()).toEqual([]);

    const partition = `${EMULATOR_CLIENT_ID}.${DEMO_TENANT_ID}`;
    const { value, accessTokens } = await cacheEntry(partition);
    expect(accessTokens.length).toBeGreaterThan(0);
    expectOpaque(value, accessTokens, [EMULATOR_CLIENT_ID, DEMO_TENANT_ID, partition, KEY]);
    await expectNoTokenInRedis();
  });
});

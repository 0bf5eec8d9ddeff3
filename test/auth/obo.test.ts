import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_USER, SECOND_USER } from '../../src/emulator/index.js';
import { bearer, DEMO_TENANT_ID, GRANT, EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, expectNoSecrets, INBOX, startAuthGateway, startIdentityEmulator, type AuthFixture, type AuthGateway } from './helpers.js';

let fx: AuthFixture;
let gateway: AuthGateway;

beforeAll(async () => {
  fx = await startIdentityEmulator();
  gateway = await startAuthGateway({ emulator: fx.emulator, mode: 'obo' });
});
afterAll(async () => {
  expectNoSecrets([...gateway.logs, ...gateway.responses], [EMULATOR_CLIENT_SECRET]);
  await gateway.close();
  await fx.close();
});
beforeEach(() => fx.reset());

const graphRequests = () => fx.graphRequests();
const oboRequests = () => fx.grants(GRANT.obo);

describe('AUTH_MODE=obo', () => {
  it("trades the caller's API token for a Graph token of the same user through MSAL and reads /me", async () => {
    const token = await fx.identity.apiToken({ user: DEMO_USER.id });
    const result = await gateway.query(INBOX, { first: 3 }, bearer(token));
    expect(result.errors).toBeUndefined();
    expect(result.data?.messagesDelta.edges).toHaveLength(3);
    const grants = await oboRequests();
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatchObject({ clientId: EMULATOR_CLIENT_ID, clientAuth: 'secret', tenant: DEMO_TENANT_ID, status: 200 });
    expect(grants[0]?.scope?.split(' ')).toContain('https://graph.microsoft.com/.default');
    const graph = await graphRequests();
    expect(graph.length).toBeGreaterThan(0);
    expect(graph.every((r) => r.path.startsWith('/v1.0/me/') && r.status === 200)).toBe(true);
  });

  it('serves a second request of the same token from the token cache (no second token request)', async () => {
    const token = await fx.identity.apiToken({ user: DEMO_USER.id });
    const first = await gateway.query(INBOX, { first: 2 }, bearer(token));
    const second = await gateway.query(INBOX, { first: 2, after: first.data?.messagesDelta.pageInfo.endCursor }, bearer(token));
    expect(second.errors).toBeUndefined();
    expect(await oboRequests()).toHaveLength(1);
  });

  it('acquires again when the cached Graph token is within MSAL\'s renewal window, and not once it is fresh', async () => {
    const token = await fx.identity.apiToken({ user: SECOND_USER.id });
    // A 4-minute token is already inside MSAL's 5-minute renewal window: every use renews it.
    await fx.identity.setSettings({ accessTokenLifetime: 240 });
    expect((await gateway.query(INBOX, { first: 1 }, bearer(token))).errors).toBeUndefined();
    expect(await oboRequests()).toHaveLength(1);
    await fx.identity.setSettings({ accessTokenLifetime: 3600 });
    expect((await gateway.query(INBOX, { first: 1 }, bearer(token))).errors).toBeUndefined();
    expect(await oboRequests()).toHaveLength(2);
    expect((await gateway.query(INBOX, { first: 1 }, bearer(token))).errors).toBeUndefined();
    expect(await oboRequests()).toHaveLength(2);
  });

  it('refuses a cursor of one user for another (INVALID_CURSOR)', async () => {
    const adele = await fx.identity.apiToken({ user: DEMO_USER.id });
    const megan = await fx.identity.apiToken({ user: SECOND_USER.id });
    const page = await gateway.query(INBOX, { first: 1 }, bearer(adele));
    const cursor = page.data?.messagesDelta.pageInfo.endCursor as string;
    const stolen = await gateway.query(INBOX, { first: 1, after: cursor }, bearer(megan));
    expect(stolen.errors?.[0]?.extensions?.code).toBe('INVALID_CURSOR');
    const own = await gateway.query(INBOX, { first: 1, after: cursor }, bearer(adele));
    expect(own.errors).toBeUndefined();
  });

  describe('refuses tokens that are not valid for the gateway, with no token or Graph request', () => {
    const cases: [string, () => Promise<Record<string, string>>, RegExp][] = [
      ['no Authorization header', async () => ({}), /Authorization/],
      ['a token that is not a JWT', async () => bearer('not-a-jwt'), /not a JWT/],
      ['an expired token', async () => bearer(await fx.identity.apiToken({ expiresIn: -600 })), /expired/],
      ['a token for another audience', async () => bearer(await fx.identity.apiToken({ audience: 'api://some-other-api' })), /audience/],
      ['a Graph token (audience Graph)', async () => bearer(await fx.emulator.admin.token()), /audience|issuer/],
      ['a token of another issuer', async () => bearer(await fx.identity.apiToken({ issuer: `https://login.example.test/${DEMO_TENANT_ID}/v2.0` })), /issuer/],
      ['a token of a tenant that is not allowed', async () => bearer(await fx.identity.apiToken({ tenantId: '0b9e3a57-1111-4c1e-9c39-5d1d2f1e0abc' })), /tenant/],
      ['an application token (on-behalf-of needs a user)', async () => bearer(await fx.identity.apiToken({ appOnly: true, roles: ['Mail.Read'] })), /user/],
      [
        'a token signed with another key under the same key id',
        async () => {
          const { keys } = (await (await fetch(`${fx.emulator.url}/${DEMO_TENANT_ID}/discovery/v2.0/keys`)).json()) as { keys: { kid: string }[] };
          const { privateKey } = await generateKeyPair('RS256');
          const now = Math.floor(Date.now() / 1000);
          const forged = await new SignJWT({ tid: DEMO_TENANT_ID, oid: DEMO_USER.id, scp: 'access_as_user' })
            .setProtectedHeader({ alg: 'RS256', kid: keys[0]?.kid ?? '' })
            .setIssuer(`${fx.emulator.url}/${DEMO_TENANT_ID}/v2.0`)
            .setAudience(`api://${EMULATOR_CLIENT_ID}`)
            .setIssuedAt(now)
            .setExpirationTime(now + 600)
            .sign(privateKey);
          return bearer(forged);
        },
        /signature/,
      ],
    ];
    it.each(cases)('%s', async (_name, headers, message) => {
      const result = await gateway.query(INBOX, { first: 1 }, await headers());
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(result.errors?.[0]?.message).toMatch(message);
      expect(await fx.identity.tokenRequests()).toHaveLength(0);
      expect(await graphRequests()).toHaveLength(0);
    });
  });

  it('serves a multi-tenant registration (AUTH_TENANT_ID=organizations): allowed tenants only, on-behalf-of in the caller\'s tenant', async () => {
    const multi = await startAuthGateway({ emulator: fx.emulator, mode: 'obo', env: { AUTH_TENANT_ID: 'organizations', AUTH_ALLOWED_TENANTS: DEMO_TENANT_ID } });
    try {
      const ok = await multi.query(INBOX, { first: 1 }, bearer(await fx.identity.apiToken({ user: DEMO_USER.id })));
      expect(ok.errors).toBeUndefined();
      expect(await oboRequests()).toMatchObject([{ tenant: DEMO_TENANT_ID, status: 200 }]);
      const foreign = await multi.query(INBOX, { first: 1 }, bearer(await fx.identity.apiToken({ tenantId: '0b9e3a57-1111-4c1e-9c39-5d1d2f1e0abc' })));
      expect(foreign.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(await oboRequests()).toHaveLength(1);
    } finally {
      await multi.close();
    }
  });

  it('answers UNAUTHENTICATED when the login host refuses the exchange (invalid_grant), naming the AADSTS code only', async () => {
    const other = await startAuthGateway({ emulator: fx.emulator, mode: 'obo', env: { AUTH_AUDIENCE: 'api://gateway-alias' } });
    try {
      // The gateway accepts this audience, but the app registration does not know it: Entra refuses on-behalf-of.
      const token = await fx.identity.apiToken({ audience: 'api://gateway-alias' });
      const result = await other.query(INBOX, { first: 1 }, bearer(token));
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(result.errors?.[0]?.message).toMatch(/AADSTS50013/);
      expect((await oboRequests())[0]).toMatchObject({ status: 400, error: 'invalid_grant' });
      expect(await graphRequests()).toHaveLength(0);
      expectNoSecrets([...other.logs, ...other.responses], [EMULATOR_CLIENT_SECRET]);
    } finally {
      await other.close();
    }
  });
});

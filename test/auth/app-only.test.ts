import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_USER, SECOND_USER } from '../../src/emulator/index.js';
import { bearer, EMULATOR_CLIENT_SECRET, expectNoSecrets, INBOX, sha256, startAuthGateway, startIdentityEmulator, type AuthFixture, type AuthGateway } from './helpers.js';

const FULL_KEY = 'full-access-key-0123456789abcdefghijklmnop';
const ADELE_KEY = 'adele-only-key-0123456789abcdefghijklmnopq';
const CALLER_ID = '3f0c1a2b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const LIMITED_CALLER_ID = '6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d';

let fx: AuthFixture;
let gateway: AuthGateway;

beforeAll(async () => {
  fx = await startIdentityEmulator();
  gateway = await startAuthGateway({
    emulator: fx.emulator,
    mode: 'app',
    env: {
      AUTH_API_KEYS: `full:${sha256(FULL_KEY)},adele:${sha256(ADELE_KEY)}:${DEMO_USER.id}|${DEMO_USER.userPrincipalName}`,
      AUTH_APP_CALLERS: `${CALLER_ID},${LIMITED_CALLER_ID}:${SECOND_USER.userPrincipalName}`,
    },
  });
});
afterAll(async () => {
  expectNoSecrets([...gateway.logs, ...gateway.responses], [EMULATOR_CLIENT_SECRET, FULL_KEY, ADELE_KEY]);
  await gateway.close();
  await fx.close();
});
beforeEach(() => fx.reset());

const graphRequests = () => fx.graphRequests();
const apiKey = (key: string) => ({ 'x-api-key': key });

describe('AUTH_MODE=app', () => {
  it('reads a mailbox with a client-credentials token obtained through MSAL, for a caller with an API key', async () => {
    const result = await gateway.query(INBOX, { userId: SECOND_USER.id, first: 2 }, apiKey(FULL_KEY));
    expect(result.errors).toBeUndefined();
    expect(result.data?.messagesDelta.edges).toHaveLength(2);
    const graph = await graphRequests();
    expect(graph.length).toBeGreaterThan(0);
    expect(graph.every((r) => r.path.startsWith(`/v1.0/users/${SECOND_USER.id}/`) && r.status === 200)).toBe(true);
    // Later requests, of any caller, reuse the app token (this is the gateway's first request: one acquisition).
    expect((await gateway.query(INBOX, { userId: DEMO_USER.id, first: 1 }, { authorization: `ApiKey ${ADELE_KEY}` })).errors).toBeUndefined();
    expect(await fx.identity.tokenRequests()).toMatchObject([{ grantType: 'client_credentials', clientAuth: 'secret', scope: 'https://graph.microsoft.com/.default', status: 200 }]);
  });

  it('requires userId on every field (BAD_USER_INPUT) before any token or Graph request', async () => {
    for (const variables of [{ first: 1 }, { first: 1, after: 'anything' }]) {
      const result = await gateway.query(INBOX, variables, apiKey(FULL_KEY));
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'userId' });
    }
    const contacts = await gateway.query('{ contactsDelta(folderId: "x") { pageInfo { hasNextPage } } }', {}, apiKey(FULL_KEY));
    expect(contacts.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'userId' });
    expect(await fx.identity.tokenRequests()).toHaveLength(0);
    expect(await graphRequests()).toHaveLength(0);
  });

  it("limits a caller to its allow-listed mailboxes (FORBIDDEN, no Graph request), by id or UPN", async () => {
    const other = await gateway.query(INBOX, { userId: SECOND_USER.id, first: 1 }, apiKey(ADELE_KEY));
    expect(other.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', argument: 'userId' });
    expect(await graphRequests()).toHaveLength(0);
    expect((await gateway.query(INBOX, { userId: DEMO_USER.id, first: 1 }, apiKey(ADELE_KEY))).errors).toBeUndefined();
    expect((await gateway.query(INBOX, { userId: DEMO_USER.userPrincipalName.toUpperCase(), first: 1 }, apiKey(ADELE_KEY))).errors).toBeUndefined();
  });

  it('refuses a missing or wrong API key (UNAUTHENTICATED)', async () => {
    const attempts: Record<string, string>[] = [{}, apiKey('not-a-key'), apiKey(''), { authorization: 'ApiKey wrong' }];
    for (const headers of attempts) {
      const result = await gateway.query(INBOX, { userId: DEMO_USER.id }, headers);
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    expect(await graphRequests()).toHaveLength(0);
  });

  it('admits JWT callers listed in AUTH_APP_CALLERS (with their mailbox limits) and no one else', async () => {
    const listed = await fx.identity.apiToken({ appOnly: true, callerId: CALLER_ID, roles: ['Gateway.Read'] });
    expect((await gateway.query(INBOX, { userId: DEMO_USER.id, first: 1 }, bearer(listed))).errors).toBeUndefined();
    const limited = await fx.identity.apiToken({ appOnly: true, callerId: LIMITED_CALLER_ID });
    expect((await gateway.query(INBOX, { userId: DEMO_USER.id, first: 1 }, bearer(limited))).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gateway.query(INBOX, { userId: SECOND_USER.userPrincipalName, first: 1 }, bearer(limited))).errors).toBeUndefined();
    const stranger = await fx.identity.apiToken({ appOnly: true, callerId: '9d9d9d9d-0000-4000-8000-000000000001' });
    expect((await gateway.query(INBOX, { userId: DEMO_USER.id, first: 1 }, bearer(stranger))).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const expired = await fx.identity.apiToken({ appOnly: true, callerId: CALLER_ID, expiresIn: -600 });
    expect((await gateway.query(INBOX, { userId: DEMO_USER.id, first: 1 }, bearer(expired))).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const wrongAudience = await fx.identity.apiToken({ appOnly: true, callerId: CALLER_ID, audience: 'api://elsewhere' });
    expect((await gateway.query(INBOX, { userId: DEMO_USER.id, first: 1 }, bearer(wrongAudience))).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('binds cursors to the caller, not the app: another API key or JWT caller cannot use them (INVALID_CURSOR)', async () => {
    const page = await gateway.query(INBOX, { userId: DEMO_USER.id, first: 1 }, apiKey(FULL_KEY));
    const cursor = page.data?.messagesDelta.pageInfo.endCursor as string;
    const byOtherKey = await gateway.query(INBOX, { userId: DEMO_USER.id, first: 1, after: cursor }, apiKey(ADELE_KEY));
    expect(byOtherKey.errors?.[0]?.extensions?.code).toBe('INVALID_CURSOR');
    const jwt = await fx.identity.apiToken({ appOnly: true, callerId: CALLER_ID });
    const byJwtCaller = await gateway.query(INBOX, { userId: DEMO_USER.id, first: 1, after: cursor }, bearer(jwt));
    expect(byJwtCaller.errors?.[0]?.extensions?.code).toBe('INVALID_CURSOR');
    expect((await gateway.query(INBOX, { userId: DEMO_USER.id, first: 1, after: cursor }, apiKey(FULL_KEY))).errors).toBeUndefined();
  });

  it('answers UPSTREAM_ERROR, without the secret, when the login host refuses the client secret', async () => {
    const wrong = 'wrong-secret-value-that-must-not-leak';
    const other = await startAuthGateway({ emulator: fx.emulator, mode: 'app', env: { AUTH_CLIENT_SECRET: wrong, AUTH_API_KEYS: `full:${sha256(FULL_KEY)}` } });
    try {
      const result = await other.query(INBOX, { userId: DEMO_USER.id, first: 1 }, apiKey(FULL_KEY));
      expect(result.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
      expect(result.errors?.[0]?.message).toMatch(/AADSTS7000215/);
      expect(await fx.identity.tokenRequests()).toMatchObject([{ status: 401, error: 'invalid_client' }]);
      expect(await graphRequests()).toHaveLength(0);
      expectNoSecrets([...other.logs, ...other.responses], [wrong, FULL_KEY]);
    } finally {
      await other.close();
    }
  });

  describe('with a certificate credential', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'gateway-cert-'));
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=delta-gateway-test', '-days', '2', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      writeFileSync(join(dir, 'both.pem'), readFileSync(join(dir, 'key.pem'), 'utf8') + readFileSync(join(dir, 'cert.pem'), 'utf8'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /** An app-mode gateway authenticating as `clientId` with the certificate and key in both.pem. */
    const certificateGateway = (clientId: string) =>
      startAuthGateway({
        emulator: fx.emulator,
        mode: 'app',
        env: { AUTH_CLIENT_ID: clientId, AUTH_CLIENT_SECRET: undefined, AUTH_CLIENT_CERTIFICATE_PATH: join(dir, 'both.pem'), AUTH_API_KEYS: `full:${sha256(FULL_KEY)}` },
      });

    it('authenticates to the token endpoint with a signed client assertion (thumbprint from the certificate)', async () => {
      const clientId = '0c1d2e3f-4a5b-4c6d-8e7f-8a9b0c1d2e3f';
      await fx.identity.registerApp({ clientId, certificate: readFileSync(join(dir, 'cert.pem'), 'utf8') });
      const other = await certificateGateway(clientId);
      try {
        const result = await other.query(INBOX, { userId: DEMO_USER.id, first: 1 }, apiKey(FULL_KEY));
        expect(result.errors).toBeUndefined();
        expect(await fx.identity.tokenRequests()).toMatchObject([{ clientId, clientAuth: 'certificate', status: 200 }]);
        expectNoSecrets([...other.logs, ...other.responses], [readFileSync(join(dir, 'key.pem'), 'utf8').split('\n')[1] ?? 'x']);
      } finally {
        await other.close();
      }
    });

    it('is refused by the login host when the certificate is not the registered one', async () => {
      const clientId = '1c1d2e3f-4a5b-4c6d-8e7f-8a9b0c1d2e3f';
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=another', '-days', '2', '-keyout', join(dir, 'k2.pem'), '-out', join(dir, 'c2.pem')], { stdio: 'ignore' });
      await fx.identity.registerApp({ clientId, certificate: readFileSync(join(dir, 'c2.pem'), 'utf8') });
      const other = await certificateGateway(clientId);
      try {
        const result = await other.query(INBOX, { userId: DEMO_USER.id, first: 1 }, apiKey(FULL_KEY));
        expect(result.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
        expect(await fx.identity.tokenRequests()).toMatchObject([{ clientId, clientAuth: 'certificate', status: 401, error: 'invalid_client' }]);
      } finally {
        await other.close();
      }
    });
  });
});

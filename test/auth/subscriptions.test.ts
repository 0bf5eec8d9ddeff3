import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_USER, SECOND_USER } from '../../src/emulator/index.js';
import { eventStream } from '../helpers/sse.js';
import { bearer, INBOX, sha256, startAuthGateway, startIdentityEmulator, type AuthFixture, type AuthGateway } from './helpers.js';

const FULL_KEY = 'subscription-full-key-0123456789abcdefghij';
const ADELE_KEY = 'subscription-adele-key-0123456789abcdefghi';
const CHANGED = `subscription Changed($userId: ID, $after: String) {
  messagesChanged(userId: $userId, folderId: "inbox", after: $after) { cursor edges { node { id subject } } }
}`;

let fx: AuthFixture;
let app: AuthGateway;
let obo: AuthGateway;

beforeAll(async () => {
  fx = await startIdentityEmulator();
  const env = { POLL_INTERVAL_MS: '100' };
  app = await startAuthGateway({ emulator: fx.emulator, mode: 'app', env: { ...env, AUTH_API_KEYS: `full:${sha256(FULL_KEY)},adele:${sha256(ADELE_KEY)}:${DEMO_USER.id}` } });
  obo = await startAuthGateway({ emulator: fx.emulator, mode: 'obo', env });
});
afterAll(async () => {
  await app.close();
  await obo.close();
  await fx.close();
});
beforeEach(() => fx.reset());
const graphRequests = () => fx.graphRequests();

describe('subscriptions under obo and app auth', () => {
  it('app mode: a subscription without userId is BAD_USER_INPUT, another mailbox than allowed is FORBIDDEN, before any request', async () => {
    for (const [variables, key, code] of [
      [{}, FULL_KEY, 'BAD_USER_INPUT'],
      [{ userId: SECOND_USER.id }, ADELE_KEY, 'FORBIDDEN'],
    ] as const) {
      const stream = eventStream(`${app.url}/graphql`, CHANGED, { variables, headers: { 'x-api-key': key } });
      const result = await stream.next(5000);
      expect(result.errors?.[0]?.extensions?.code).toBe(code);
      stream.close();
    }
    expect(await fx.identity.tokenRequests()).toHaveLength(0);
    expect(await graphRequests()).toHaveLength(0);
  });

  it('app mode: an allowed caller gets batches of the mailbox; the batch cursor is bound to that caller', async () => {
    const stream = eventStream(`${app.url}/graphql`, CHANGED, { variables: { userId: DEMO_USER.id }, headers: { 'x-api-key': ADELE_KEY } });
    await fx.deltaPolled();
    const created = await fx.emulator.admin.createMessage('inbox', { subject: 'seen by the app-mode subscriber' });
    const batch = await stream.next(10_000);
    expect(batch.errors).toBeUndefined();
    expect(batch.data?.messagesChanged.edges.map((e: { node: { subject: string } }) => e.node.subject)).toContain('seen by the app-mode subscriber');
    expect(created.id).toBeTruthy();
    stream.close();
    const cursor = batch.data?.messagesChanged.cursor as string;
    expect((await app.query(INBOX, { userId: DEMO_USER.id, after: cursor }, { 'x-api-key': FULL_KEY })).errors?.[0]?.extensions?.code).toBe('INVALID_CURSOR');
    expect((await app.query(INBOX, { userId: DEMO_USER.id, after: cursor }, { 'x-api-key': ADELE_KEY })).errors).toBeUndefined();
  });

  it("obo: a user's subscription polls with that user's Graph token; an invalid token is UNAUTHENTICATED", async () => {
    const bad = eventStream(`${obo.url}/graphql`, CHANGED, { headers: bearer(await fx.identity.apiToken({ expiresIn: -600 })) });
    expect((await bad.next(5000)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    bad.close();
    const token = await fx.identity.apiToken({ user: SECOND_USER.id });
    const stream = eventStream(`${obo.url}/graphql`, CHANGED, { headers: bearer(token) });
    await fx.deltaPolled();
    await fx.emulator.admin.createMessage('inbox', { subject: 'for megan' }, { user: SECOND_USER.id });
    const batch = await stream.next(10_000);
    expect(batch.data?.messagesChanged.edges.map((e: { node: { subject: string } }) => e.node.subject)).toContain('for megan');
    stream.close();
    expect((await graphRequests()).some((r) => r.path.startsWith('/v1.0/me/') && r.status === 200)).toBe(true);
    expect((await fx.identity.tokenRequests()).filter((r) => r.status === 200)).toHaveLength(1);
  });

  it("obo: the stream ends with UNAUTHENTICATED once the caller's token has expired and the Graph token needs renewing", async () => {
    // Graph tokens inside MSAL's renewal window are renewed on every poll: with the caller's token expired, Entra refuses.
    await fx.identity.setSettings({ accessTokenLifetime: 240 });
    try {
      const stream = eventStream(`${obo.url}/graphql`, CHANGED, { headers: bearer(await fx.identity.apiToken({ user: DEMO_USER.id, expiresIn: 2 })) });
      const end = await stream.next(15_000);
      expect(end.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(end.errors?.[0]?.message).toMatch(/AADSTS500133/);
      await stream.done;
    } finally {
      await fx.identity.setSettings({ accessTokenLifetime: 3600 });
    }
  });
});

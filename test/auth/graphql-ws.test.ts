import { createClient, type Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEMO_USER, SECOND_USER } from '../../src/emulator/index.js';
import { INBOX, sha256, startAuthGateway, startIdentityEmulator, type AuthFixture, type AuthGateway } from './helpers.js';

const FULL_KEY = 'ws-full-access-key-0123456789abcdefghijklm';
const ADELE_KEY = 'ws-adele-only-key-0123456789abcdefghijklmn';
const CHANGED = `subscription Changed($userId: ID) {
  messagesChanged(userId: $userId, folderId: "inbox") { cursor edges { node { id subject } } }
}`;

interface Result {
  data?: Record<string, any> | null;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
}

let fx: AuthFixture;
let gateway: AuthGateway;
const clients: Client[] = [];

beforeAll(async () => {
  fx = await startIdentityEmulator();
  gateway = await startAuthGateway({
    emulator: fx.emulator,
    mode: 'app',
    env: { POLL_INTERVAL_MS: '100', AUTH_API_KEYS: `full:${sha256(FULL_KEY)},adele:${sha256(ADELE_KEY)}:${DEMO_USER.id}` },
  });
});
afterEach(async () => {
  for (const client of clients.splice(0)) await client.dispose();
});
afterAll(async () => {
  await gateway.close();
  await fx.close();
});
beforeEach(() => fx.reset());

/** A real graphql-transport-ws client; browsers can only authenticate through `connectionParams`. */
function wsClient(connectionParams?: Record<string, unknown>): Client {
  const client = createClient({ url: gateway.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, ...(connectionParams ? { connectionParams } : {}) });
  clients.push(client);
  return client;
}

/** The first result of an operation over the socket. */
async function firstResult(client: Client, query: string, variables: Record<string, unknown>): Promise<Result> {
  const stream = client.iterate({ query, variables });
  const { value } = await stream.next();
  await stream.return?.();
  return value as Result;
}


describe('AUTH_MODE=app over graphql-ws: API keys in connectionParams', () => {
  const forms: [string, (key: string) => Record<string, string>][] = [
    ["'x-api-key'", (key) => ({ 'x-api-key': key })],
    ["'X-API-Key'", (key) => ({ 'X-API-Key': key })],
    ['apiKey', (key) => ({ apiKey: key })],
    ["authorization: 'ApiKey …'", (key) => ({ authorization: `ApiKey ${key}` })],
  ];

  it.each(forms)('%s identifies the caller: its allowed mailbox reads, another is FORBIDDEN', async (_name, params) => {
    const allowed = await firstResult(wsClient(params(ADELE_KEY)), INBOX, { userId: DEMO_USER.id, first: 1 });
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data?.['messagesDelta'].edges).toHaveLength(1);
    const other = await firstResult(wsClient(params(ADELE_KEY)), INBOX, { userId: SECOND_USER.id, first: 1 });
    expect(other.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', argument: 'userId' });
  });

  it('a wrong key, or none, is UNAUTHENTICATED before any Graph request', async () => {
    for (const params of [{ 'x-api-key': 'not-a-key' }, { apiKey: 'not-a-key' }, { authorization: 'ApiKey not-a-key' }, undefined]) {
      const result = await firstResult(wsClient(params), INBOX, { userId: DEMO_USER.id, first: 1 });
      expect(result.errors?.[0]?.extensions?.['code'], JSON.stringify(params)).toBe('UNAUTHENTICATED');
    }
    expect(await fx.graphRequests()).toHaveLength(0);
  });

  it('a subscription authenticated by an API key in connectionParams gets batches of its mailbox', async () => {
    const stream = wsClient({ apiKey: ADELE_KEY }).iterate({ query: CHANGED, variables: { userId: DEMO_USER.id } });
    const first = stream.next();
    await fx.deltaPolled();
    await fx.emulator.admin.createMessage('inbox', { subject: 'to a WebSocket subscriber with an API key' });
    const { value } = await first;
    const batch = value as Result;
    expect(batch.errors).toBeUndefined();
    expect(batch.data?.['messagesChanged'].edges.map((e: { node: { subject: string } }) => e.node.subject)).toContain('to a WebSocket subscriber with an API key');
    await stream.return?.();
  });
});

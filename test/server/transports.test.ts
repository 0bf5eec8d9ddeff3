import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient, type Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { ids, MESSAGES_CHANGED, type MessagesBatch } from '../fixtures/subscription-documents.js';
import { deltaRequests, IMMUTABLE, startSubscriptionGateway, until, type SubscriptionGateway } from '../helpers/subscription-harness.js';

interface Result<T> {
  data?: T | null;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
}

/** A `ws` WebSocket that sends headers on the upgrade request (what server-side clients can do; browsers cannot). */
function webSocketWithHeaders(headers: Record<string, string>) {
  return class extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  };
}

describe('subscriptions: transports (SSE and graphql-transport-ws on /graphql)', () => {
  let emulator: RunningEmulator;
  let gw: SubscriptionGateway;
  const clients: Client[] = [];

  beforeAll(async () => {
    emulator = await startEmulator({ seed: { preset: 'demo', messages: 20 } });
    gw = await startSubscriptionGateway({ emulator });
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.dispose();
    await until(() => gw.pollers.size === 0, 'pollers stopped between tests');
    await emulator.admin.clearRequests();
  });
  afterAll(async () => {
    await gw.close();
    await emulator.close();
  });

  function wsClient(options: { connectionParams?: Record<string, unknown>; headers?: Record<string, string> } = {}): Client {
    const client = createWsClient({
      url: gw.wsUrl,
      webSocketImpl: options.headers ? webSocketWithHeaders(options.headers) : WebSocket,
      ...(options.connectionParams ? { connectionParams: options.connectionParams } : {}),
      retryAttempts: 0,
      lazy: true,
    });
    clients.push(client);
    return client;
  }

  it('a change reaches a WebSocket subscriber (token in connectionParams) and an SSE subscriber, through one shared poller', async () => {
    const ws = wsClient({ connectionParams: { authorization: `Bearer ${gw.token}` } });
    const wsStream = ws.iterate<MessagesBatch>({ query: MESSAGES_CHANGED });
    const sse = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    const wsFirst = wsStream.next();
    await until(() => gw.pollers.stats().some((s) => s.phase === 'holding' && s.subscribers === 2), 'both transports on one poller');

    const created = await emulator.admin.createMessage('inbox', { subject: 'to both transports' }, { prefer: [IMMUTABLE] });
    const [overWs, overSse] = await Promise.all([wsFirst, sse.next()]);
    expect(overWs.done).toBe(false);
    const wsBatch = overWs.value as Result<MessagesBatch>;
    expect(ids(wsBatch.data?.messagesChanged.edges ?? [])).toEqual([created.id]);
    expect(overSse.data).toEqual(wsBatch.data);
    expect((await deltaRequests(emulator, '/mailFolders/inbox/')).filter((r) => r.kind === 'initial')).toHaveLength(1);

    await wsStream.return?.();
    sse.close();
  });

  it('a WebSocket client may send Authorization on the upgrade request instead', async () => {
    const ws = wsClient({ headers: { authorization: `Bearer ${gw.token}` } });
    const stream = ws.iterate<MessagesBatch>({ query: MESSAGES_CHANGED });
    const first = stream.next();
    await until(() => gw.pollers.stats().some((s) => s.phase === 'holding'), 'polling');
    const created = await emulator.admin.createMessage('inbox', { subject: 'header auth' }, { prefer: [IMMUTABLE] });
    const { value } = await first;
    expect(ids((value as Result<MessagesBatch>).data?.messagesChanged.edges ?? [])).toEqual([created.id]);
    await stream.return?.();
  });

  it('a WebSocket subscription without credentials ends with UNAUTHENTICATED', async () => {
    const ws = wsClient();
    const stream = ws.iterate<MessagesBatch>({ query: MESSAGES_CHANGED });
    const results: Result<MessagesBatch>[] = [];
    for await (const result of stream) results.push(result as Result<MessagesBatch>);
    expect(results).toHaveLength(1);
    expect(results[0]?.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(gw.pollers.size).toBe(0);
  });

  it('RESYNC_REQUIRED reaches a WebSocket subscriber as its last result', async () => {
    const ws = wsClient({ connectionParams: { authorization: `Bearer ${gw.token}` } });
    const stream = ws.iterate<MessagesBatch>({ query: MESSAGES_CHANGED });
    const results: Result<MessagesBatch>[] = [];
    const drained = (async () => {
      for await (const result of stream) results.push(result as Result<MessagesBatch>);
    })();
    await until(() => gw.pollers.stats().some((s) => s.phase === 'holding'), 'polling');
    await emulator.admin.expireTokens({ all: true });
    await drained;
    expect(results.map((r) => r.errors?.[0]?.extensions?.['code'])).toEqual(['RESYNC_REQUIRED']);
  });

  it('graphql-sse (distinct connections mode, EventSource-style) receives batches too', async () => {
    const client = createSseClient({ url: gw.graphqlUrl, headers: { authorization: `Bearer ${gw.token}` }, retryAttempts: 0 });
    const stream = client.iterate<MessagesBatch>({ query: MESSAGES_CHANGED });
    const first = stream.next();
    await until(() => gw.pollers.stats().some((s) => s.phase === 'holding'), 'polling');
    const created = await emulator.admin.createMessage('inbox', { subject: 'graphql-sse' }, { prefer: [IMMUTABLE] });
    const { value } = await first;
    expect(ids((value as Result<MessagesBatch>).data?.messagesChanged.edges ?? [])).toEqual([created.id]);
    await stream.return?.();
    client.dispose();
  });
});

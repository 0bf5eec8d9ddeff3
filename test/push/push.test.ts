import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { ids, MESSAGES_CHANGED, type MessagesBatch } from '../fixtures/subscription-documents.js';
import { freePort, startPushGateway, wsSubscribe } from '../helpers/push.js';
import { deltaRequests, IMMUTABLE, startSubscriptionGateway, until, type SubscriptionGateway } from '../helpers/subscription-harness.js';

const INBOX = '/mailFolders/inbox/';
const INBOX_RESOURCE = "me/mailFolders('inbox')/messages";
const IDS_ONLY = `subscription { messagesChanged(folderId: "inbox") { cursor edges { node { id } } } }`;

describe('push: Graph change notifications trigger the polls (CONTRACT §8)', () => {
  let emulator: RunningEmulator;
  let gw: SubscriptionGateway | undefined;

  beforeAll(async () => {
    emulator = await startEmulator({ seed: { preset: 'demo', messages: 20 } });
  });
  afterAll(() => emulator.close());
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
    for (const sub of await emulator.push.subscriptions()) {
      await fetch(`${emulator.url}/v1.0/subscriptions/${sub.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${await emulator.admin.token()}` } });
    }
    await emulator.push.resetSettings();
    await emulator.push.clearDeliveries();
    await emulator.admin.clearRequests();
  });

  const holding = (g: SubscriptionGateway, subscribers = 1) => () => g.pollers.stats().some((s) => s.phase === 'holding' && s.subscribers >= subscribers);
  const subscriptions = () => emulator.push.subscriptions();
  const liveOn = async (resource: string) => (await subscriptions()).filter((s) => s.resource === resource);
  const polls = async () => (await deltaRequests(emulator, INBOX)).filter((r) => r.kind === 'delta').length;

  it('handshake: the gateway answers Graph\'s validation on both URLs; the subscription is made with the clientState; a change arrives in seconds with a 60 s interval', async () => {
    gw = await startPushGateway({ emulator });
    const stream = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    await until(holding(gw), 'poller polling');
    await until(async () => (await liveOn(INBOX_RESOURCE)).length === 1, 'Graph subscription made');
    const [sub] = await liveOn(INBOX_RESOURCE);
    expect(sub?.changeType).toBe('created,updated,deleted');
    expect(sub?.clientState?.length).toBeGreaterThanOrEqual(32);
    expect(sub?.clientState?.length).toBeLessThanOrEqual(128);
    expect(sub?.notificationUrl).toBe(`${gw.url.replace('localhost', '127.0.0.1')}/notifications`);
    expect(sub?.lifecycleNotificationUrl).toBe(`${gw.url.replace('localhost', '127.0.0.1')}/notifications/lifecycle`);
    const validations = (await emulator.push.deliveries()).filter((d) => d.kind === 'validation');
    expect(validations.map((d) => [new URL(d.url).pathname, d.status])).toEqual([['/notifications', 200], ['/notifications/lifecycle', 200]]);

    const started = Date.now();
    const created = await emulator.admin.createMessage('inbox', { subject: 'pushed' }, { prefer: [IMMUTABLE] });
    const batch = await stream.next(2000);
    expect(ids(batch.data?.messagesChanged.edges ?? [])).toEqual([created.id]);
    expect(Date.now() - started).toBeLessThan(2000);
    const answered = (await emulator.push.deliveries()).filter((d) => d.kind === 'change');
    expect(answered.length).toBeGreaterThan(0);
    expect(answered.every((d) => d.status === 202)).toBe(true);
    stream.close();
  });

  it('handshake failure (Graph cannot reach NOTIFICATION_URL): no subscription, plain polling at POLL_INTERVAL_MS', async () => {
    const nowhere = await freePort();
    gw = await startPushGateway({ emulator, notificationUrl: `http://127.0.0.1:${nowhere}`, env: { POLL_INTERVAL_MS: '200' } });
    const stream = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    await until(holding(gw), 'poller polling');
    await until(async () => (await emulator.push.deliveries()).some((d) => d.kind === 'validation'), 'a validation attempt');
    const created = await emulator.admin.createMessage('inbox', { subject: 'polled' }, { prefer: [IMMUTABLE] });
    expect(ids((await stream.next(5000)).data?.messagesChanged.edges ?? [])).toEqual([created.id]);
    expect(await subscriptions()).toEqual([]);
    stream.close();
  });

  it('one Graph subscription for two pollers of one folder (SSE and graphql-ws, different selections); deleted after both leave', async () => {
    gw = await startPushGateway({ emulator });
    const sse = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    const ws = wsSubscribe<{ messagesChanged: { edges: { node: { id: string } }[] } }>(gw, IDS_ONLY);
    await until(() => gw!.pollers.stats().filter((s) => s.phase === 'holding').length === 2, 'two pollers polling');
    await until(async () => (await liveOn(INBOX_RESOURCE)).length === 1, 'Graph subscription made');
    const created = await emulator.admin.createMessage('inbox', { subject: 'for both pollers' }, { prefer: [IMMUTABLE] });
    expect(ids((await sse.next(2000)).data?.messagesChanged.edges ?? [])).toEqual([created.id]);
    await until(() => ws.results.length === 1, 'the WebSocket batch', 2000);
    expect(ids(ws.results[0]?.data?.messagesChanged.edges ?? [])).toEqual([created.id]);
    const creates = (await emulator.admin.requests()).filter((r) => r.method === 'POST' && r.path === '/v1.0/subscriptions');
    expect(creates).toHaveLength(1);
    expect(await subscriptions()).toHaveLength(1);

    sse.close();
    await until(() => gw!.pollers.size === 1, 'one poller left');
    expect(await subscriptions()).toHaveLength(1);
    ws.close();
    await until(() => gw!.pollers.size === 0, 'no poller left');
    await until(async () => (await subscriptions()).length === 0, 'Graph subscription deleted');
    const deletes = (await emulator.admin.requests()).filter((r) => r.method === 'DELETE' && r.path.startsWith('/v1.0/subscriptions/'));
    expect(deletes).toHaveLength(1);
  });

  it('validation echo: the decoded token only, text/plain, nosniff; bounded; other methods 405; no GraphQL auth on the way', async () => {
    gw = await startPushGateway({ emulator });
    const token = 'Validation: <b>tést</b> & more';
    for (const path of ['/notifications', '/notifications/lifecycle']) {
      const res = await fetch(`${gw.url}${path}?validationToken=${encodeURIComponent(token)}`, { method: 'POST', headers: { 'content-type': 'text/plain' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await res.text()).toBe(token);
    }
    const long = await fetch(`${gw.url}/notifications?validationToken=${'a'.repeat(5000)}`, { method: 'POST' });
    expect(long.status).toBe(400);
    expect(await long.text()).toBe('');
    expect((await fetch(`${gw.url}/notifications`)).status).toBe(405);
    const big = await fetch(`${gw.url}/notifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: [], pad: 'x'.repeat(300_000) }) });
    expect(big.status).toBe(413);
  });

  it('forged notifications (wrong clientState, unknown subscription, malformed) are answered 202 and cause no poll and no data', async () => {
    gw = await startPushGateway({ emulator });
    const stream = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    await until(holding(gw), 'poller polling');
    await until(async () => (await liveOn(INBOX_RESOURCE)).length === 1, 'Graph subscription made');
    const [sub] = await liveOn(INBOX_RESOURCE);
    // Let the poll that follows a new subscription pass.
    await new Promise((r) => setTimeout(r, 300));
    const before = await polls();
    const post = (body: unknown) => fetch(`${gw!.url}/notifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const item = { subscriptionId: sub!.id, changeType: 'created', resource: 'Users/x/Messages/y', clientState: 'forged'.repeat(8), tenantId: 't' };
    const answers = await Promise.all([
      post({ value: [item] }),
      post({ value: [{ ...item, clientState: undefined }] }),
      post({ value: [{ ...item, subscriptionId: '00000000-0000-0000-0000-000000000000', clientState: sub!.clientState }] }),
      post('{not json'),
      post({ value: 'no' }),
      fetch(`${gw.url}/notifications/lifecycle`, { method: 'POST', body: JSON.stringify({ value: [{ subscriptionId: sub!.id, lifecycleEvent: 'missed', clientState: 'x' }] }) }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202, 202]);
    await new Promise((r) => setTimeout(r, 500));
    expect(await polls()).toBe(before);
    expect(stream.results).toEqual([]);
    // The same item with the right clientState does make it poll (the check is what stops the others).
    await post({ value: [{ ...item, clientState: sub!.clientState }] });
    await until(async () => (await polls()) > before, 'a poll after a valid notification');
    expect(stream.results).toEqual([]);
    stream.close();
  });

  it('a dropped notification is caught by the backstop (POLL_BACKSTOP_MS)', async () => {
    gw = await startPushGateway({ emulator, env: { POLL_BACKSTOP_MS: '1500' } });
    const stream = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    await until(holding(gw), 'poller polling');
    await until(async () => (await liveOn(INBOX_RESOURCE)).length === 1, 'Graph subscription made');
    await new Promise((r) => setTimeout(r, 300));
    await emulator.push.drop(1);
    const created = await emulator.admin.createMessage('inbox', { subject: 'notification lost' }, { prefer: [IMMUTABLE] });
    await until(async () => (await emulator.push.deliveries()).some((d) => d.outcome === 'dropped'), 'the notification dropped');
    expect(ids((await stream.next(5000)).data?.messagesChanged.edges ?? [])).toEqual([created.id]);
    stream.close();
  });

  it('lifecycle: missed → poll now; reauthorizationRequired → reauthorized; subscriptionRemoved → a new subscription and a poll', async () => {
    gw = await startPushGateway({ emulator });
    const stream = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    await until(holding(gw), 'poller polling');
    await until(async () => (await liveOn(INBOX_RESOURCE)).length === 1, 'Graph subscription made');
    await new Promise((r) => setTimeout(r, 300));

    // missed: the change's own notification is lost; the lifecycle event makes the poller catch up.
    await emulator.push.drop(1);
    const lost = await emulator.admin.createMessage('inbox', { subject: 'missed' }, { prefer: [IMMUTABLE] });
    await until(async () => (await emulator.push.deliveries()).some((d) => d.outcome === 'dropped'), 'the notification dropped');
    await new Promise((r) => setTimeout(r, 200));
    expect(stream.results).toEqual([]);
    await emulator.push.lifecycle('missed');
    expect(ids((await stream.next(2000)).data?.messagesChanged.edges ?? [])).toEqual([lost.id]);

    // reauthorizationRequired: Graph holds notifications until the gateway reauthorizes.
    const [sub] = await liveOn(INBOX_RESOURCE);
    await emulator.push.lifecycle('reauthorizationRequired', { subscriptionId: sub!.id });
    await until(async () => (await emulator.admin.requests()).some((r) => r.path === `/v1.0/subscriptions/${sub!.id}/reauthorize`), 'reauthorize called');
    await until(async () => (await liveOn(INBOX_RESOURCE))[0]?.needsReauthorization === false, 'reauthorized');
    const held = await emulator.admin.createMessage('inbox', { subject: 'after reauthorization' }, { prefer: [IMMUTABLE] });
    expect(ids((await stream.next(2000)).data?.messagesChanged.edges ?? [])).toEqual([held.id]);

    // subscriptionRemoved: Graph deleted it; the gateway makes a new one and polls.
    await emulator.push.lifecycle('subscriptionRemoved', { subscriptionId: sub!.id });
    await until(async () => (await liveOn(INBOX_RESOURCE)).some((s) => s.id !== sub!.id), 'a new Graph subscription');
    const after = await emulator.admin.createMessage('inbox', { subject: 'after removal' }, { prefer: [IMMUTABLE] });
    expect(ids((await stream.next(2000)).data?.messagesChanged.edges ?? [])).toEqual([after.id]);
    stream.close();
  });

  it('renews before expiry when Graph grants a short lifetime (learned from its error), timed from the answered expirationDateTime', async () => {
    await emulator.push.settings({ maxLifetimeMinutes: 0.05, minLifetimeMinutes: 0 });
    gw = await startPushGateway({ emulator });
    const stream = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    await until(holding(gw), 'poller polling');
    await until(async () => (await liveOn(INBOX_RESOURCE)).length === 1, 'Graph subscription made');
    const [sub] = await liveOn(INBOX_RESOURCE);
    // Three granted lifetimes (3 s each) later, the same subscription still lives: renewed in time.
    await new Promise((r) => setTimeout(r, 9000));
    expect((await liveOn(INBOX_RESOURCE)).map((s) => s.id)).toEqual([sub!.id]);
    const patches = (await emulator.admin.requests()).filter((r) => r.method === 'PATCH' && r.path === `/v1.0/subscriptions/${sub!.id}`);
    expect(patches.length).toBeGreaterThanOrEqual(3);
    expect(patches.every((r) => r.status === 200)).toBe(true);
    const created = await emulator.admin.createMessage('inbox', { subject: 'still pushed' }, { prefer: [IMMUTABLE] });
    expect(ids((await stream.next(2000)).data?.messagesChanged.edges ?? [])).toEqual([created.id]);
    stream.close();
  }, 20_000);

  it('a burst of changes is coalesced into few polls, and every change is delivered', async () => {
    gw = await startPushGateway({ emulator });
    const stream = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    await until(holding(gw), 'poller polling');
    await until(async () => (await liveOn(INBOX_RESOURCE)).length === 1, 'Graph subscription made');
    await new Promise((r) => setTimeout(r, 300));
    const before = await polls();
    const created = (await Promise.all(Array.from({ length: 30 }, (_, i) => emulator.admin.createMessage('inbox', { subject: `burst ${i}` }, { prefer: [IMMUTABLE] })))).map((m) => m.id);
    const seen = new Set<string>();
    await until(() => {
      for (const r of stream.results) for (const id of ids(r.data?.messagesChanged.edges ?? [])) seen.add(id);
      return created.every((id) => seen.has(id));
    }, 'every change of the burst', 10_000);
    const posts = (await emulator.push.deliveries()).filter((d) => d.kind === 'change');
    expect(posts.reduce((n, d) => n + d.items, 0)).toBeGreaterThanOrEqual(30);
    // Coalesced: not a poll per change, at most one per notification POST and one more.
    const made = (await polls()) - before;
    expect(made).toBeLessThan(30);
    expect(made).toBeLessThanOrEqual(posts.length + 1);
    stream.close();
  });

  it('where Graph cannot notify (calendars) the poller polls at POLL_INTERVAL_MS', async () => {
    gw = await startPushGateway({ emulator, env: { POLL_INTERVAL_MS: '200' } });
    const stream = gw.subscribe(`subscription { calendarsChanged { cursor edges { node { id name } } } }`);
    await until(holding(gw), 'poller polling');
    const created = await emulator.admin.createCalendar({ name: 'polled calendar' });
    const batch = await stream.next(5000);
    expect(batch.data?.calendarsChanged.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([created.id]);
    expect(await subscriptions()).toEqual([]);
    stream.close();
  });
});

describe('push off (no NOTIFICATION_URL)', () => {
  it('serves no notification routes and makes no Graph subscription', async () => {
    const emulator = await startEmulator({ seed: { preset: 'demo', messages: 3 } });
    const gw = await startSubscriptionGateway({ emulator });
    try {
      const stream = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED);
      await until(() => gw.pollers.stats().some((s) => s.phase === 'holding'), 'poller polling');
      expect((await fetch(`${gw.url}/notifications?validationToken=x`, { method: 'POST' })).status).toBe(404);
      expect(await emulator.push.subscriptions()).toEqual([]);
      stream.close();
    } finally {
      await gw.close();
      await emulator.close();
    }
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { ids, MESSAGES_CHANGED, type MessagesBatch } from '../fixtures/subscription-documents.js';
import { deltaRequests, IMMUTABLE, readInbox, startSubscriptionGateway, until, type SubscriptionGateway } from '../helpers/subscription-harness.js';

const INBOX = '/mailFolders/inbox/';

describe('subscriptions: one poller per key', () => {
  let emulator: RunningEmulator;
  let gw: SubscriptionGateway;

  beforeAll(async () => {
    emulator = await startEmulator({ seed: { preset: 'demo', messages: 30 } });
  });
  afterAll(() => emulator.close());
  afterEach(async () => {
    await gw?.close();
    await emulator.admin.clearFaults();
    await emulator.admin.clearRequests();
  });

  const holding = (subscribers: number) => () => gw.pollers.stats().some((s) => s.phase === 'holding' && s.subscribers === subscribers && s.live === subscribers);

  it('two subscribers of the same key share one poller: one initial round, one chain of delta polls, one batch each', async () => {
    gw = await startSubscriptionGateway({ emulator });
    const a = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    const b = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    await until(holding(2), 'both subscribers on one polling poller');
    expect(gw.pollers.size).toBe(1);

    const created = await emulator.admin.createMessage('inbox', { subject: 'for both' }, { prefer: [IMMUTABLE] });
    const [ra, rb] = await Promise.all([a.next(), b.next()]);
    expect(ids(ra.data?.messagesChanged.edges ?? [])).toEqual([created.id]);
    expect(rb.data).toEqual(ra.data);

    const requests = await deltaRequests(emulator, INBOX);
    expect(requests.filter((r) => r.kind === 'initial')).toHaveLength(1);
    // One poller follows one chain of deltaLinks: no deltaLink is fetched twice.
    const tokens = requests.filter((r) => r.kind === 'delta').map((r) => r.query['$deltatoken']);
    expect(tokens.length).toBeGreaterThan(0);
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(a.results).toHaveLength(1);
    expect(b.results).toHaveLength(1);
    a.close();
    b.close();
  });

  it('different keys poll separately (other options, other selected fields)', async () => {
    gw = await startSubscriptionGateway({ emulator });
    const plain = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    const created = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED, { changeType: 'CREATED' });
    const idsOnly = gw.subscribe(`subscription { messagesChanged(folderId: "inbox") { cursor edges { node { id } } } }`);
    await until(() => gw.pollers.stats().filter((s) => s.phase === 'holding').length === 3, 'three pollers polling');
    expect(gw.pollers.size).toBe(3);

    const message = await emulator.admin.createMessage('inbox', { subject: 'three keys' }, { prefer: [IMMUTABLE] });
    for (const stream of [plain, created, idsOnly]) {
      const result = await stream.next();
      expect(result.data?.messagesChanged.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([message.id]);
    }
    const initial = (await deltaRequests(emulator, INBOX)).filter((r) => r.kind === 'initial');
    expect(initial).toHaveLength(3);
    expect(initial.filter((r) => r.query['changeType'] === 'created')).toHaveLength(1);
    expect(initial.filter((r) => r.query['$select'] === 'id')).toHaveLength(1);
    for (const stream of [plain, created, idsOnly]) stream.close();
  });

  it('a subscriber joining with an older cursor catches up on its own; nobody gets a batch twice', async () => {
    gw = await startSubscriptionGateway({ emulator });
    const { endCursor: before } = await readInbox(gw);

    const early = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    await until(holding(1), 'first subscriber polling');
    const first = await emulator.admin.createMessage('inbox', { subject: 'first' }, { prefer: [IMMUTABLE] });
    const firstBatch = await early.next();
    expect(ids(firstBatch.data?.messagesChanged.edges ?? [])).toEqual([first.id]);

    // Joins the running poller with a cursor from before `first`: its own catch-up batch brings `first`.
    const late = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED, { after: before });
    const catchUp = await late.next();
    expect(ids(catchUp.data?.messagesChanged.edges ?? [])).toEqual([first.id]);
    expect(gw.pollers.size).toBe(1);
    await until(holding(2), 'late subscriber live on the shared poller');

    const second = await emulator.admin.createMessage('inbox', { subject: 'second' }, { prefer: [IMMUTABLE] });
    const [earlyNext, lateNext] = await Promise.all([early.next(), late.next()]);
    expect(ids(earlyNext.data?.messagesChanged.edges ?? [])).toEqual([second.id]);
    expect(lateNext.data).toEqual(earlyNext.data);

    // Each batch once per subscriber.
    expect(early.results.map((r) => ids(r.data?.messagesChanged.edges ?? []))).toEqual([[first.id], [second.id]]);
    expect(late.results.map((r) => ids(r.data?.messagesChanged.edges ?? []))).toEqual([[first.id], [second.id]]);
    early.close();
    late.close();
  });

  it('a subscriber that joins ahead of the shared poller still gets the removal of an item the shared poller never saw', async () => {
    // Graph leaves out of a delta read an item created and deleted since its link. The shared poller
    // stands before `ghost` was created; the late subscriber's own round has it. When `ghost` is
    // deleted, the shared poller's next read omits it: only a read from the subscriber's own end reports it.
    gw = await startSubscriptionGateway({ emulator, env: { POLL_INTERVAL_MS: '1500' } });
    const early = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    await until(holding(1), 'first subscriber polling');

    const ghost = await emulator.admin.createMessage('inbox', { subject: 'ghost' }, { prefer: [IMMUTABLE] });
    const { edges, endCursor } = await readInbox(gw);
    expect(ids(edges)).toContain(ghost.id);
    const marker = await emulator.admin.createMessage('inbox', { subject: 'marker' }, { prefer: [IMMUTABLE] });
    // Slow Graph: the shared poller's next read is served after the deletion below.
    await emulator.admin.setRealism({ latencyMs: 700 });
    try {
      const late = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED, { after: endCursor });
      const catchUp = await late.next();
      expect(ids(catchUp.data?.messagesChanged.edges ?? [])).toEqual([marker.id]);
      await emulator.admin.deleteMessage(ghost.id);

      const removed = new Set<string>();
      await until(async () => {
        for (const result of late.results) for (const edge of result.data?.messagesChanged.edges ?? []) if (edge.removed) removed.add(edge.node.id);
        return removed.has(ghost.id);
      }, 'the late subscriber told of the removal', 10_000);
      // The shared subscriber never had the item; it is told nothing of it, or only of its removal.
      const earlyGhost = early.results.flatMap((r) => r.data?.messagesChanged.edges ?? []).filter((e) => e.node.id === ghost.id);
      expect(earlyGhost.every((e) => e.removed !== null)).toBe(true);
      late.close();
    } finally {
      await emulator.admin.setRealism({ latencyMs: 0 });
      early.close();
    }
  });

  it('a subscriber whose cursor is the last batch’s joins directly and receives the next batch once', async () => {
    gw = await startSubscriptionGateway({ emulator });
    const a = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    await until(holding(1), 'polling');
    const one = await emulator.admin.createMessage('inbox', { subject: 'one' }, { prefer: [IMMUTABLE] });
    const batch = await a.next();
    expect(ids(batch.data?.messagesChanged.edges ?? [])).toEqual([one.id]);

    const b = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED, { after: batch.data?.messagesChanged.cursor });
    await until(holding(2), 'second subscriber live');
    const two = await emulator.admin.createMessage('inbox', { subject: 'two' }, { prefer: [IMMUTABLE] });
    const [na, nb] = await Promise.all([a.next(), b.next()]);
    expect(ids(na.data?.messagesChanged.edges ?? [])).toEqual([two.id]);
    expect(nb.data).toEqual(na.data);
    expect(b.results).toHaveLength(1);
    a.close();
    b.close();
  });

  it('unsubscribing stops the poller: no poller, timer or request left, and no more polls', async () => {
    gw = await startSubscriptionGateway({ emulator });
    const a = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    const b = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    await until(holding(2), 'polling');
    await until(async () => (await deltaRequests(emulator, INBOX)).some((r) => r.kind === 'delta'), 'a delta poll');

    a.close();
    await until(holding(1), 'one subscriber left');
    expect(gw.pollers.size).toBe(1);
    b.close();
    await until(() => gw.pollers.size === 0, 'poller gone');
    await gw.pollers.settled();
    expect(gw.pollers.stats()).toEqual([]);

    const count = (await deltaRequests(emulator, INBOX)).length;
    // Several poll intervals (100 ms each) with nobody subscribed.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await deltaRequests(emulator, INBOX)).length).toBe(count);
  });

  it('closing the gateway completes every subscription and stops its pollers', async () => {
    gw = await startSubscriptionGateway({ emulator });
    const a = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    await until(holding(1), 'polling');
    const { pollers } = gw;
    await gw.close();
    await a.done;
    expect(a.results).toEqual([]);
    expect(pollers.size).toBe(0);
    const count = (await deltaRequests(emulator, INBOX)).length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await deltaRequests(emulator, INBOX)).length).toBe(count);
  });
});

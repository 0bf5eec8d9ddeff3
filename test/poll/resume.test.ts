import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Keyv } from 'keyv';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createStore } from '../../src/store/index.js';
import { ids, MESSAGES_CHANGED, MESSAGES_PAGE, type MessagesBatch, type MessagesPage } from '../fixtures/subscription-documents.js';
import { deltaRequests, IMMUTABLE, readInbox, startSubscriptionGateway, until, type SubscriptionGateway } from '../helpers/subscription-harness.js';

const INBOX = '/mailFolders/inbox/';

describe('subscriptions: round-end cursors, restarts and checkpoints', () => {
  let emulator: RunningEmulator;
  const open: SubscriptionGateway[] = [];
  const stores: Keyv[] = [];

  async function gateway(store?: Keyv) {
    const gw = await startSubscriptionGateway({ emulator, ...(store ? { store } : {}) });
    open.push(gw);
    return gw;
  }
  const polling = (gw: SubscriptionGateway) => until(() => gw.pollers.stats().some((s) => s.phase === 'holding'), 'poller polling');

  beforeAll(async () => {
    emulator = await startEmulator({ seed: { preset: 'demo', messages: 25 } });
  });
  afterAll(() => emulator.close());
  afterEach(async () => {
    for (const gw of open.splice(0)) await gw.close();
    for (const store of stores.splice(0)) await store.disconnect();
    await emulator.admin.clearFaults();
    await emulator.admin.clearRequests();
  });

  it('a batch cursor is a round-end cursor: the query field continues from it with only later changes', async () => {
    const gw = await gateway();
    const stream = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    await polling(gw);
    const one = await emulator.admin.createMessage('inbox', { subject: 'one' }, { prefer: [IMMUTABLE] });
    const batch = await stream.next();
    const cursor = batch.data?.messagesChanged.cursor;
    expect(ids(batch.data?.messagesChanged.edges ?? [])).toEqual([one.id]);

    const quiet = await gw.data<MessagesPage>(MESSAGES_PAGE, { after: cursor });
    expect(quiet.messagesDelta.edges).toEqual([]);
    expect(quiet.messagesDelta.pageInfo.hasNextPage).toBe(false);

    const two = await emulator.admin.createMessage('inbox', { subject: 'two' }, { prefer: [IMMUTABLE] });
    const next = await gw.data<MessagesPage>(MESSAGES_PAGE, { after: cursor });
    expect(ids(next.messagesDelta.edges)).toEqual([two.id]);
    stream.close();
  });

  it('with `after`, changes made before subscribing come first, with removals; each edge cursor resumes right after its edge', async () => {
    const gw = await gateway();
    const { edges: all, endCursor } = await readInbox(gw);
    const created = await emulator.admin.createMessage('inbox', { subject: 'created while away' }, { prefer: [IMMUTABLE] });
    const [updatedId, deletedId] = ids(all) as [string, string];
    await emulator.admin.updateMessage(updatedId, { isRead: true, subject: 'updated while away' });
    await emulator.admin.deleteMessage(deletedId);

    const stream = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED, { after: endCursor });
    const batch = await stream.next();
    const edges = batch.data?.messagesChanged.edges ?? [];
    expect(new Set(ids(edges))).toEqual(new Set([created.id, updatedId, deletedId]));
    const byId = new Map(edges.map((e) => [e.node.id, e]));
    expect(byId.get(updatedId)?.node).toMatchObject({ subject: 'updated while away', isRead: true });
    expect(byId.get(deletedId)).toMatchObject({ removed: { reason: 'DELETED' }, node: { subject: null } });
    expect(byId.get(created.id)?.removed).toBeNull();

    const [firstEdge, ...rest] = edges;
    const afterFirst = await readInbox(gw, firstEdge?.cursor);
    expect(ids(afterFirst.edges)).toEqual(ids(rest));
    stream.close();
  });

  it('after a gateway restart, subscribing with the last batch cursor misses nothing and starts no new round', async () => {
    const first = await gateway();
    const stream = first.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    await polling(first);
    const one = await emulator.admin.createMessage('inbox', { subject: 'before restart' }, { prefer: [IMMUTABLE] });
    const batch = await stream.next();
    const cursor = batch.data?.messagesChanged.cursor;
    await first.close();
    await stream.done;

    // While no gateway runs.
    const two = await emulator.admin.createMessage('inbox', { subject: 'during restart' }, { prefer: [IMMUTABLE] });
    await emulator.admin.updateMessage(one.id, { subject: 'edited during restart' });
    await emulator.admin.clearRequests();

    const second = await gateway();
    const resumed = second.subscribe<MessagesBatch>(MESSAGES_CHANGED, { after: cursor });
    const missed = await resumed.next();
    const edges = missed.data?.messagesChanged.edges ?? [];
    expect(new Set(ids(edges))).toEqual(new Set([one.id, two.id]));
    expect(edges.find((e) => e.node.id === one.id)?.node.subject).toBe('edited during restart');

    const three = await emulator.admin.createMessage('inbox', { subject: 'after restart' }, { prefer: [IMMUTABLE] });
    const later = await resumed.next();
    expect(ids(later.data?.messagesChanged.edges ?? [])).toEqual([three.id]);
    expect((await deltaRequests(emulator, INBOX)).filter((r) => r.kind === 'initial')).toEqual([]);
    resumed.close();
  });

  it('with a shared store, a restarted gateway resumes from the checkpoint instead of a new round', async () => {
    const store = createStore('memory://');
    stores.push(store);
    const first = await gateway(store);
    const stream = first.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    await polling(first);
    await emulator.admin.createMessage('inbox', { subject: 'checkpointed' }, { prefer: [IMMUTABLE] });
    await stream.next();
    await first.close();

    await emulator.admin.createMessage('inbox', { subject: 'while down' }, { prefer: [IMMUTABLE] });
    await emulator.admin.clearRequests();
    const second = await gateway(store);
    const fresh = second.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    await polling(second);
    const requests = await deltaRequests(emulator, INBOX);
    // Only the changes since the checkpoint were read (silently: this subscriber asked for changes from now on).
    expect(requests.filter((r) => r.kind === 'initial')).toEqual([]);
    expect(requests.filter((r) => r.kind === 'delta').length).toBeGreaterThan(0);

    const now = await emulator.admin.createMessage('inbox', { subject: 'after restart' }, { prefer: [IMMUTABLE] });
    const batch = await fresh.next();
    expect(ids(batch.data?.messagesChanged.edges ?? [])).toEqual([now.id]);
    fresh.close();
  });
});

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { redisSkipReason, startTestRedis, type TestRedis } from '../helpers/redis.js';
import { ids, MESSAGES_CHANGED, type MessagesBatch } from '../fixtures/subscription-documents.js';
import { deltaRequests, IMMUTABLE, readInbox, startSubscriptionGateway, until, type SubscriptionGateway } from '../helpers/subscription-harness.js';

const INBOX = '/mailFolders/inbox/';
const skip = redisSkipReason();
if (skip) console.warn(skip);

describe.skipIf(skip !== undefined)('subscriptions across gateway instances (Redis store)', () => {
  let redis: TestRedis;
  let emulator: RunningEmulator;

  beforeAll(async () => {
    redis = await startTestRedis();
    emulator = await startEmulator({ seed: { preset: 'demo', messages: 20 } });
  });
  afterAll(async () => {
    await emulator?.close();
    await redis?.close();
  });

  const start = () => startSubscriptionGateway({ emulator, env: { STORE_URL: redis.url } });

  it('one instance polls a key at a time; batches reach subscribers on every instance; another instance takes over from the checkpoint', async () => {
    const instances: SubscriptionGateway[] = [await start(), await start()];
    const [one, two] = instances as [SubscriptionGateway, SubscriptionGateway];
    try {
      const onOne = one.subscribe<MessagesBatch>(MESSAGES_CHANGED);
      await until(() => one.pollers.stats().some((s) => s.phase === 'holding'), 'first instance polling');
      const onTwo = two.subscribe<MessagesBatch>(MESSAGES_CHANGED);
      await until(() => two.pollers.stats().some((s) => s.phase === 'following'), 'second instance following');
      expect(one.pollers.stats()[0]?.id).toBe(two.pollers.stats()[0]?.id);

      const first = await emulator.admin.createMessage('inbox', { subject: 'to both instances' }, { prefer: [IMMUTABLE] });
      const [a, b] = await Promise.all([onOne.next(), onTwo.next()]);
      expect(ids(a.data?.messagesChanged.edges ?? [])).toEqual([first.id]);
      expect(b.data).toEqual(a.data);
      const requests = await deltaRequests(emulator, INBOX);
      expect(requests.filter((r) => r.kind === 'initial')).toHaveLength(1);
      const tokens = requests.filter((r) => r.kind === 'delta').map((r) => r.query['$deltatoken']);
      expect(new Set(tokens).size).toBe(tokens.length);

      // The polling instance goes away (releasing its lease); the other takes over where the last batch left off.
      await emulator.admin.clearRequests();
      await one.close();
      instances.shift();
      await until(() => two.pollers.stats().some((s) => s.phase === 'holding'), 'second instance polling');
      const second = await emulator.admin.createMessage('inbox', { subject: 'after takeover' }, { prefer: [IMMUTABLE] });
      const next = await onTwo.next();
      expect(ids(next.data?.messagesChanged.edges ?? [])).toEqual([second.id]);
      expect((await deltaRequests(emulator, INBOX)).filter((r) => r.kind === 'initial')).toEqual([]);
      expect(onTwo.results).toHaveLength(2);
      onTwo.close();
      await until(() => two.pollers.size === 0, 'second poller stopped');
    } finally {
      for (const gw of instances) await gw.close();
    }
  });

  it('a subscriber with an older cursor on a following instance catches up there, then gets the shared batches', async () => {
    const one = await start();
    const two = await start();
    try {
      const { endCursor } = await readInbox(two);
      const onOne = one.subscribe<MessagesBatch>(MESSAGES_CHANGED);
      await until(() => one.pollers.stats().some((s) => s.phase === 'holding'), 'first instance polling');
      const early = await emulator.admin.createMessage('inbox', { subject: 'early' }, { prefer: [IMMUTABLE] });
      await onOne.next();

      const late = two.subscribe<MessagesBatch>(MESSAGES_CHANGED, { after: endCursor });
      const caughtUp = await late.next();
      expect(ids(caughtUp.data?.messagesChanged.edges ?? [])).toEqual([early.id]);
      await until(() => two.pollers.stats().some((s) => s.phase === 'following' && s.live === 1), 'late subscriber following, live');

      const shared = await emulator.admin.createMessage('inbox', { subject: 'shared' }, { prefer: [IMMUTABLE] });
      const [x, y] = await Promise.all([onOne.next(), late.next()]);
      expect(ids(x.data?.messagesChanged.edges ?? [])).toEqual([shared.id]);
      expect(y.data).toEqual(x.data);
      onOne.close();
      late.close();
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('an instance that loses its lease stops polling; whoever takes it next continues from the checkpoint', async () => {
    const one = await start();
    const two = await start();
    const raw = new Redis(redis.url);
    try {
      const onOne = one.subscribe<MessagesBatch>(MESSAGES_CHANGED);
      await until(() => one.pollers.stats().some((s) => s.phase === 'holding'), 'first instance polling');
      const onTwo = two.subscribe<MessagesBatch>(MESSAGES_CHANGED);
      await until(() => two.pollers.stats().some((s) => s.phase === 'following'), 'second instance following');
      const id = one.pollers.stats()[0]?.id;

      // Someone else holds the lease now (as after a long pause past its expiry).
      await raw.set(`delta-gateway:poll-lock:${id}`, 'another-instance', 'PX', 60_000);
      await until(() => one.pollers.stats()[0]?.holding === false, 'first instance noticed the loss');
      await emulator.admin.clearRequests();
      const created = await emulator.admin.createMessage('inbox', { subject: 'while nobody polls' }, { prefer: [IMMUTABLE] });
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await deltaRequests(emulator, INBOX)).toEqual([]);

      await raw.del(`delta-gateway:poll-lock:${id}`);
      const [a, b] = await Promise.all([onOne.next(), onTwo.next()]);
      expect(ids(a.data?.messagesChanged.edges ?? [])).toEqual([created.id]);
      expect(b.data).toEqual(a.data);
      expect([...one.pollers.stats(), ...two.pollers.stats()].filter((s) => s.holding)).toHaveLength(1);
      expect((await deltaRequests(emulator, INBOX)).filter((r) => r.kind === 'initial')).toEqual([]);
      onOne.close();
      onTwo.close();
    } finally {
      raw.disconnect();
      await one.close();
      await two.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createStore } from '../../src/store/index.js';
import { ids, MESSAGES_CHANGED, type MessagesBatch } from '../fixtures/subscription-documents.js';
import { freePort, startPushGateway } from '../helpers/push.js';
import { redisSkipReason, startTestRedis, type TestRedis } from '../helpers/redis.js';
import { IMMUTABLE, until, type SubscriptionGateway } from '../helpers/subscription-harness.js';

const skip = redisSkipReason('push across instances');
if (skip) console.warn(skip);

describe.skipIf(skip !== undefined)('push across gateway instances (one redis-server)', () => {
  let redis: TestRedis;
  let emulator: RunningEmulator;

  beforeAll(async () => {
    redis = await startTestRedis();
    emulator = await startEmulator({ seed: { preset: 'demo', messages: 10 } });
  });
  afterAll(async () => {
    await emulator?.close();
    await redis?.close();
  });

  it('a notification that reaches the instance without pollers gets to the polling one through Redis; the subscription is deleted with the last poller', async () => {
    const instances: SubscriptionGateway[] = [];
    try {
      // Graph reaches the instances through one public URL; here it lands on `front`, which polls nothing.
      const frontPort = await freePort();
      const env = { STORE_URL: redis.url };
      const front = await startPushGateway({ emulator, env: { ...env, PORT: String(frontPort) }, notificationUrl: `http://127.0.0.1:${frontPort}` });
      instances.push(front);
      const poller = await startPushGateway({ emulator, env, notificationUrl: `http://127.0.0.1:${frontPort}` });
      instances.push(poller);

      const stream = poller.subscribe<MessagesBatch>(MESSAGES_CHANGED);
      await until(() => poller.pollers.stats().some((s) => s.phase === 'holding'), 'poller polling');
      await until(async () => (await emulator.push.subscriptions()).length === 1, 'Graph subscription made');
      expect(front.pollers.size).toBe(0);
      await new Promise((r) => setTimeout(r, 300));

      const created = await emulator.admin.createMessage('inbox', { subject: 'via redis' }, { prefer: [IMMUTABLE] });
      expect(ids((await stream.next(3000)).data?.messagesChanged.edges ?? [])).toEqual([created.id]);
      const deliveries = (await emulator.push.deliveries()).filter((d) => d.kind === 'change');
      expect(deliveries.every((d) => new URL(d.url).port === String(frontPort))).toBe(true);

      // The last poller leaves: the Graph subscription goes with it.
      stream.close();
      await until(() => poller.pollers.size === 0, 'poller stopped');
      await until(async () => (await emulator.push.subscriptions()).length === 0, 'deleted with its last poller');
    } finally {
      for (const gw of instances) await gw.close();
    }
  });

  it('a gateway that stops without its pollers leaving keeps the subscription; the next one reuses it (store record) or adopts it (409)', async () => {
    const port = await freePort();
    const env = { STORE_URL: redis.url, PORT: String(port) };
    const first = await startPushGateway({ emulator, env });
    const stream = first.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    await until(async () => (await emulator.push.subscriptions()).length === 1, 'Graph subscription made');
    const [sub] = await emulator.push.subscriptions();
    await first.close();
    stream.close();
    expect((await emulator.push.subscriptions()).map((s) => s.id)).toEqual([sub?.id]);

    // Restart on the same URL with the store: reused.
    const second = await startPushGateway({ emulator, env });
    const s2 = second.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    await until(() => second.pollers.stats().some((s) => s.phase === 'holding'), 'polling after restart');
    const created = await emulator.admin.createMessage('inbox', { subject: 'after restart' }, { prefer: [IMMUTABLE] });
    expect(ids((await s2.next(3000)).data?.messagesChanged.edges ?? [])).toEqual([created.id]);
    expect((await emulator.push.subscriptions()).map((s) => s.id)).toEqual([sub?.id]);
    const creates = (await emulator.admin.requests()).filter((r) => r.method === 'POST' && r.path === '/v1.0/subscriptions');
    await second.close();
    s2.close();

    // Restart with the store lost: Graph answers 409, and the gateway adopts the existing subscription.
    const store = createStore('memory://');
    const third = await startPushGateway({ emulator, env: { PORT: String(port) }, store });
    const s3 = third.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    await until(async () => (await emulator.admin.requests()).filter((r) => r.method === 'POST' && r.path === '/v1.0/subscriptions').length > creates.length, 'a create');
    await until(async () => (await emulator.admin.requests()).some((r) => r.method === 'PATCH' && r.path === `/v1.0/subscriptions/${sub?.id}`), 'the existing one renewed');
    const later = await emulator.admin.createMessage('inbox', { subject: 'after adoption' }, { prefer: [IMMUTABLE] });
    expect(ids((await s3.next(3000)).data?.messagesChanged.edges ?? [])).toEqual([later.id]);
    expect((await emulator.push.subscriptions()).map((s) => s.id)).toEqual([sub?.id]);
    s3.close();
    await until(() => third.pollers.size === 0, 'poller stopped');
    await until(async () => (await emulator.push.subscriptions()).length === 0, 'deleted with its last poller');
    await third.close();
    await store.disconnect();
  });
});

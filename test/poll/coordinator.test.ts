import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalCoordinator, type PollCoordinator, type PollMessage } from '../../src/poll/coordinator.js';
import { createRedisCoordinator } from '../../src/poll/redis-coordinator.js';
import { freePort, redisSkipReason, startTestRedis, type TestRedis } from '../helpers/redis.js';

/** Two instances' views of one coordination backend (the local one: one process, so one object). */
interface Pair {
  a: PollCoordinator;
  b: PollCoordinator;
}

const batch = (n: number): PollMessage => ({
  type: 'batch',
  anchor: `anchor-${n}`,
  batch: { edges: [{ cursor: Promise.resolve(`edge-${n}`), node: { id: `item-${n}`, subject: 's' }, removed: null }], cursor: `end-${n}` },
});

function received() {
  const messages: PollMessage[] = [];
  return { messages, listener: (message: PollMessage) => void messages.push(message) };
}

async function eventually(check: () => boolean) {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(check()).toBe(true);
}

function contract(name: string, pair: () => Pair) {
  describe(name, () => {
    it('one token holds a lease at a time; only it renews or releases it', async () => {
      const { a, b } = pair();
      expect(await a.acquire('lease-1', 'token-a', 5000)).toBe(true);
      expect(await b.acquire('lease-1', 'token-b', 5000)).toBe(false);
      expect(await a.renew('lease-1', 'token-a', 5000)).toBe(true);
      expect(await b.renew('lease-1', 'token-b', 5000)).toBe(false);
      await b.release('lease-1', 'token-b');
      expect(await b.acquire('lease-1', 'token-b', 5000)).toBe(false);
      await a.release('lease-1', 'token-a');
      expect(await a.renew('lease-1', 'token-a', 5000)).toBe(false);
      expect(await b.acquire('lease-1', 'token-b', 5000)).toBe(true);
      expect(await a.acquire('lease-2', 'token-a', 5000)).toBe(true);
      await b.release('lease-1', 'token-b');
      await a.release('lease-2', 'token-a');
    });

    it('delivers published messages, in order, to every listener of the id and to no other', async () => {
      const { a, b } = pair();
      const first = received();
      const second = received();
      const other = received();
      const off1 = await a.listen('chan-1', first.listener);
      const off2 = await b.listen('chan-1', second.listener);
      const off3 = await b.listen('chan-2', other.listener);
      await a.publish('chan-1', batch(1));
      await b.publish('chan-1', batch(2));
      await a.publish('chan-1', { type: 'end', code: 'RESYNC_REQUIRED', message: 'gone' });
      await b.publish('chan-1', { type: 'push', event: 'change' });
      await eventually(() => first.messages.length === 4 && second.messages.length === 4);
      for (const { messages } of [first, second]) {
        expect(messages.map((m) => (m.type === 'batch' ? m.anchor : m.type === 'end' ? m.code : m.type === 'push' ? m.event : m.type))).toEqual(['anchor-1', 'anchor-2', 'RESYNC_REQUIRED', 'change']);
        const [m] = messages;
        if (m?.type !== 'batch') throw new Error('expected a batch');
        expect(await m.batch.edges[0]?.cursor).toBe('edge-1');
        expect(m.batch).toMatchObject({ cursor: 'end-1', edges: [{ node: { id: 'item-1', subject: 's' }, removed: null }] });
      }
      expect(other.messages).toEqual([]);
      off1();
      await a.publish('chan-1', batch(3));
      await eventually(() => second.messages.length === 5);
      expect(first.messages).toHaveLength(4);
      off2();
      off3();
    });
  });
}

contract('local coordinator', () => {
  const local = createLocalCoordinator();
  return { a: local, b: local };
});

it('local coordinator: nobody else listens (one process)', async () => {
  const local = createLocalCoordinator();
  const off = await local.listen('x', () => undefined);
  expect(await local.othersListening('x')).toBe(false);
  off();
});

const skip = redisSkipReason();
describe.skipIf(skip !== undefined)('Redis coordinator', () => {
  let redis: TestRedis;
  const made: PollCoordinator[] = [];
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    for (const c of made) await c.close();
    await redis?.close();
  });
  const make = () => {
    const c = createRedisCoordinator({ url: redis.url });
    made.push(c);
    return c;
  };

  contract('across instances', () => ({ a: make(), b: make() }));

  it('knows whether other instances listen to an id', async () => {
    const a = make();
    const b = make();
    const offA = await a.listen('watched', () => undefined);
    expect(await a.othersListening('watched')).toBe(false);
    const offB = await b.listen('watched', () => undefined);
    expect(await a.othersListening('watched')).toBe(true);
    offB();
    offA();
  });

  it('a listen that failed while Redis was away leaves nothing behind: once Redis is up, the next listen receives', async () => {
    const port = await freePort();
    const away = createRedisCoordinator({ url: `redis://127.0.0.1:${port}` });
    made.push(away);
    await expect(away.listen('late', () => undefined)).rejects.toThrow();
    const later = await startTestRedis(port);
    try {
      const got = received();
      let off: (() => void) | undefined;
      for (let i = 0; i < 100 && off === undefined; i += 1) {
        off = await away.listen('late', got.listener).catch(async () => {
          await new Promise((resolve) => setTimeout(resolve, 100));
          return undefined;
        });
      }
      const other = createRedisCoordinator({ url: later.url });
      made.push(other);
      await other.publish('late', batch(7));
      await eventually(() => got.messages.length === 1);
      off?.();
    } finally {
      await later.close();
    }
  }, 30_000);

  it('a lease expires when its holder stops renewing it', async () => {
    const a = make();
    const b = make();
    expect(await a.acquire('short', 'token-a', 100)).toBe(true);
    expect(await b.acquire('short', 'token-b', 100)).toBe(false);
    let taken = false;
    for (let i = 0; i < 100 && !taken; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      taken = await b.acquire('short', 'token-b', 5000);
    }
    expect(taken).toBe(true);
    expect(await a.renew('short', 'token-a', 5000)).toBe(false);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECOND_USER, type RequestLogEntry } from '../../src/emulator/index.js';
import { createMailboxLimiter } from '../../src/graph/mailbox-limiter.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { redisForTests, type RedisForTests } from '../helpers/redis.js';

// Three fields of one mailbox: their first pages go out as one $batch of three inner requests.
const DASHBOARD = `{
  inbox: messagesDelta(folderId: "inbox", first: 3) { edges { node { id subject } } }
  sent: messagesDelta(folderId: "sentitems", first: 3) { edges { node { id } } }
  drafts: messagesDelta(folderId: "drafts", first: 3) { edges { node { id } } }
}`;
const OPERATIONS = 30;
const REALISM = { mailboxConcurrency: 4, latencyMs: 25 };
const ENV = { GRAPH_RETRY_BUDGET_MS: '30000', GRAPH_MAILBOX_CONCURRENCY: '4' };

const throttled = (log: RequestLogEntry[]) => log.filter((e) => e.status === 429);

async function load(gateways: TestGateway[], tokens: string[]) {
  const results = await Promise.all(
    Array.from({ length: OPERATIONS }, (_, i) => (gateways[i % gateways.length] as TestGateway).query(DASHBOARD, {}, { token: tokens[i % tokens.length] as string })),
  );
  for (const r of results) expect(r.errors).toBeUndefined();
}

describe('mailbox limit (GRAPH_MAILBOX_CONCURRENCY)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ emulator: { seed: { preset: 'demo', messages: 60 }, realism: REALISM }, env: ENV });
  });
  afterAll(() => gw.close());

  it(`${OPERATIONS} concurrent operations of 3 fields on one mailbox: no 429, never more than 4 in flight`, async () => {
    await gw.emulator.admin.resetConcurrency();
    await gw.clearGraphRequests();
    await load([gw], [gw.token]);
    const log = await gw.graphRequests();
    expect(throttled(log)).toEqual([]);
    expect(log.filter((e) => e.batch !== undefined)).toHaveLength(OPERATIONS * 3);
    const peaks = await gw.emulator.admin.concurrency();
    expect(Math.max(...Object.values(peaks))).toBeLessThanOrEqual(4);
  });

  it('the same load over two mailboxes puts more than 4 in flight in total: the limit is per mailbox', async () => {
    const second = await gw.emulator.admin.token({ user: SECOND_USER.id });
    await gw.emulator.admin.resetConcurrency();
    await gw.clearGraphRequests();
    await load([gw], [gw.token, second]);
    expect(throttled(await gw.graphRequests())).toEqual([]);
    const peaks = Object.values(await gw.emulator.admin.concurrency());
    expect(peaks).toHaveLength(2);
    for (const peak of peaks) expect(peak).toBeLessThanOrEqual(4);
    expect(peaks.reduce((a, b) => a + b, 0)).toBeGreaterThan(4);
  });

  it('a wait longer than the retry budget is THROTTLED with retryAfter', async () => {
    const tight = await startGateway({
      graphBaseUrl: gw.emulator.url,
      emulator: { seed: 'empty' },
      env: { GRAPH_RETRY_BUDGET_MS: '30', GRAPH_MAILBOX_CONCURRENCY: '1' },
    });
    try {
      await gw.emulator.admin.setRealism({ latencyMs: 200 });
      const results = await Promise.all([1, 2, 3].map(() => tight.query('{ messagesDelta(folderId: "inbox", first: 1) { edges { node { id } } } }', {}, { token: gw.token })));
      const codes = results.flatMap((r) => r.errors?.map((e) => e.extensions) ?? []);
      expect(codes.length).toBeGreaterThan(0);
      for (const c of codes) expect(c).toMatchObject({ code: 'THROTTLED', retryAfter: expect.any(Number) });
    } finally {
      await gw.emulator.admin.setRealism(REALISM);
      await tight.close();
    }
  });
});

describe('mailbox limit across instances (Redis STORE_URL)', async () => {
  const redis: RedisForTests = await redisForTests();
  const skip = redis.url === undefined ? redis.reason : undefined;
  let a: TestGateway;
  let b: TestGateway;
  beforeAll(async () => {
    if (skip) return;
    a = await startGateway({ emulator: { seed: { preset: 'demo', messages: 60 }, realism: REALISM }, env: { ...ENV, STORE_URL: redis.url as string } });
    b = await startGateway({ graphBaseUrl: a.emulator.url, emulator: { seed: 'empty' }, env: { ...ENV, STORE_URL: redis.url as string } });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    if (redis.url !== undefined) await redis.close();
  });

  it.skipIf(skip !== undefined)(`two gateway instances, ${OPERATIONS} operations on one mailbox: no 429, never more than 4 in flight`, async () => {
    await a.emulator.admin.resetConcurrency();
    await a.clearGraphRequests();
    await load([a, b], [a.token]);
    expect(throttled(await a.graphRequests())).toEqual([]);
    expect(Math.max(...Object.values(await a.emulator.admin.concurrency()))).toBeLessThanOrEqual(4);
  });

  it.skipIf(skip !== undefined)('the slots of an instance that dies come back when its leases run out', async () => {
    const dying = createMailboxLimiter({ limit: 2, redisUrl: redis.url, prefix: 'test-lease:', leaseMs: 800 });
    const survivor = createMailboxLimiter({ limit: 2, redisUrl: redis.url, prefix: 'test-lease:', leaseMs: 800 });
    await dying.acquire(new Map([['user:x', 2]]), 1_000);
    // Gone without releasing: its connection closes, nothing renews the lease.
    await dying.close();
    const started = Date.now();
    const release = await survivor.acquire(new Map([['user:x', 1]]), 5_000);
    expect(Date.now() - started).toBeGreaterThan(300);
    release();
    await survivor.close();
  });
});

describe('mailbox limiter in one process', () => {
  it('serves waiters first come, first served; a batch takes as many slots as it has requests (at most the limit)', async () => {
    const limiter = createMailboxLimiter({ limit: 4 });
    const order: string[] = [];
    const first = await limiter.acquire(new Map([['m', 3]]), 1_000);
    const big = limiter.acquire(new Map([['m', 4]]), 1_000).then((r) => (order.push('big'), r));
    const small = limiter.acquire(new Map([['m', 1]]), 1_000).then((r) => (order.push('small'), r));
    await new Promise((r) => setTimeout(r, 20));
    // One slot is free, but the earlier waiter needs four: the later one waits behind it.
    expect(order).toEqual([]);
    first();
    (await big)();
    (await small)();
    expect(order).toEqual(['big', 'small']);
    const capped = await limiter.acquire(new Map([['m', 20]]), 100);
    capped();
    await expect(limiter.acquire(new Map([['other', 1]]), 10)).resolves.toBeTypeOf('function');
    await limiter.close();
  });
});

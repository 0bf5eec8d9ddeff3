import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createStore, isSqliteAvailable, redisClientOf, StoreUnavailableError, storeKind } from '../../src/store/create-store.js';
import { redisForTests, redisSkipReason, startTestRedis } from '../helpers/redis.js';
import { storeContract } from './store-contract.js';

const quiet = createLogger('silent');
const redis = await redisForTests();
afterAll(async () => {
  if (redis.url !== undefined) await redis.close();
});

describe('memory:// store', () => {
  storeContract({ open: (namespace) => createStore('memory://', { namespace, logger: quiet }), shared: false });
});

const sqliteReason = isSqliteAvailable() ? '' : ' (skipped: the optional @keyv/sqlite native module is not installed)';
describe.skipIf(sqliteReason !== '')(`sqlite:// store${sqliteReason}`, () => {
  const file = join(mkdtempSync(join(tmpdir(), 'store-')), 'nested', 'store.db');
  storeContract({ open: (namespace) => createStore(`sqlite://${file}`, { namespace, logger: quiet }), shared: true });
});

describe.skipIf(redis.url === undefined)(`redis:// store${redis.url === undefined ? ` (${redis.reason})` : ''}`, () => {
  storeContract({ open: (namespace) => createStore(redis.url ?? '', { namespace, logger: quiet }), shared: true });

  it('exposes the raw client for what Keyv lacks (SET NX locks)', async () => {
    const store = createStore(redis.url ?? '', { namespace: `lock-${process.pid}`, logger: quiet });
    await store.set('warm-up', 1);
    const client = redisClientOf(store);
    expect(client).toBeDefined();
    const key = `delta-gateway-test-lock-${process.pid}-${Date.now()}`;
    expect(await client?.set(key, 'a', { NX: true, PX: 5000 })).toBe('OK');
    expect(await client?.set(key, 'b', { NX: true, PX: 5000 })).toBeNull();
    await client?.del(key);
    await store.delete('warm-up');
    await store.disconnect();
  });
});

describe('createStore', () => {
  it('names the backend of each STORE_URL and refuses others', () => {
    expect(storeKind('memory://')).toBe('memory');
    expect(storeKind('sqlite://./x.db')).toBe('sqlite');
    expect(storeKind('redis://h:6379')).toBe('redis');
    expect(storeKind('rediss://h:6380')).toBe('redis');
    expect(() => createStore('postgres://db/x')).toThrow(StoreUnavailableError);
    expect(redisClientOf(createStore('memory://', { logger: quiet }))).toBeUndefined();
  });

  it('logs a Redis outage instead of passing it off silently as a cache miss', async () => {
    const lines: string[] = [];
    const logger = createLogger('info', { destination: { write: (line: string) => void lines.push(line) } });
    // Port 1 on loopback: nothing listens there, connections are refused at once.
    const store = createStore('redis://127.0.0.1:1', { namespace: 'outage', logger });
    expect(await store.get('anything')).toBeUndefined();
    await store.set('anything', 1);
    const records = lines.map((line) => JSON.parse(line) as { msg: string; store: string; namespace: string; err: { message: string } });
    expect(records.length).toBeGreaterThanOrEqual(1);
    expect(records[0]).toMatchObject({ store: 'redis', namespace: 'outage', msg: expect.stringMatching(/^store error/) });
    // Throttled: a burst of failures is one line, not one per command.
    expect(records).toHaveLength(1);
    await store.disconnect();
  });

  const noServer = redisSkipReason('this test');
  it.skipIf(noServer !== undefined)(`recovers by itself when Redis comes back${noServer === undefined ? '' : ` (${noServer})`}`, async () => {
    const lines: string[] = [];
    const logger = createLogger('info', { destination: { write: (line: string) => void lines.push(line) } });
    let server = await startTestRedis();
    const store = createStore(server.url, { namespace: 'heal', logger });
    try {
      await store.set('k', 'before');
      expect(await store.get('k')).toBe('before');
      await server.close();
      expect(await store.get('k')).toBeUndefined();
      expect(lines.join('')).toContain('store error');
      server = await startTestRedis(server.port);
      // A fresh, empty server: the store reconnects on its next command; no restart of the gateway.
      let value: unknown;
      for (let attempt = 0; attempt < 50 && value !== 'after'; attempt += 1) {
        await store.set('k', 'after');
        value = await store.get('k');
        if (value !== 'after') await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(value).toBe('after');
    } finally {
      await store.disconnect();
      await server.close();
    }
  });
});

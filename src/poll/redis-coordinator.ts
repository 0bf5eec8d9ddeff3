import { once } from 'node:events';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { fromWire, toWire, type WireBatch } from './batch.js';
import { READY } from '../store/index.js';
import type { PollCoordinator, PollMessage, PushEvent } from './coordinator.js';

export interface RedisCoordinatorOptions {
  /** `redis://host:port` or `rediss://…` (STORE_URL). */
  url: string;
  /** Prefix of lock keys and channels. @default 'delta-gateway:' */
  prefix?: string;
  logger?: Pick<Logger, 'warn'>;
}

type WireMessage =
  | { type: 'batch'; anchor: string; batch: WireBatch }
  | { type: 'end'; code: 'RESYNC_REQUIRED'; message: string }
  | { type: 'sync'; ref: string }
  | { type: 'synced'; refs: string[]; cursor: string }
  | { type: 'push'; event: PushEvent };

// Compare-and-pexpire / compare-and-delete: only the holder's token may renew or release a lease.
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

// Commands fail after a couple of reconnect attempts instead of queueing forever: a poller retries later.
const CLIENT_OPTIONS = { maxRetriesPerRequest: 2, connectTimeout: 3000 } as const;

/** Resolves once `client` is ready (rejects on its next error, or after the connect timeout). */
async function ready(client: Redis): Promise<void> {
  if (client.status !== 'ready') await once(client, 'ready', { signal: AbortSignal.timeout(CLIENT_OPTIONS.connectTimeout) });
}

/**
 * Leases are single Redis keys (`SET key token NX PX ttl`, renewed and released by token); batches
 * travel as JSON over Redis pub/sub (yoga's Redis event target), one channel per poller key.
 * Pub/sub is fire-and-forget: an instance that misses a message leaves its subscribers to resume
 * from their last cursor, which loses nothing.
 */
export function createRedisCoordinator(options: RedisCoordinatorOptions): PollCoordinator {
  const { url, prefix = 'delta-gateway:', logger } = options;
  const publisher = new Redis(url, CLIENT_OPTIONS);
  const subscriber = new Redis(url, CLIENT_OPTIONS);
  let lastWarned = 0;
  for (const client of [publisher, subscriber]) {
    client.on('error', (error: Error) => {
      // ioredis reports every reconnect attempt; one line per 10 s is enough.
      if (Date.now() - lastWarned < 10_000) return;
      lastWarned = Date.now();
      logger?.warn({ err: { message: error.message } }, 'poll coordinator: Redis error');
    });
  }
  const events = createRedisEventTarget<CustomEvent<WireMessage>>({ publishClient: publisher, subscribeClient: subscriber });
  const lockKey = (id: string) => `${prefix}poll-lock:${id}`;
  const channel = (id: string) => `${prefix}poll:${id}`;

  return {
    distributed: true,
    async acquire(id, token, ttlMs) {
      return (await publisher.set(lockKey(id), token, 'PX', Math.ceil(ttlMs), 'NX')) === 'OK';
    },
    async renew(id, token, ttlMs) {
      return (await publisher.eval(RENEW, 1, lockKey(id), token, String(Math.ceil(ttlMs)))) === 1;
    },
    async release(id, token) {
      await publisher.eval(RELEASE, 1, lockKey(id), token);
    },
    async publish(id, message) {
      const wire: WireMessage = message.type === 'batch' ? { type: 'batch', anchor: message.anchor, batch: await toWire(message.batch) } : message;
      await publisher.publish(channel(id), JSON.stringify(wire));
    },
    async listen(id, listener) {
      const handler = (event: CustomEvent<WireMessage>) => {
        const wire = event.detail;
        listener(wire.type === 'batch' ? { type: 'batch', anchor: wire.anchor, batch: fromWire(wire.batch) } : (wire satisfies PollMessage));
      };
      // A SUBSCRIBE sent before the connection's ready check fails that check, and ioredis does not
      // restore subscriptions of a connection that never got ready: the channel would stay silent.
      await ready(subscriber);
      events.addEventListener(channel(id), handler);
      try {
        // The event target does not wait for SUBSCRIBE; a PING behind it on the same connection does.
        await subscriber.ping();
      } catch (error) {
        // Leave nothing behind: the event target subscribes again for the next listener only if none is left.
        events.removeEventListener(channel(id), handler);
        throw error;
      }
      return () => events.removeEventListener(channel(id), handler);
    },
    async othersListening(id) {
      const reply = (await publisher.pubsub('NUMSUB', channel(id))) as [string, number | string];
      // Our own subscriber connection is one of them.
      return Number(reply[1]) > 1;
    },
    readiness() {
      // ioredis connects both at once and reconnects by itself; the subscriber is the pub/sub connection.
      if (publisher.status !== 'ready') return { ok: false, reason: 'poll coordinator (Redis) not connected' };
      if (subscriber.status !== 'ready') return { ok: false, reason: 'poll coordinator (Redis pub/sub) not subscribed' };
      return READY;
    },
    async close() {
      await Promise.allSettled([publisher.quit(), subscriber.quit()]);
    },
  };
}

import KeyvRedis from '@keyv/redis';
import type { Keyv } from 'keyv';

/** Whether a dependency can serve requests now, and if not why (a short phrase, nothing secret). */
export type Readiness = { ok: true } | { ok: false; reason: string };

export const READY: Readiness = { ok: true };

/**
 * Whether the store is connected: always for memory:// and sqlite://; for Redis, when its client is
 * ready. A Redis client that gave up reconnecting is asked to connect again, so an instance a load
 * balancer took out of rotation (no traffic, no commands) still comes back once Redis does.
 */
export function storeReadiness(store: Keyv): Readiness {
  const adapter: unknown = store.store;
  if (!(adapter instanceof KeyvRedis)) return READY;
  const client = adapter.client as { isReady?: boolean; isOpen?: boolean };
  if (client.isReady) return READY;
  if (!client.isOpen) adapter.getClient().catch(() => undefined);
  return { ok: false, reason: 'store (Redis) not connected' };
}

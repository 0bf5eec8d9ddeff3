import type { Keyv } from 'keyv';

/** A Graph subscription as the store keeps it, under its channel (one per mailbox and resource). */
export interface SubscriptionRecord {
  id: string;
  /** Graph's answered expirationDateTime, in ms. */
  expiresAt: number;
  /** When Graph answered it: the granted lifetime is expiresAt − answeredAt. */
  answeredAt: number;
}

/** What a notification's subscriptionId leads to: enough to check its clientState and reach its pollers. */
export interface SubscriptionRoute {
  channel: string;
  mailbox: string;
  resource: string;
}

const BY_CHANNEL = 'push-subscription:';
const BY_ID = 'push-subscription-id:';
// Graph's ceiling is about a week; a record outlives its subscription by a little, never by much.
const slack = 60 * 60_000;

function isRecord(value: unknown): value is SubscriptionRecord {
  const v = value as Partial<SubscriptionRecord> | undefined;
  return typeof v?.id === 'string' && typeof v.expiresAt === 'number' && typeof v.answeredAt === 'number';
}

function isRoute(value: unknown): value is SubscriptionRoute {
  const v = value as Partial<SubscriptionRoute> | undefined;
  return typeof v?.channel === 'string' && typeof v.mailbox === 'string' && typeof v.resource === 'string';
}

/** Subscriptions in the Keyv store: shared by every instance on it, and found again after a restart. */
export function createSubscriptionRecords(store: Keyv) {
  return {
    async get(channel: string): Promise<SubscriptionRecord | undefined> {
      const value: unknown = await store.get(BY_CHANNEL + channel);
      return isRecord(value) ? value : undefined;
    },
    async route(id: string): Promise<SubscriptionRoute | undefined> {
      const value: unknown = await store.get(BY_ID + id);
      return isRoute(value) ? value : undefined;
    },
    async set(route: SubscriptionRoute, record: SubscriptionRecord): Promise<void> {
      const ttl = Math.max(1, record.expiresAt - Date.now()) + slack;
      await Promise.all([store.set(BY_CHANNEL + route.channel, record, ttl), store.set(BY_ID + record.id, route, ttl)]);
    },
    async delete(channel: string, id: string | undefined): Promise<void> {
      await Promise.all([store.delete(BY_CHANNEL + channel), id === undefined ? undefined : store.delete(BY_ID + id)]);
    },
  };
}

export type SubscriptionRecords = ReturnType<typeof createSubscriptionRecords>;

import type { Redis } from 'ioredis';

/** Fast takeover for multi-instance tests: a dead holder's lease expires after 1 s (renewed every 333 ms). */
export const FAST_TAKEOVER = { POLL_INTERVAL_MS: '150', POLL_LOCK_TTL_MS: '1000' };

export interface LeaseState {
  /** The holder's lease token, or null while nobody holds it. */
  holder: string | null;
  /** Instances subscribed to the key's channel. */
  listeners: number;
}

/** The poll keys seen in Redis (by channel), who holds each lease and how many instances listen. */
export async function leases(raw: Redis): Promise<Map<string, LeaseState>> {
  const out = new Map<string, LeaseState>();
  const channels = (await raw.pubsub('CHANNELS', 'delta-gateway:poll:*')) as string[];
  for (const channel of channels) {
    const [, listeners] = (await raw.pubsub('NUMSUB', channel)) as [string, number | string];
    out.set(channel, { holder: await raw.get(channel.replace(':poll:', ':poll-lock:')), listeners: Number(listeners) });
  }
  return out;
}

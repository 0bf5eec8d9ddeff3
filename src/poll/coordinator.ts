import { READY, type Readiness } from '../store/index.js';
import type { DeltaBatch } from './batch.js';

/** What a poller tells every instance that follows its key. */
export type PollMessage =
  | { type: 'batch'; /** fingerprint of the batch's round-end position */ anchor: string; batch: DeltaBatch }
  /** The shared position is gone (Graph answered 410): every subscriber of the key ends. */
  | { type: 'end'; code: 'RESYNC_REQUIRED'; message: string }
  /** An instance with a subscriber ahead of the shared position asks the holder to poll (see `poller.ts`, "Joining ahead"). */
  | { type: 'sync'; ref: string }
  /** The holder's answer: a poll whose read began after those requests is done; `cursor` is where it ended. */
  | { type: 'synced'; refs: string[]; cursor: string }
  /** On a push channel (not a poller's): a checked Graph notification for the pollers of one Graph subscription. */
  | { type: 'push'; event: PushEvent };

/** What a checked Graph notification asks of the pollers on its subscription. */
export type PushEvent = 'change' | 'missed' | 'reauthorizationRequired' | 'subscriptionRemoved';

/**
 * How the pollers of one key agree, within one process or across gateway instances: a lease
 * (one instance polls a key at a time) and a channel (its batches reach subscribers everywhere).
 */
export interface PollCoordinator {
  /** True when other instances may share keys (leases then need renewing). */
  readonly distributed: boolean;
  /** Takes the lease of `id` for `ttlMs` if nobody holds it. */
  acquire(id: string, token: string, ttlMs: number): Promise<boolean>;
  /** Extends the lease if `token` still holds it; false when it was lost. */
  renew(id: string, token: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `token` holds it. */
  release(id: string, token: string): Promise<void>;
  publish(id: string, message: PollMessage): Promise<void>;
  /** Receives `id`'s messages; resolves once listening is in effect (nothing published later is missed). */
  listen(id: string, listener: (message: PollMessage) => void): Promise<() => void>;
  /** Whether instances other than this one listen to `id` (and so rely on its checkpoint). */
  othersListening(id: string): Promise<boolean>;
  /** Whether leases and the channel work now (for `GET /ready`). */
  readiness(): Readiness;
  close(): Promise<void>;
}

/** One process: leases are a map, the channel a direct call. */
export function createLocalCoordinator(): PollCoordinator {
  const leases = new Map<string, string>();
  const listeners = new Map<string, Set<(message: PollMessage) => void>>();
  return {
    distributed: false,
    async acquire(id, token) {
      const holder = leases.get(id);
      if (holder !== undefined && holder !== token) return false;
      leases.set(id, token);
      return true;
    },
    async renew(id, token) {
      return leases.get(id) === token;
    },
    async release(id, token) {
      if (leases.get(id) === token) leases.delete(id);
    },
    async publish(id, message) {
      for (const listener of [...(listeners.get(id) ?? [])]) listener(message);
    },
    async listen(id, listener) {
      let set = listeners.get(id);
      if (set === undefined) listeners.set(id, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(id) === set) listeners.delete(id);
      };
    },
    async othersListening() {
      return false;
    },
    readiness: () => READY,
    async close() {
      leases.clear();
      listeners.clear();
    },
  };
}

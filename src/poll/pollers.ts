import { Repeater } from 'graphql-yoga';
import type { Keyv } from 'keyv';
import type { Logger } from 'pino';
import type { Principal } from '../auth/types.js';
import type { CursorCodec } from '../cursor/index.js';
import type { DeltaEngine } from '../delta/engine.js';
import type { ResourceName } from '../delta/resources/types.js';
import type { RoundState } from '../delta/round.js';
import type { Readiness } from '../store/index.js';
import { createCheckpointStore, DEFAULT_CHECKPOINT_TTL_MS } from './checkpoints.js';
import { createLocalCoordinator, type PollCoordinator } from './coordinator.js';
import { pollKeyOf } from './poll-key.js';
import { detachedFromRequest, subscriberOpened } from '../telemetry/poll.js';
import { createPoller, type Poller, type PollerContext, type PollerStats, type PollEvent, type PollSubscriber, type RoundTemplate } from './poller.js';

/** How long a dead instance's poll leases keep its keys from being taken over. */
export const DEFAULT_LOCK_TTL_MS = 5000;

export interface PollersOptions {
  engine: DeltaEngine;
  cursors: CursorCodec;
  /** Keyv store for checkpoints (the same store as page stashes: shared by instances when it is Redis). */
  store: Keyv;
  /** `POLL_INTERVAL_MS`. */
  intervalMs: number;
  /** @default a local (one process) coordinator */
  coordinator?: PollCoordinator;
  /** Items per Graph page while polling. @default 200 */
  pageSize?: number;
  /** `POLL_LOCK_TTL_MS`: lease lifetime without renewal (renewed every third of it). @default 5000 */
  lockTtlMs?: number;
  /** @default 7 days */
  checkpointTtlMs?: number;
  /** Source of jitter in [0, 1). @default Math.random */
  random?: () => number;
  logger: Pick<Logger, 'debug' | 'warn'>;
  /** Test seam: called at each step of every poll cycle (see poller.ts). */
  atStep?: PollerContext['atStep'];
}

export interface SubscribeRequest {
  resource: ResourceName;
  principal: Principal;
  /** Cursor binding of the principal and resource. */
  binding: string;
  /** The round's options, `$select` and Prefer preferences. */
  template: RoundTemplate;
  /** The round opened from `after`, if given. */
  after?: RoundState | undefined;
  /** First request of a new round (without `after`). */
  initialUrl?: string | undefined;
  getToken(): Promise<string>;
}

export interface Pollers {
  /** The subscriber's stream of batches; returning it (client gone) leaves the poller. */
  subscribe(request: SubscribeRequest): AsyncIterableIterator<PollEvent>;
  /** Pollers alive on this instance. */
  readonly size: number;
  stats(): PollerStats[];
  /** Whether the poll coordinator works now (Redis: both connections up). */
  readiness(): Readiness;
  /** Resolves once stopped pollers have finished their last Graph request and released their lease. */
  settled(): Promise<void>;
  /** Completes every subscription and stops every poller. */
  close(): Promise<void>;
}

/** One poller per key (principal + resource + round options): the first subscriber starts it, the last one stops it. */
export function createPollers(options: PollersOptions): Pollers {
  const coordinator = options.coordinator ?? createLocalCoordinator();
  const lockTtlMs = options.lockTtlMs ?? DEFAULT_LOCK_TTL_MS;
  const context = {
    engine: options.engine,
    cursors: options.cursors,
    coordinator,
    checkpoints: createCheckpointStore(options.store, options.checkpointTtlMs ?? DEFAULT_CHECKPOINT_TTL_MS),
    intervalMs: options.intervalMs,
    lockTtlMs,
    pageSize: options.pageSize ?? 200,
    random: options.random ?? Math.random,
    logger: options.logger,
    atStep: options.atStep,
  };
  const pollers = new Map<string, Poller>();
  const stopping = new Set<Promise<void>>();
  let closed = false;

  function pollerFor(request: SubscribeRequest): Poller {
    const { key, id } = pollKeyOf({ principalKey: request.principal.key, resource: request.resource, ...request.template });
    const existing = pollers.get(key);
    if (existing) return existing;
    const poller: Poller = createPoller({
      ...context,
      id,
      resource: request.resource,
      binding: request.binding,
      template: request.template,
      onStopped(settled) {
        if (pollers.get(key) === poller) pollers.delete(key);
        stopping.add(settled);
        void settled.finally(() => stopping.delete(settled));
      },
    });
    pollers.set(key, poller);
    return poller;
  }

  return {
    subscribe(request) {
      return new Repeater<PollEvent>(async (push, stop) => {
        if (closed) return stop();
        const poller = pollerFor(request);
        const subscriber: PollSubscriber = {
          after: request.after,
          initialUrl: request.initialUrl,
          getToken: request.getToken,
          deliver(event) {
            try {
              void push(event).catch(() => undefined);
            } catch {
              // More than 1024 events not taken: the client stopped reading. It resumes from its last cursor.
              options.logger.warn({ resource: request.resource }, 'subscriber not reading its stream; dropped');
              void stop();
            }
          },
          close: () => stop(),
        };
        // The poller's timers outlive this request: its work is not the request's (logs, traces, Graph counts).
        detachedFromRequest(() => poller.join(subscriber));
        const unsubscribed = subscriberOpened(request.resource);
        await stop;
        unsubscribed();
        poller.leave(subscriber);
      });
    },
    get size() {
      return pollers.size;
    },
    stats: () => [...pollers.values()].map((poller) => poller.stats()),
    readiness: () => coordinator.readiness(),
    async settled() {
      await Promise.allSettled([...stopping]);
    },
    async close() {
      closed = true;
      const all = [...pollers.values()];
      pollers.clear();
      await Promise.allSettled(all.map((poller) => poller.close()));
      await Promise.allSettled([...stopping]);
      await coordinator.close();
    },
  };
}

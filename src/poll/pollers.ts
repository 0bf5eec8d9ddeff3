import type { GraphQLError } from 'graphql';
import { Repeater } from 'graphql-yoga';
import type { Keyv } from 'keyv';
import type { Logger } from 'pino';
import type { Principal } from '../auth/types.js';
import type { CursorCodec } from '../cursor/index.js';
import type { DeltaEngine } from '../delta/engine.js';
import type { ResourceName } from '../delta/resources/types.js';
import type { RoundState } from '../delta/round.js';
import { gatewayError } from '../errors.js';
import type { Readiness } from '../store/index.js';
import { createCheckpointStore, DEFAULT_CHECKPOINT_TTL_MS } from './checkpoints.js';
import { createLocalCoordinator, type PollCoordinator } from './coordinator.js';
import { pollKeyOf } from './poll-key.js';
import { detachedFromRequest, subscriberOpened } from '../telemetry/poll.js';
import { createPoller, type Poller, type PollerContext, type PollerStats, type PollEvent, type PollSubscriber, type RoundTemplate } from './poller.js';
import type { PollPush, PollPushLink } from './push-link.js';

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
  /** Change notifications (NOTIFICATION_URL set): pollers then poll at once on a notification. */
  push?: PollPush | undefined;
  /** `POLL_BACKSTOP_MS`: the interval while a poller's Graph subscription is live. @default 300000 */
  backstopMs?: number;
  /** `MAX_POLLERS_PER_PRINCIPAL`. @default 50 */
  maxPollersPerPrincipal?: number;
  /** `MAX_SUBSCRIPTIONS_PER_PRINCIPAL`. @default 500 */
  maxSubscriptionsPerPrincipal?: number;
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
  /** Pass-through: when the subscriber's own token expires (ms since epoch); the subscription then ends alone. */
  tokenExpiresAt?: number | undefined;
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

/** A subscriber's way to a Graph token. */
interface TokenSource {
  getToken(): Promise<string>;
  expiresAt: number | undefined;
}

/** A poller and what its subscribers bring: their tokens, and the poller's tie to push. */
interface Slot {
  poller: Poller;
  principalKey: string;
  tokens: Set<TokenSource>;
  /** The last subscriber's token source, for what follows the last subscriber (deleting the Graph subscription). */
  last?: TokenSource | undefined;
  link?: PollPushLink | undefined;
}

// setTimeout's longest delay; a token living longer than ~24 days is never timed out here.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The token that expires last (unknown expiry counts as last; among equals the newest subscriber's). */
function bestToken(tokens: Iterable<TokenSource>): TokenSource | undefined {
  let best: TokenSource | undefined;
  for (const source of tokens) if (best === undefined || (source.expiresAt ?? Infinity) >= (best.expiresAt ?? Infinity)) best = source;
  return best;
}

/**
 * One poller per key (principal + resource + round options): the first subscriber starts it, the last one stops it.
 * A poller polls with the subscriber token that expires last; a subscriber whose own token expires ends alone.
 */
export function createPollers(options: PollersOptions): Pollers {
  const coordinator = options.coordinator ?? createLocalCoordinator();
  const backstopMs = options.backstopMs ?? 300_000;
  const maxPollers = options.maxPollersPerPrincipal ?? 50;
  const maxSubscriptions = options.maxSubscriptionsPerPrincipal ?? 500;
  /** Open subscriptions per principal. */
  const open = new Map<string, number>();
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
  const pollers = new Map<string, Slot>();
  const stopping = new Set<Promise<void>>();
  let closed = false;

  const keyOf = (request: SubscribeRequest) => pollKeyOf({ principalKey: request.principal.key, resource: request.resource, ...request.template });

  /** Throws LIMIT_EXCEEDED when one more subscription (and maybe poller) of this principal is one too many. */
  function admit(request: SubscribeRequest, key: string): void {
    const principalKey = request.principal.key;
    if ((open.get(principalKey) ?? 0) >= maxSubscriptions) {
      throw gatewayError('LIMIT_EXCEEDED', `This principal already has ${maxSubscriptions} open subscriptions, the most allowed (MAX_SUBSCRIPTIONS_PER_PRINCIPAL); close one first.`);
    }
    if (pollers.has(key)) return;
    let count = 0;
    for (const slot of pollers.values()) if (slot.principalKey === principalKey) count += 1;
    if (count >= maxPollers) {
      throw gatewayError('LIMIT_EXCEEDED', `This principal already has ${maxPollers} pollers (distinct subscription arguments and selections), the most allowed (MAX_POLLERS_PER_PRINCIPAL).`);
    }
  }

  function slotFor(request: SubscribeRequest, key: string, id: string): Slot {
    const existing = pollers.get(key);
    if (existing) return existing;
    const tokens = new Set<TokenSource>();
    const getToken = () => (bestToken(tokens) ?? slot.last)?.getToken() ?? Promise.reject(gatewayError('UNAUTHENTICATED', 'No subscriber left to poll for.'));
    // The poller's cadence and onStopped read the slot made right after it.
    let slot: Slot;
    const poller: Poller = createPoller({
      ...context,
      id,
      resource: request.resource,
      binding: request.binding,
      template: request.template,
      cadence: () => (slot.link?.live() ? backstopMs : context.intervalMs),
      onStopped(settled) {
        if (pollers.get(key) === slot) pollers.delete(key);
        slot.link?.detach();
        stopping.add(settled);
        void settled.finally(() => stopping.delete(settled));
      },
    });
    slot = { poller, principalKey: request.principal.key, tokens };
    pollers.set(key, slot);
    slot.link = options.push?.attach(
      { resource: request.resource, options: request.template.options, principalKey: request.principal.key, getToken },
      () => poller.pollNow(),
    );
    return slot;
  }

  return {
    subscribe(request) {
      const { key, id } = keyOf(request);
      admit(request, key);
      return new Repeater<PollEvent>(async (push, stop) => {
        if (closed) return stop();
        try {
          // Again: others may have been admitted between subscribe() and the stream's start.
          admit(request, key);
        } catch (error) {
          void push({ end: error as GraphQLError }).catch(() => undefined);
          return stop();
        }
        const expiredToken = () => gatewayError('UNAUTHENTICATED', 'Your access token expired: resubscribe with a fresh token and the last `cursor` you received.');
        if (request.tokenExpiresAt !== undefined && request.tokenExpiresAt <= Date.now()) {
          void push({ end: expiredToken() }).catch(() => undefined);
          return stop();
        }
        const principalKey = request.principal.key;
        open.set(principalKey, (open.get(principalKey) ?? 0) + 1);
        const slot = slotFor(request, key, id);
        const poller = slot.poller;
        const token: TokenSource = { getToken: request.getToken, expiresAt: request.tokenExpiresAt };
        slot.tokens.add(token);
        slot.last = token;
        const subscriber: PollSubscriber = {
          after: request.after,
          initialUrl: request.initialUrl,
          // The poller's token source: the subscriber token that expires last.
          getToken: () => bestToken(slot.tokens)?.getToken() ?? request.getToken(),
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
        // This subscriber ends alone when its own token expires; the others keep polling with theirs.
        const left = request.tokenExpiresAt === undefined ? Infinity : request.tokenExpiresAt - Date.now();
        const expiry = left <= MAX_TIMER_MS ? setTimeout(() => {
          subscriber.deliver({ end: expiredToken() });
          void stop();
        }, left) : undefined;
        const unsubscribed = subscriberOpened(request.resource);
        try {
          // The poller's timers outlive this request: its work is not the request's (logs, traces, Graph counts).
          detachedFromRequest(() => poller.join(subscriber));
          await stop;
        } finally {
          clearTimeout(expiry);
          unsubscribed();
          slot.tokens.delete(token);
          poller.leave(subscriber);
          const n = (open.get(principalKey) ?? 1) - 1;
          if (n > 0) open.set(principalKey, n);
          else open.delete(principalKey);
        }
      });
    },
    get size() {
      return pollers.size;
    },
    stats: () => [...pollers.values()].map((slot) => slot.poller.stats()),
    readiness: () => coordinator.readiness(),
    async settled() {
      await Promise.allSettled([...stopping]);
    },
    async close() {
      closed = true;
      // First, so that stopping pollers keep Graph's subscriptions for a restart to reuse.
      await options.push?.close();
      const all = [...pollers.values()];
      pollers.clear();
      await Promise.allSettled(all.map((slot) => slot.poller.close()));
      await Promise.allSettled([...stopping]);
      await coordinator.close();
    },
  };
}

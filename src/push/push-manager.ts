import type { Keyv } from 'keyv';
import type { Logger } from 'pino';
import type { PollCoordinator, PushEvent } from '../poll/coordinator.js';
import type { PollPush, PollPushLink } from '../poll/push-link.js';
import { clientStateFor, clientStateMatches } from './client-state.js';
import { createSubscriptionsApi, errorOf, type GraphAnswer, type SubscriptionsApi } from './graph-subscriptions.js';
import { createSubscriptionRecords, type SubscriptionRoute } from './records.js';
import { pushTargetOf, type PushTarget } from './target.js';

export interface PushManagerOptions {
  /** `NOTIFICATION_URL`, without trailing slash. */
  notificationUrl: string;
  graphBaseUrl: string;
  /** `CURSOR_SECRET`s: the first signs clientStates, all verify. */
  secrets: readonly string[];
  store: Keyv;
  coordinator: PollCoordinator;
  logger: Pick<Logger, 'debug' | 'info' | 'warn'>;
  /** @default Graph's `/subscriptions` at `graphBaseUrl` */
  api?: SubscriptionsApi;
  /** Lifetime asked for; lowered when Graph names a smaller ceiling. @default 10070 minutes (seen live; 10,080 documented) */
  maxLifetimeMinutes?: number;
  /** Wait before retrying a failed renewal or creation. @default 60000 */
  retryMs?: number;
}

/** One notification item, as received (unchecked). */
export type NotificationItem = Record<string, unknown>;

export interface PushManager extends PollPush {
  /** Checks the items of one notification POST and signals the pollers of the valid ones; returns how many were accepted. */
  accept(items: readonly NotificationItem[]): Promise<{ accepted: number; rejected: number }>;
}

interface Member {
  pollNow(): void;
  getToken(): Promise<string>;
}

interface Entry {
  target: PushTarget;
  members: Set<Member>;
  state: 'starting' | 'live' | 'fallback';
  id: string | undefined;
  timer: NodeJS.Timeout | undefined;
  unlisten: (() => void) | undefined;
  /** Operations on the subscription run one at a time. */
  chain: Promise<void>;
  stopped: boolean;
}

const LIFECYCLE = new Set<PushEvent>(['missed', 'reauthorizationRequired', 'subscriptionRemoved']);
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One Graph subscription per (mailbox, Graph resource), shared by every poller on it: created when
 * the first poller attaches, renewed when a fifth of its granted lifetime is left, deleted when the
 * last one detaches. A checked notification reaches the pollers of its subscription on every instance
 * through the poll coordinator (a channel per subscription), so it gets to whichever instance polls.
 */
export function createPushManager(options: PushManagerOptions): PushManager {
  const { secrets, coordinator, logger } = options;
  const api = options.api ?? createSubscriptionsApi(options.graphBaseUrl);
  const records = createSubscriptionRecords(options.store);
  const retryMs = options.retryMs ?? 60_000;
  let ceilingMinutes = options.maxLifetimeMinutes ?? 10_070;
  const entries = new Map<string, Entry>();
  /** Subscription id → entry, for notifications of subscriptions this instance holds. */
  const byId = new Map<string, Entry>();
  /** Deletions under way per key: a new first poller waits for them. */
  const deleting = new Map<string, Promise<void>>();
  /** Resources whose fallback was logged (logged once each). */
  const loggedFallback = new Set<string>();
  let closing = false;

  const urls = {
    notificationUrl: `${options.notificationUrl}/notifications`,
    lifecycleNotificationUrl: `${options.notificationUrl}/notifications/lifecycle`,
  };

  const run = (entry: Entry, step: () => Promise<void>) => {
    entry.chain = entry.chain.then(() => (entry.stopped ? undefined : step())).catch((error: unknown) => {
      logger.warn({ err: { message: (error as Error).message } }, 'push: subscription step failed');
    });
    return entry.chain;
  };
  const token = (entry: Entry) => {
    const newest = [...entry.members].at(-1);
    return newest ? newest.getToken() : Promise.reject(new Error('no poller left'));
  };
  const pokeAll = (entry: Entry) => {
    for (const member of entry.members) member.pollNow();
  };

  function setId(entry: Entry, id: string | undefined) {
    if (entry.id !== undefined && byId.get(entry.id) === entry) byId.delete(entry.id);
    entry.id = id;
    if (id !== undefined) byId.set(id, entry);
  }

  function fallback(entry: Entry, reason: string, answer?: GraphAnswer) {
    const wasLive = entry.state === 'live';
    entry.state = 'fallback';
    clearTimeout(entry.timer);
    entry.timer = undefined;
    if (!loggedFallback.has(entry.target.key)) {
      loggedFallback.add(entry.target.key);
      // The resource names the mailbox only as `me` or a user id the operator configured; no token, no body.
      logger.warn({ resource: entry.target.resource.replace(/^users\/[^/]+/, 'users/…'), reason, status: answer?.status, code: answer ? errorOf(answer).code : undefined }, 'push: Graph cannot notify here; polling at POLL_INTERVAL_MS');
    }
    // Pollers waiting for the backstop switch to the plain interval at once.
    if (wasLive) pokeAll(entry);
  }

  function expirationFor(now: number) {
    return new Date(now + ceilingMinutes * 60_000).toISOString();
  }

  /** Graph said how far ahead it allows: remember it, and say whether that lowered the ceiling. */
  function learnCeiling(answer: GraphAnswer): boolean {
    const match = /can only be ([\d.]+) minutes in the future/i.exec(errorOf(answer).message);
    const minutes = match ? Number(match[1]) : Number.NaN;
    if (!Number.isFinite(minutes) || minutes <= 0 || minutes >= ceilingMinutes) return false;
    ceilingMinutes = minutes;
    return true;
  }

  async function live(entry: Entry, id: string, expirationDateTime: unknown, poke: boolean) {
    const answeredAt = Date.now();
    const expiresAt = typeof expirationDateTime === 'string' ? Date.parse(expirationDateTime) : Number.NaN;
    if (!Number.isFinite(expiresAt) || expiresAt <= answeredAt) return fallback(entry, 'Graph answered no usable expirationDateTime');
    setId(entry, id);
    entry.state = 'live';
    const route: SubscriptionRoute = { channel: entry.target.channel, mailbox: entry.target.mailbox, resource: entry.target.resource };
    await records.set(route, { id, expiresAt, answeredAt });
    scheduleRenewal(entry, expiresAt, answeredAt);
    // Whatever changed before the subscription was live: one poll picks it up.
    if (poke) pokeAll(entry);
  }

  function scheduleRenewal(entry: Entry, expiresAt: number, answeredAt: number) {
    clearTimeout(entry.timer);
    const lifetime = expiresAt - answeredAt;
    const at = expiresAt - lifetime / 5;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      void run(entry, () => renew(entry));
    }, Math.min(MAX_TIMER_MS, Math.max(0, at - Date.now())));
    entry.timer.unref?.();
  }

  function retryLater(entry: Entry, step: () => Promise<void>) {
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      void run(entry, step);
    }, retryMs);
    entry.timer.unref?.();
  }

  async function create(entry: Entry, lowered = false): Promise<void> {
    const { target } = entry;
    const body = {
      changeType: 'created,updated,deleted',
      ...urls,
      resource: target.resource,
      expirationDateTime: expirationFor(Date.now()),
      clientState: clientStateFor(secrets[0] as string, target.mailbox, target.resource),
    };
    const answer = await api.create(await token(entry), body);
    if (entry.stopped) return;
    // Live: one poll now, for what changed before, and so that pollers move to the backstop interval.
    if (answer.status === 201 && typeof answer.body?.['id'] === 'string') return live(entry, answer.body['id'], answer.body['expirationDateTime'], true);
    if (answer.status === 409) return adopt(entry, answer);
    if (answer.status === 400 && !lowered && learnCeiling(answer)) return create(entry, true);
    if (answer.status === 0 || answer.status === 429 || answer.status >= 500) {
      // Graph had a bad moment: poll meanwhile, try again later.
      fallback(entry, 'creating the subscription failed; retrying later', answer);
      return retryLater(entry, () => create(entry));
    }
    fallback(entry, answer.status === 400 ? 'Graph refused the subscription (resource or validation)' : 'Graph refused the subscription', answer);
  }

  /** 409: the subscription exists already (another instance, a restart that lost the store). Take it over. */
  async function adopt(entry: Entry, conflict: GraphAnswer): Promise<void> {
    let id = /Subscription Id ([0-9A-Za-z-]+) already exists/i.exec(errorOf(conflict).message)?.[1];
    if (id === undefined) {
      const listed = await api.list(await token(entry));
      const value = Array.isArray(listed.body?.['value']) ? (listed.body['value'] as Record<string, unknown>[]) : [];
      const same = value.find((s) => typeof s['resource'] === 'string' && s['resource'].toLowerCase() === entry.target.resource.toLowerCase());
      id = typeof same?.['id'] === 'string' ? same['id'] : undefined;
    }
    if (id === undefined) return fallback(entry, 'Graph has the subscription already and would not say which');
    setId(entry, id);
    return renew(entry, true);
  }

  async function renew(entry: Entry, poke = false, lowered = false): Promise<void> {
    const id = entry.id;
    if (id === undefined) return create(entry);
    const answer = await api.renew(await token(entry), id, expirationFor(Date.now()));
    if (entry.stopped) return;
    if (answer.status === 200) return live(entry, id, answer.body?.['expirationDateTime'], poke);
    if (answer.status === 404) {
      // Gone (expired, removed): a new one, then a poll for what happened in between.
      await records.delete(entry.target.channel, id);
      setId(entry, undefined);
      return create(entry);
    }
    if (answer.status === 400 && !lowered && learnCeiling(answer)) return renew(entry, poke, true);
    if (answer.status === 0 || answer.status === 429 || answer.status >= 500) return retryLater(entry, () => renew(entry, poke));
    fallback(entry, 'Graph refused to renew the subscription', answer);
  }

  async function start(entry: Entry): Promise<void> {
    await deleting.get(entry.target.key);
    const off = await coordinator.listen(entry.target.channel, (message) => {
      if (message.type === 'push') onSignal(entry, message.event);
    });
    if (entry.stopped) return off();
    entry.unlisten = off;
    const saved = await records.get(entry.target.channel);
    if (saved && saved.expiresAt - Date.now() > (saved.expiresAt - saved.answeredAt) / 5) {
      // Recorded by this or another instance, and not yet due for renewal: reuse it.
      setId(entry, saved.id);
      entry.state = 'live';
      scheduleRenewal(entry, saved.expiresAt, saved.answeredAt);
      pokeAll(entry);
      return;
    }
    if (saved) {
      setId(entry, saved.id);
      return renew(entry, true);
    }
    return create(entry);
  }

  function onSignal(entry: Entry, event: PushEvent) {
    if (entry.stopped) return;
    if (event === 'change' || event === 'missed') return pokeAll(entry);
    if (event === 'reauthorizationRequired') {
      void run(entry, async () => {
        const id = entry.id;
        if (id === undefined) return;
        const answer = await api.reauthorize(await token(entry), id);
        // A renewal reauthorizes too, and also handles a subscription that is gone.
        if (answer.status !== 204 && answer.status !== 200) await renew(entry);
      });
      return;
    }
    // subscriptionRemoved: a new subscription, then a poll (nothing was delivered in the gap).
    pokeAll(entry);
    void run(entry, async () => {
      await records.delete(entry.target.channel, entry.id);
      setId(entry, undefined);
      entry.state = 'starting';
      await create(entry);
    });
  }

  function detach(entry: Entry, member: Member) {
    if (!entry.members.has(member)) return;
    const last = [...entry.members].at(-1) === member ? member : undefined;
    entry.members.delete(member);
    if (entry.members.size > 0) return;
    entry.stopped = true;
    if (entries.get(entry.target.key) === entry) entries.delete(entry.target.key);
    clearTimeout(entry.timer);
    entry.timer = undefined;
    if (closing) {
      entry.unlisten?.();
      return;
    }
    const getToken = (last ?? member).getToken;
    const removal = entry.chain.then(async () => {
      // Other instances with pollers on it keep it (they listen on its channel).
      const others = await coordinator.othersListening(entry.target.channel).catch(() => true);
      entry.unlisten?.();
      const id = entry.id;
      if (others || id === undefined) return;
      setId(entry, undefined);
      await records.delete(entry.target.channel, id);
      const answer = await api.remove(await getToken(), id);
      if (answer.status !== 204 && answer.status !== 404) logger.warn({ status: answer.status }, 'push: deleting the Graph subscription failed; it expires on its own');
    }).catch(() => undefined);
    deleting.set(entry.target.key, removal);
    void removal.finally(() => {
      if (deleting.get(entry.target.key) === removal) deleting.delete(entry.target.key);
    });
  }

  async function routeOf(id: string): Promise<SubscriptionRoute | undefined> {
    const local = byId.get(id);
    if (local) return { channel: local.target.channel, mailbox: local.target.mailbox, resource: local.target.resource };
    return records.route(id);
  }

  return {
    attach(request, pollNow) {
      if (closing) return undefined;
      const target = pushTargetOf(request.resource, request.options, request.principalKey);
      if (target === undefined) {
        if (!loggedFallback.has(request.resource)) {
          loggedFallback.add(request.resource);
          logger.info({ resource: request.resource }, 'push: Graph has no change notifications for this resource; polling at POLL_INTERVAL_MS');
        }
        return undefined;
      }
      const member: Member = { pollNow, getToken: request.getToken };
      let entry = entries.get(target.key);
      if (entry === undefined) {
        const created: Entry = { target, members: new Set([member]), state: 'starting', id: undefined, timer: undefined, unlisten: undefined, chain: Promise.resolve(), stopped: false };
        entries.set(target.key, created);
        void run(created, () => start(created));
        entry = created;
      } else {
        entry.members.add(member);
      }
      const attached = entry;
      const link: PollPushLink = {
        live: () => attached.state === 'live' && !attached.stopped,
        detach: () => detach(attached, member),
      };
      return link;
    },
    async accept(items) {
      let accepted = 0;
      const signals = new Map<string, Set<PushEvent>>();
      for (const item of items) {
        const id = item['subscriptionId'];
        const lifecycle = item['lifecycleEvent'];
        const event: PushEvent | undefined = lifecycle === undefined ? (typeof item['changeType'] === 'string' ? 'change' : undefined) : LIFECYCLE.has(lifecycle as PushEvent) ? (lifecycle as PushEvent) : undefined;
        if (typeof id !== 'string' || id.length > 128 || event === undefined) continue;
        const route = await routeOf(id).catch(() => undefined);
        if (!route || !clientStateMatches(secrets, route.mailbox, route.resource, item['clientState'])) continue;
        accepted += 1;
        let events = signals.get(route.channel);
        if (!events) signals.set(route.channel, (events = new Set()));
        events.add(event);
      }
      // One signal per subscription and event, however many items a POST carried.
      await Promise.allSettled([...signals].flatMap(([channel, events]) => [...events].map((event) => coordinator.publish(channel, { type: 'push', event }))));
      return { accepted, rejected: items.length - accepted };
    },
    async close() {
      closing = true;
      for (const entry of entries.values()) {
        clearTimeout(entry.timer);
        entry.timer = undefined;
      }
      await Promise.allSettled([...entries.values()].map((entry) => entry.chain));
    },
  };
}

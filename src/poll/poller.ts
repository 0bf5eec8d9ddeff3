/*
 * The poll cycle, and why no change is lost when the polling instance dies at any point of it.
 *
 * One instance holds a key's lease and polls; every instance with subscribers of the key listens on
 * the key's channel. The store's checkpoint says where a takeover resumes. One cycle of the holder
 * (the names are the steps of the POLL_CRASH_AT test seam):
 *
 *   before-read       read Graph from `position` to its end (nothing written yet)
 *   after-read        mark the checkpoint: still at `position`, `publishing` = the batch's end
 *   before-publish    publish the batch to every listening instance
 *   after-publish     commit the checkpoint at the batch's end
 *   after-checkpoint
 *
 * The checkpoint never runs ahead of what was published. A holder that dies before publishing
 * leaves it at the batch's start: nobody received the batch, and the next holder reads it again.
 * One that dies after publishing leaves it marked: the next holder resumes from the batch's end if
 * it received the batch itself (Redis delivers a message to every subscribed instance or to none),
 * else from its start. Resuming from an older link "to be safe" is not: a delta read omits items
 * created and deleted since its link, which listeners that got the batch would keep for ever.
 * A holder that lost its lease (a long pause) drops a batch it has not published yet, and does not
 * commit one it has: the new holder owns the checkpoint. A batch may repeat after a crash (clients
 * upsert by id); a change is not lost.
 *
 * Listeners: an instance's stream stands at the end of the last batch it received (`anchor`). A
 * subscriber whose `after` is that position goes live at once; any other reads its own way to now
 * first (catch-up), then receives the shared batches buffered meanwhile. An instance that has not
 * received a batch yet judges by the checkpoint, by its `publishing` end while it is marked (the
 * batch may have gone out before this instance listened).
 *
 * Joining ahead: a catch-up reads to now, past the shared position. The shared poller's next read
 * then omits an item created after the shared position and deleted since (Graph leaves out what was
 * created and deleted since a link), which the caught-up subscriber holds. So after its catch-up the
 * subscriber does not go live at once: its instance asks the holder for a poll (`sync`), buffers the
 * shared batches, and once the holder answers (`synced`: a poll whose read began after the request)
 * reads its own way on from the catch-up's end, keeping only the removals. It then receives the
 * buffered batches and those removals as one batch whose cursor is the shared position.
 */
import { randomUUID } from 'node:crypto';
import type { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import type { PollCycleStep } from '../config/index.js';
import type { CursorCodec } from '../cursor/index.js';
import type { DeltaEngine } from '../delta/engine.js';
import type { ResourceName } from '../delta/resources/types.js';
import { openRound, sealRound } from '../delta/round-cursor.js';
import type { Position, RoundState } from '../delta/round.js';
import { gatewayError, isGatewayError } from '../errors.js';
import type { DeltaBatch } from './batch.js';
import { buildBatch } from './batch.js';
import type { CheckpointStore } from './checkpoints.js';
import type { PollCoordinator, PollMessage } from './coordinator.js';
import { anchorOf } from './poll-key.js';
import { pollRound, skipRound } from './poll-round.js';
import { backoff, jittered } from './schedule.js';
import { pollerTelemetry } from '../telemetry/poll.js';

/** What a subscriber receives: a batch, or the error that ends its subscription. */
export type PollEvent = DeltaBatch | { end: GraphQLError };

/** A round without its position: what every subscriber of a key shares. */
export type RoundTemplate = Omit<RoundState, 'position'>;

export interface PollSubscriber {
  /** The round the subscriber passed as `after`; undefined: changes from now on. */
  after: RoundState | undefined;
  /** The first request of a new round (subscribers without `after`). */
  initialUrl: string | undefined;
  getToken(): Promise<string>;
  deliver(event: PollEvent): void;
  /** Ends the subscriber's stream (after its last event). */
  close(): void;
}

export interface PollerContext {
  engine: DeltaEngine;
  cursors: CursorCodec;
  coordinator: PollCoordinator;
  checkpoints: CheckpointStore;
  intervalMs: number;
  /** How long a lease lasts without renewal (renewed every third of it). */
  lockTtlMs: number;
  /** Items per Graph page while polling. */
  pageSize: number;
  random: () => number;
  logger: Pick<Logger, 'debug' | 'warn'>;
  /** Test seam: called at each step of a poll cycle (steps after `before-read` only in cycles that found changes). */
  atStep?: ((step: PollCycleStep) => void) | undefined;
}

export interface PollerOptions extends PollerContext {
  id: string;
  resource: ResourceName;
  /** Cursor binding (principal + resource). */
  binding: string;
  template: RoundTemplate;
  /** The interval between polls right now. @default always `intervalMs` (push: the backstop while a Graph subscription is live) */
  cadence?: () => number;
  /** Called once when the poller stops (its last subscriber left, or it ended them); `settled` resolves when its last work is done. */
  onStopped(settled: Promise<void>): void;
}

export interface PollerStats {
  id: string;
  resource: ResourceName;
  phase: Phase;
  subscribers: number;
  /** Of those, how many receive the shared batches (the others are still catching up or aligning). */
  live: number;
  /** Whether this instance holds the key's lease (polls it). */
  holding: boolean;
  /** Pending timers (poll, lease renewal, catch-up retries). */
  timers: number;
  /** Async work under way (a poll, catch-ups, lease calls). */
  inFlight: number;
}

export interface Poller {
  join(subscriber: PollSubscriber): void;
  leave(subscriber: PollSubscriber): void;
  /**
   * Polls now instead of at the next interval (a change notification). Coalesced: while a poll is in
   * flight, any number of calls make one more poll after it. Ignored while another instance polls the key.
   */
  pollNow(): void;
  /** Completes every subscriber's stream and stops. */
  close(): Promise<void>;
  stats(): PollerStats;
}

type Phase = 'new' | 'starting' | 'establishing' | 'holding' | 'following' | 'stopped';
type Step = 'lead' | 'poll';

interface Member {
  /**
   * pending: `after` not yet compared with the shared position; catching-up: reading its own way to
   * now; aligning: caught up ahead of the shared position, waiting for a shared poll after it.
   */
  state: 'pending' | 'catching-up' | 'aligning' | 'live';
  /** Batches that arrived before the member went live. */
  buffer: DeltaBatch[];
  /** While aligning: the request sent to the holder, the catch-up's end, and the shared position once answered. */
  align?: { ref: string; frontier: RoundState; resume: string; shared?: string | Promise<string> };
  abort?: AbortController;
  timer?: NodeJS.Timeout;
}

const ENDS_SUBSCRIPTION = new Set(['RESYNC_REQUIRED', 'UNAUTHENTICATED', 'FORBIDDEN', 'INVALID_CURSOR']);

/**
 * The poller of one key on this instance. The instance holding the key's lease polls Graph and
 * publishes batches; every instance with subscribers of the key (this one included) receives them
 * from the coordinator and hands them to its subscribers. A subscriber whose `after` is not where
 * the shared poller stands first reads its own way to now (a catch-up batch), then receives the
 * shared batches: nothing is missed, no batch is delivered twice.
 */
export function createPoller(options: PollerOptions): Poller {
  const { id, resource, binding, template, engine, cursors, coordinator, checkpoints, intervalMs, lockTtlMs, pageSize, random, logger } = options;
  const atStep = options.atStep ?? (() => undefined);
  /** A follower tries the lease this often: a dead holder's keys are taken over soon after its lease expires. */
  const followRetryMs = Math.min(intervalMs, Math.max(1, Math.ceil(lockTtlMs / 3)));
  const members = new Map<PollSubscriber, Member>();
  const telemetry = pollerTelemetry(resource);
  const leaseToken = randomUUID();
  let phase: Phase = 'new';
  let holding = false;
  /** Where the next poll reads from (holder only). */
  let position: Position | undefined;
  /** Fingerprint of where this instance's stream stands: the end of the last batch it received (or of its silent start); undefined until known. */
  let anchor: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let renewTimer: NodeJS.Timeout | undefined;
  let work: AbortController | undefined;
  let unlisten: (() => void) | undefined;
  let failures = 0;
  let stopping: Promise<void> | undefined;
  /** Whether this instance followed another's polling (its subscribers then stand at the checkpoint). */
  let followed = false;
  /** A poll was asked for (pollNow) while one was under way: poll again right after it. */
  let again = false;
  /** Holder: `sync` requests received; the next poll (its read begins after them) answers them. */
  const syncRequests = new Set<string>();
  /** A member waiting for the holder's answer asks again this often (the holder may have died meanwhile). */
  const syncRetryMs = lockTtlMs + followRetryMs;
  const cadence = options.cadence ?? (() => intervalMs);
  /** Async work under way (polls, catch-ups): stop() waits for it, so nothing outlives the poller. */
  const pending = new Set<Promise<unknown>>();

  function track(promise: Promise<unknown>): void {
    pending.add(promise);
    void promise.finally(() => pending.delete(promise));
  }

  const sealer = (round: RoundTemplate) => (at: Position) => sealRound(cursors, binding, { ...round, position: at });
  const seal = sealer(template);
  const stopped = () => phase === 'stopped';
  /** The newest subscriber's token (the freshest one). */
  const getToken = () => {
    const newest = [...members.keys()].at(-1);
    return newest ? newest.getToken() : Promise.reject(gatewayError('UNAUTHENTICATED', 'No subscriber left to poll for.'));
  };

  function schedule(step: Step, delayMs: number) {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      track(run(step));
    }, delayMs);
  }

  async function run(step: Step) {
    if (stopped()) return;
    const controller = new AbortController();
    work = controller;
    try {
      const next = await telemetry.cycle(step, () => (step === 'lead' ? lead(controller.signal) : poll(controller.signal)));
      failures = 0;
      const now = again && next === 'poll';
      again = false;
      // Only polls stretch to the cadence (push: the backstop); a follower retries the lease every followRetryMs.
      if (!stopped() && !controller.signal.aborted) {
        schedule(next, now ? 0 : jittered(next === 'poll' ? cadence() : phase === 'following' ? followRetryMs : intervalMs, random));
      }
    } catch (error) {
      if (stopped() || controller.signal.aborted) return;
      await failed(step, error);
    } finally {
      if (work === controller) work = undefined;
    }
  }

  async function failed(step: Step, error: unknown) {
    const code = isGatewayError(error) ? error.extensions.code : undefined;
    if (code === 'RESYNC_REQUIRED') {
      // The shared position is gone for everyone following it.
      await checkpoints.delete(id).catch(() => undefined);
      const message: PollMessage = { type: 'end', code: 'RESYNC_REQUIRED', message: (error as GraphQLError).message };
      await coordinator.publish(id, message).catch(() => undefined);
      if (!stopped()) endAll(error as GraphQLError);
      return;
    }
    if (code !== undefined && ENDS_SUBSCRIPTION.has(code)) {
      // This instance's tokens no longer work; another instance (other tokens) may take the lease over.
      endAll(error as GraphQLError);
      return;
    }
    failures += 1;
    const retryAfterMs = code === 'THROTTLED' ? ((error as GraphQLError).extensions.retryAfter ?? 0) * 1000 : 0;
    const delay = code === 'THROTTLED' ? Math.max(retryAfterMs, jittered(intervalMs, random)) : backoff(intervalMs, failures, random);
    logger.warn({ poller: id, resource, step, code: code ?? 'INTERNAL', failures, retryInMs: delay, err: code ? undefined : error }, 'poll failed; retrying');
    schedule(step, delay);
  }

  /** Takes the lease if free, and then decides where polling starts. */
  async function lead(signal: AbortSignal): Promise<Step> {
    const acquired = holding || (await coordinator.acquire(id, leaseToken, lockTtlMs));
    if (stopped()) {
      if (acquired) await coordinator.release(id, leaseToken);
      return 'lead';
    }
    if (!acquired) {
      if (phase !== 'following') {
        phase = 'following';
        followed = true;
        settlePending();
      }
      return 'lead';
    }
    if (!holding) {
      holding = true;
      startRenewing();
    }
    phase = 'establishing';
    await establish(signal, followed);
    return 'poll';
  }

  function openCheckpoint(cursor: string): RoundState | undefined {
    try {
      return openRound(cursors, binding, cursor);
    } catch {
      return undefined; // e.g. sealed with a secret no longer listed
    }
  }

  async function establish(signal: AbortSignal, wasFollowing: boolean) {
    const checkpoint = await checkpoints.get(id);
    const saved = checkpoint ? openCheckpoint(checkpoint.cursor) : undefined;
    const othersRely = wasFollowing || (saved !== undefined && (await coordinator.othersListening(id)));
    const initialUrl = [...members.keys()].find((sub) => sub.initialUrl !== undefined)?.initialUrl;
    // The first subscriber still waiting with a cursor; failing a way to start a new round, any subscriber's cursor.
    const seed =
      [...members.entries()].find(([sub, m]) => m.state === 'pending' && sub.after !== undefined)?.[0]?.after ??
      (initialUrl === undefined && !saved ? [...members.keys()].find((sub) => sub.after !== undefined)?.after : undefined);
    const published = checkpoint?.publishing && anchor === checkpoint.publishing.anchor ? openCheckpoint(checkpoint.publishing.cursor) : undefined;
    if (saved && checkpoint && othersRely && published && checkpoint.publishing) {
      // The last holder died after publishing a batch it had not committed; this instance received it, so every listener did.
      position = published.position;
      await save(position, checkpoint.publishing.anchor);
    } else if (saved && checkpoint && othersRely) {
      // Subscribers elsewhere stand at the checkpoint: continue from there (re-reading a batch that was being published, if any).
      position = saved.position;
      anchor ??= checkpoint.anchor;
    } else if (seed) {
      // Start from the first subscriber's cursor (no new round needed); others catch up.
      const seedAnchor = anchorOf(seed.position);
      position = saved && checkpoint?.anchor === seedAnchor ? saved.position : seed.position;
      anchor = seedAnchor;
      await save(position, anchor);
    } else {
      // From now on: finish a round silently, from the last checkpoint if there is one (only the changes since), else a new round.
      let end: Position | undefined;
      if (saved) {
        try {
          end = await skipRound(engine, { round: { ...template, position: saved.position }, getToken, signal, pageSize });
        } catch (error) {
          if (!isGatewayError(error, 'RESYNC_REQUIRED')) throw error;
          await checkpoints.delete(id);
        }
      }
      if (end === undefined) {
        if (initialUrl === undefined) throw gatewayError('RESYNC_REQUIRED', 'No round to poll from; subscribe without `after`.');
        end = await skipRound(engine, { round: { ...template, position: { kind: 'initial', url: initialUrl } }, getToken, signal, pageSize });
      }
      if (stopped() || signal.aborted) return;
      position = end;
      anchor = anchorOf(end);
      await save(position, anchor);
    }
    if (stopped() || signal.aborted) return;
    phase = 'holding';
    logger.debug({ poller: id, resource }, 'polling');
    settlePending();
  }

  async function save(at: Position, fingerprint: string) {
    await checkpoints.set(id, { cursor: seal(at), anchor: fingerprint, savedAt: Date.now() });
  }

  /** One poll cycle (see the top of this file for the order of its steps). */
  async function poll(signal: AbortSignal): Promise<Step> {
    if (!holding || position === undefined) return 'lead';
    atStep('before-read');
    const from = position;
    // Requests that arrived before this read begins are answered by it.
    const answering = [...syncRequests];
    syncRequests.clear();
    let read: Awaited<ReturnType<typeof pollRound>>;
    try {
      read = await pollRound(engine, { round: { ...template, position: from }, getToken, signal, pageSize });
    } catch (error) {
      for (const ref of answering) syncRequests.add(ref);
      throw error;
    }
    const { entries, end } = read;
    if (stopped() || signal.aborted) return 'poll';
    if (entries.length === 0) {
      position = end;
      await answerSync(answering, seal(end));
      return 'poll';
    }
    atStep('after-read');
    const cursor = seal(end);
    const fingerprint = anchorOf(end);
    await checkpoints.set(id, { cursor: seal(from), anchor: anchorOf(from), publishing: { cursor, anchor: fingerprint }, savedAt: Date.now() });
    atStep('before-publish');
    if (stopped() || signal.aborted) return 'poll';
    // Advance only once published: a failed publish re-polls the same changes next time.
    await coordinator.publish(id, { type: 'batch', anchor: fingerprint, batch: buildBatch(entries, cursor, seal) });
    position = end;
    logger.debug({ poller: id, resource, changes: entries.length }, 'batch published');
    await answerSync(answering, cursor);
    atStep('after-publish');
    // Lease lost meanwhile: the new holder owns the checkpoint (it resumes at or before this batch).
    if (!stopped() && !holding) return 'poll';
    await checkpoints.set(id, { cursor, anchor: fingerprint, savedAt: Date.now() });
    atStep('after-checkpoint');
    return 'poll';
  }

  /** Tells the instances that asked that a poll begun after their request is done (after its batch, on the same channel). */
  async function answerSync(refs: string[], cursor: string) {
    if (refs.length === 0) return;
    await coordinator.publish(id, { type: 'synced', refs, cursor }).catch(() => undefined);
  }

  function startRenewing() {
    if (!coordinator.distributed) return;
    clearInterval(renewTimer);
    renewTimer = setInterval(() => {
      coordinator.renew(id, leaseToken, lockTtlMs).then(
        (kept) => {
          if (kept || stopped()) return;
          // Lost the lease (e.g. a long pause): someone else polls now; follow it.
          logger.warn({ poller: id, resource }, 'poll lease lost; following');
          holding = false;
          clearInterval(renewTimer);
          renewTimer = undefined;
          work?.abort();
          phase = 'following';
          followed = true;
          schedule('lead', jittered(followRetryMs, random));
        },
        () => undefined,
      );
    }, Math.max(1, Math.floor(lockTtlMs / 3)));
  }

  function onMessage(message: PollMessage) {
    if (stopped() || message.type === 'push') return;
    if (message.type === 'end') {
      endAll(gatewayError(message.code, message.message));
      return;
    }
    if (message.type === 'sync') {
      if (!holding) return; // not ours to answer; the asker asks again
      syncRequests.add(message.ref);
      requestPoll();
      return;
    }
    if (message.type === 'synced') {
      for (const [sub, member] of members) {
        const align = member.align;
        if (member.state !== 'aligning' || align === undefined || align.shared !== undefined || !message.refs.includes(align.ref)) continue;
        align.shared = message.cursor;
        clearTimeout(member.timer);
        delete member.timer;
        track(sweep(sub, member));
      }
      return;
    }
    // The stream of this instance now stands at the batch's end (the holder's own batches come back this way too).
    anchor = message.anchor;
    for (const [sub, member] of members) {
      if (member.state === 'live') sub.deliver(message.batch);
      else {
        member.buffer.push(message.batch);
        // Answered already: the batch comes after the answered poll, so the member will stand at its end.
        if (member.align?.shared !== undefined) member.align.shared = message.batch.cursor;
      }
    }
  }

  function settlePending() {
    for (const [sub, member] of members) if (member.state === 'pending') track(settle(sub, member));
  }

  /** A subscriber with `after`: live at once if it stands where the shared poller stands, else catch up first. */
  async function settle(sub: PollSubscriber, member: Member) {
    if (!sub.after) return goLive(sub, member);
    member.state = 'catching-up';
    let current = anchor;
    if (current === undefined) {
      // No batch received yet: the checkpoint says where the key stands (its batch's end while one is being published).
      const checkpoint = await checkpoints.get(id).catch(() => undefined);
      current = anchor ?? checkpoint?.publishing?.anchor ?? checkpoint?.anchor;
    }
    if (members.get(sub) !== member) return;
    if (current !== undefined && current === anchorOf(sub.after.position)) return goLive(sub, member);
    await catchUp(sub, member, sub.after);
  }

  async function catchUp(sub: PollSubscriber, member: Member, round: RoundState) {
    const controller = new AbortController();
    member.abort = controller;
    try {
      const { entries, end } = await pollRound(engine, { round, getToken: () => sub.getToken(), signal: controller.signal, pageSize });
      if (members.get(sub) !== member || controller.signal.aborted) return;
      const own = sealer(round);
      const resume = own(end);
      if (entries.length > 0) sub.deliver(buildBatch(entries, resume, own));
      // Shared batches that arrived meanwhile may start before the catch-up's end: drop none, but align first.
      startAligning(sub, member, { ...round, position: end }, resume);
    } catch (error) {
      if (members.get(sub) !== member || controller.signal.aborted) return;
      memberFailed(sub, member, error, 'catch-up', () => catchUp(sub, member, round));
    } finally {
      if (member.abort === controller) delete member.abort;
    }
  }

  /** A subscriber's own read failed: end it (410, auth) or try again later. */
  function memberFailed(sub: PollSubscriber, member: Member, error: unknown, what: string, again: () => Promise<void>) {
    const code = isGatewayError(error) ? error.extensions.code : undefined;
    if (code !== undefined && ENDS_SUBSCRIPTION.has(code)) return endMember(sub, error as GraphQLError);
    const delay = code === 'THROTTLED' ? Math.max(((error as GraphQLError).extensions.retryAfter ?? 0) * 1000, intervalMs) : backoff(intervalMs, 2, random);
    logger.warn({ poller: id, resource, code: code ?? 'INTERNAL', retryInMs: delay, err: code ? undefined : error }, `${what} failed; retrying`);
    member.timer = setTimeout(() => {
      member.timer = undefined;
      track(again());
    }, delay);
  }

  /** Caught up to `frontier` (ahead of the shared position): ask the holder for a poll that begins after now. */
  function startAligning(sub: PollSubscriber, member: Member, frontier: RoundState, resume: string) {
    const ref = randomUUID();
    member.state = 'aligning';
    member.align = { ref, frontier, resume };
    const ask = () => {
      if (members.get(sub) !== member || member.align?.ref !== ref || member.align.shared !== undefined) return;
      logger.debug({ poller: id, resource }, 'caught-up subscriber asks for a shared poll');
      void coordinator.publish(id, { type: 'sync', ref }).catch(() => undefined);
      member.timer = setTimeout(ask, syncRetryMs);
    };
    ask();
  }

  /**
   * The holder's answer came: read on from the catch-up's end and keep the removals (items the
   * shared reads may have left out), then hand over the buffered shared batches with them.
   */
  async function sweep(sub: PollSubscriber, member: Member) {
    const align = member.align;
    if (align === undefined || align.shared === undefined) return;
    const controller = new AbortController();
    member.abort = controller;
    try {
      const { entries } = await pollRound(engine, { round: align.frontier, getToken: () => sub.getToken(), signal: controller.signal, pageSize });
      if (members.get(sub) !== member || controller.signal.aborted) return;
      const shared = member.align?.shared ?? align.shared;
      const buffered = member.buffer.flatMap((batch) => batch.edges);
      const removals = buildBatch(entries.filter((e) => e.removed !== undefined), align.resume, () => align.resume).edges;
      const edges = [...buffered, ...removals];
      member.buffer = [];
      delete member.align;
      // A cursor inside this batch would stand between two reads: every edge resumes from before it (nothing lost).
      if (edges.length > 0) sub.deliver({ edges: edges.map((edge) => ({ node: edge.node, removed: edge.removed, cursor: align.resume })), cursor: shared });
      logger.debug({ poller: id, resource, removals: removals.length, buffered: buffered.length }, 'caught-up subscriber aligned');
      goLive(sub, member);
    } catch (error) {
      if (members.get(sub) !== member || controller.signal.aborted) return;
      memberFailed(sub, member, error, 'catch-up sweep', () => sweep(sub, member));
    } finally {
      if (member.abort === controller) delete member.abort;
    }
  }

  function goLive(sub: PollSubscriber, member: Member) {
    member.state = 'live';
    const buffered = member.buffer;
    member.buffer = [];
    for (const batch of buffered) sub.deliver(batch);
  }

  function forget(sub: PollSubscriber): Member | undefined {
    const member = members.get(sub);
    if (!member) return undefined;
    members.delete(sub);
    member.abort?.abort();
    clearTimeout(member.timer);
    member.buffer = [];
    return member;
  }

  function endMember(sub: PollSubscriber, error: GraphQLError) {
    forget(sub);
    sub.deliver({ end: error });
    sub.close();
    if (members.size === 0) void stop();
  }

  function endAll(error: GraphQLError | undefined) {
    for (const sub of [...members.keys()]) {
      forget(sub);
      if (error) sub.deliver({ end: error });
      sub.close();
    }
    void stop();
  }

  function stop(): Promise<void> {
    if (stopping) return stopping;
    phase = 'stopped';
    telemetry.stopped();
    clearTimeout(timer);
    clearInterval(renewTimer);
    timer = undefined;
    renewTimer = undefined;
    work?.abort();
    unlisten?.();
    unlisten = undefined;
    const wasHolding = holding;
    holding = false;
    const release = wasHolding ? coordinator.release(id, leaseToken).catch(() => undefined) : undefined;
    stopping = Promise.allSettled([...pending, release]).then(() => {
      logger.debug({ poller: id, resource }, 'poller stopped');
    });
    options.onStopped(stopping);
    return stopping;
  }

  /** Polls now, or right after the poll (or the start) under way. */
  function requestPoll() {
    if (work !== undefined || phase !== 'holding') {
      again = true;
      return;
    }
    schedule('poll', 0);
  }

  async function start() {
    phase = 'starting';
    try {
      const off = await coordinator.listen(id, onMessage);
      if (stopped()) return off();
      unlisten = off;
    } catch (error) {
      if (stopped()) return;
      logger.warn({ poller: id, resource, err: error }, 'poll coordinator unavailable');
      endAll(gatewayError('UPSTREAM_ERROR', 'Subscriptions are unavailable right now (the poll coordinator cannot be reached); retry later.'));
      return;
    }
    await run('lead');
  }

  return {
    join(sub) {
      if (stopped()) throw new Error('poller stopped');
      const member: Member = { state: sub.after ? 'pending' : 'live', buffer: [] };
      members.set(sub, member);
      if (phase === 'new') track(start());
      else if (member.state === 'pending' && (phase === 'holding' || phase === 'following')) track(settle(sub, member));
    },
    leave(sub) {
      if (!forget(sub)) return;
      if (members.size === 0) void stop();
    },
    pollNow() {
      if (stopped()) return;
      // Another instance polls: try the lease now (it may have gone); the holder got the same notice.
      if (phase === 'following') {
        if (work === undefined) schedule('lead', 0);
        return;
      }
      requestPoll();
    },
    close() {
      endAll(undefined);
      return stop();
    },
    stats() {
      let memberTimers = 0;
      let live = 0;
      for (const member of members.values()) {
        if (member.timer) memberTimers += 1;
        if (member.state === 'live') live += 1;
      }
      return {
        id,
        resource,
        phase,
        subscribers: members.size,
        live,
        holding,
        timers: (timer ? 1 : 0) + (renewTimer ? 1 : 0) + memberTimers,
        inFlight: pending.size,
      };
    },
  };
}

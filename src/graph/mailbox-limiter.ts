import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { MultiSemaphore } from 'redis-semaphore';
import type { Logger } from 'pino';
import { metrics } from '../telemetry/metrics.js';

/**
 * Outlook allows 4 requests in flight per app and mailbox (SPEC §6.5); beyond that it answers 429
 * MailboxConcurrency. The limiter keeps every Graph request (plain GET, `$batch`, poller) under
 * `limit` per mailbox: first come, first served in this process, and with Redis across every
 * instance that shares it (a semaphore whose leases expire, so a dead instance's slots come back).
 */
export interface MailboxLimiter {
  /**
   * Waits until each mailbox of `slots` grants that many slots (at most `limit` each); resolves to
   * the release. Rejects after `timeoutMs` (or when `signal` aborts) holding nothing.
   */
  acquire(slots: ReadonlyMap<string, number>, timeoutMs: number, signal?: AbortSignal): Promise<() => void>;
  close(): Promise<void>;
}

export interface MailboxLimiterOptions {
  /** GRAPH_MAILBOX_CONCURRENCY. @default 4 */
  limit?: number;
  /** `redis://…` (a Redis STORE_URL): the limit then holds across instances. */
  redisUrl?: string | undefined;
  /** Prefix of the semaphore keys. @default 'delta-gateway:mailbox:' */
  prefix?: string;
  /** A dead instance's slots are free again after this long. @default 10000 */
  leaseMs?: number;
  logger?: Pick<Logger, 'warn'>;
}

export class MailboxWaitTimeoutError extends Error {
  override readonly name = 'MailboxWaitTimeoutError';
}

/**
 * The mailbox a Graph URL reads: `/users/{id}/…` by that id; `/me/…` by the token's tenant and
 * object id (read, not verified: it only keys the limit; Graph checks the token), or a hash of the
 * token when it is not a JWT. Never logged or used as a label.
 */
export function mailboxOf(url: URL, token: string): string {
  const segments = url.pathname.split('/').filter(Boolean);
  const users = segments.findIndex((s) => s.toLowerCase() === 'users');
  if (users >= 0 && users <= 1 && segments[users + 1] !== undefined) {
    return `user:${safeDecode(segments[users + 1] as string).toLowerCase()}`;
  }
  return `me:${principalOfToken(token)}`;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function principalOfToken(token: string): string {
  const parts = token.split('.');
  if (parts.length === 3) {
    try {
      const claims = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as { tid?: unknown; oid?: unknown };
      if (typeof claims.oid === 'string') return `${typeof claims.tid === 'string' ? claims.tid : ''}/${claims.oid}`;
    } catch {
      // not a JWT after all
    }
  }
  return createHash('sha256').update(token).digest('base64url').slice(0, 22);
}

interface Waiter {
  n: number;
  grant: () => void;
}

/** A FIFO counting semaphore of one mailbox in this process: a waiter is served before any later one. */
class LocalSlots {
  used = 0;
  readonly queue: Waiter[] = [];
  constructor(readonly limit: number) {}

  take(n: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.queue.length === 0 && this.used + n <= this.limit) {
      this.used += n;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        n,
        grant: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const leave = (error: Error) => {
        const at = this.queue.indexOf(waiter);
        if (at >= 0) this.queue.splice(at, 1);
        signal?.removeEventListener('abort', onAbort);
        clearTimeout(timer);
        this.pump();
        reject(error);
      };
      const onAbort = () => leave(new Error('aborted'));
      const timer = setTimeout(() => leave(new MailboxWaitTimeoutError('no mailbox slot in time')), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  give(n: number): void {
    this.used -= n;
    this.pump();
  }

  private pump(): void {
    for (let head = this.queue[0]; head !== undefined && this.used + head.n <= this.limit; head = this.queue[0]) {
      this.queue.shift();
      this.used += head.n;
      head.grant();
    }
  }
}

export function createMailboxLimiter(options: MailboxLimiterOptions = {}): MailboxLimiter {
  const limit = Math.max(1, options.limit ?? 4);
  const prefix = options.prefix ?? 'delta-gateway:mailbox:';
  const leaseMs = options.leaseMs ?? 10_000;
  const mailboxes = new Map<string, LocalSlots>();
  /** Held shared leases: closing stops renewing them (on a closed connection a renewal would reject unhandled). */
  const leases = new Set<InstanceType<typeof MultiSemaphore>>();
  const redis = options.redisUrl ? new Redis(options.redisUrl, { maxRetriesPerRequest: 2, connectTimeout: 3000 }) : undefined;
  let lastWarned = 0;
  redis?.on('error', (error: Error) => {
    if (Date.now() - lastWarned < 10_000) return;
    lastWarned = Date.now();
    options.logger?.warn({ err: { message: error.message } }, 'mailbox limiter: Redis error');
  });

  const slotsOf = (mailbox: string) => {
    let slots = mailboxes.get(mailbox);
    if (!slots) mailboxes.set(mailbox, (slots = new LocalSlots(limit)));
    return slots;
  };
  const forget = (mailbox: string, slots: LocalSlots) => {
    if (slots.used === 0 && slots.queue.length === 0) mailboxes.delete(mailbox);
  };

  async function acquireOne(mailbox: string, n: number, deadline: number, signal?: AbortSignal): Promise<() => void> {
    const local = slotsOf(mailbox);
    try {
      await local.take(n, Math.max(0, deadline - Date.now()), signal);
    } catch (error) {
      forget(mailbox, local);
      throw error;
    }
    const releaseLocal = () => {
      local.give(n);
      forget(mailbox, local);
    };
    if (!redis) return releaseLocal;
    const key = `${prefix}${createHash('sha256').update(mailbox).digest('base64url').slice(0, 22)}`;
    const semaphore = new MultiSemaphore(redis, key, limit, n, {
      lockTimeout: leaseMs,
      refreshInterval: Math.floor(leaseMs / 3),
      acquireTimeout: Math.max(1, deadline - Date.now()),
      retryInterval: 10,
      onLockLost: () => undefined,
    });
    try {
      await semaphore.acquire(signal);
    } catch (error) {
      releaseLocal();
      throw signal?.aborted ? error : new MailboxWaitTimeoutError('no mailbox slot in time (shared limit)');
    }
    leases.add(semaphore);
    return () => {
      leases.delete(semaphore);
      semaphore.release().catch(() => undefined);
      releaseLocal();
    };
  }

  return {
    async acquire(slots, timeoutMs, signal) {
      const started = performance.now();
      const deadline = Date.now() + timeoutMs;
      const releases: (() => void)[] = [];
      // Sorted, so that two batches over the same mailboxes cannot each hold what the other waits for.
      try {
        for (const [mailbox, n] of [...slots].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
          releases.push(await acquireOne(mailbox, Math.min(limit, Math.max(1, n)), deadline, signal));
        }
      } catch (error) {
        for (const release of releases.reverse()) release();
        throw error;
      } finally {
        metrics.mailboxWait.observe((performance.now() - started) / 1000);
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        for (const release of releases.reverse()) release();
      };
    },
    async close() {
      for (const lease of leases) lease.stopRefresh();
      leases.clear();
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}

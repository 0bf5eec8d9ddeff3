import { randomUUID } from 'node:crypto';
import { graphError, notFound } from '../http/graph-error.js';
import type { Json, Store } from '../data/store.js';
import { allowed, EMULATOR_CLIENT_ID, type Principal } from '../identity/graph-auth.js';
import type { ItemChange } from './observe.js';
import { AREA, COLLECTION, covers, ODATA_TYPE, resolveCoverage, type Coverage } from './resources.js';

/** Knobs of the notification service (admin `PUT /_emulator/push/settings`). */
export interface PushSettings {
  /** Ceiling of a basic Outlook subscription's lifetime; may be a fraction for tests. Graph: 10,080 documented, 10,070 seen live. */
  maxLifetimeMinutes: number;
  /** A requested expiry nearer than this is raised to it (Graph: 45), never beyond the ceiling. */
  minLifetimeMinutes: number;
  /** Time an endpoint has to answer the validation request (Graph: 10 s). */
  validationTimeoutMs: number;
  /** Time an endpoint has to answer a notification POST (Graph: 3 s). */
  deliveryTimeoutMs: number;
  /** Changes within this window go out in one POST per URL. */
  batchWindowMs: number;
  /** Active subscriptions per mailbox (Graph: 1,000, all apps). */
  maxPerMailbox: number;
}

export const DEFAULT_PUSH_SETTINGS: Readonly<PushSettings> = Object.freeze({
  maxLifetimeMinutes: 10_070,
  minLifetimeMinutes: 45,
  validationTimeoutMs: 10_000,
  deliveryTimeoutMs: 3_000,
  batchWindowMs: 20,
  maxPerMailbox: 1_000,
});

const CHANGE_TYPES = new Set(['created', 'updated', 'deleted']);
export const LIFECYCLE_EVENTS = ['missed', 'reauthorizationRequired', 'subscriptionRemoved'] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

export interface Subscription {
  id: string;
  resource: string;
  changeType: string;
  changeTypes: ReadonlySet<string>;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expiresAt: number;
  tenantId: string;
  creatorId: string;
  coverage: Coverage;
  /** After `reauthorizationRequired`: notifications are held until reauthorize or PATCH. */
  needsReauthorization: boolean;
  held: Json[];
  timer?: NodeJS.Timeout;
}

/** One POST the service made, and how it was answered. */
export interface Delivery {
  kind: 'validation' | 'change' | 'lifecycle';
  url: string;
  at: string;
  /** Notification items in the POST (0 for validation). */
  items: number;
  subscriptionIds: string[];
  /** HTTP status, or undefined on a timeout or connection failure. */
  status: number | undefined;
  ms: number;
  outcome: 'ok' | 'failed' | 'timeout' | 'dropped';
}

export interface PushService {
  settings: PushSettings;
  create(principal: Principal, body: Json): Promise<Subscription>;
  get(principal: Principal, id: string): Subscription;
  list(principal: Principal): Subscription[];
  update(principal: Principal, id: string, body: Json): Promise<Subscription>;
  remove(principal: Principal, id: string): void;
  reauthorize(principal: Principal, id: string): void;
  render(sub: Subscription, origin: string, withClientState: boolean): Json;
  /** Store writes call this (see observeStore). */
  onChange(change: ItemChange): void;
  /** Admin: sends a lifecycle event to one subscription or all; `subscriptionRemoved` also deletes them. */
  sendLifecycle(event: LifecycleEvent, subscriptionId: string | undefined, options?: { organizationId?: boolean }): number;
  /** Admin: the next `count` notification items are dropped (lost, as Graph's drop state loses them). */
  drop(count: number): void;
  /** Admin: every later delivery waits this long first (0: off). */
  delay(ms: number): void;
  deliveries(): Delivery[];
  clearDeliveries(): void;
  all(): Subscription[];
  /** Forgets every subscription (emulator reset). */
  clear(): void;
}

const isLoopback = (host: string) => host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
const iso = (ms: number) => new Date(ms).toISOString().replace(/Z$/, '0000Z');

function checkUrl(value: unknown, field: string, required: boolean): string | null {
  if (value === undefined || value === null) {
    if (required) throw graphError(400, 'InvalidRequest', `The '${field}' property is required.`);
    return null;
  }
  if (typeof value !== 'string') throw graphError(400, 'InvalidRequest', `Invalid '${field}' attribute.`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw graphError(400, 'InvalidRequest', `Invalid ${field} '${value.slice(0, 200)}'.`);
  }
  // Graph requires https. The emulator also takes http to a loopback host, a test-only departure from Graph.
  if (url.protocol === 'https:') return value;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return value;
  const scheme = url.protocol.replace(/:$/, '');
  throw graphError(400, 'InvalidRequest', `${field === 'notificationUrl' ? 'NotificationUrl' : 'LifecycleNotificationUrl'} scheme='${scheme}' is not supported.`);
}

function withQuery(url: string, key: string, value: string): string {
  const u = new URL(url);
  u.searchParams.append(key, value);
  return u.toString();
}

export function createPushService(getStore: () => Store): PushService {
  const subs = new Map<string, Subscription>();
  const log: Delivery[] = [];
  const queues = new Map<string, { kind: 'change' | 'lifecycle'; items: Json[]; timer: NodeJS.Timeout }>();
  let dropNext = 0;
  let delayMs = 0;
  const settings: PushSettings = { ...DEFAULT_PUSH_SETTINGS };

  function record(delivery: Delivery) {
    log.push(delivery);
    if (log.length > 10_000) log.splice(0, log.length - 10_000);
  }

  async function post(kind: Delivery['kind'], url: string, body: string, contentType: string, timeoutMs: number, items: Json[]) {
    const started = Date.now();
    const base = { kind, url, at: new Date(started).toISOString(), items: items.length, subscriptionIds: [...new Set(items.map((i) => String(i['subscriptionId'])))] };
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body, signal: AbortSignal.timeout(timeoutMs) });
      const text = await res.text();
      const outcome: Delivery['outcome'] = res.status >= 200 && res.status < 300 ? 'ok' : 'failed';
      record({ ...base, status: res.status, ms: Date.now() - started, outcome });
      return { status: res.status, contentType: res.headers.get('content-type') ?? '', text };
    } catch (error) {
      const timeout = (error as Error).name === 'TimeoutError';
      record({ ...base, status: undefined, ms: Date.now() - started, outcome: timeout ? 'timeout' : 'failed' });
      return timeout ? 'timeout' : 'failed';
    }
  }

  /** The validation handshake: the URL must answer 200, text/plain, the decoded token, in time. */
  async function validate(url: string): Promise<void> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const answer = await post('validation', withQuery(url, 'validationToken', token), '', 'text/plain; charset=utf-8', settings.validationTimeoutMs, []);
    if (answer === 'timeout') throw graphError(400, 'InvalidRequest', 'Subscription validation request timed out.');
    if (answer === 'failed' || answer.status !== 200 || !/^text\/plain\b/i.test(answer.contentType) || answer.text !== token) {
      throw graphError(400, 'ValidationError', 'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.');
    }
  }

  function expiryOf(value: unknown, now: number): number {
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw graphError(400, 'InvalidRequest', "Invalid 'expirationDateTime' attribute.");
    const requested = Date.parse(value);
    const max = settings.maxLifetimeMinutes * 60_000;
    if (requested - now > max) {
      throw graphError(400, 'ExtensionError', `Subscription expiration can only be ${settings.maxLifetimeMinutes} minutes in the future.`);
    }
    const min = Math.min(settings.minLifetimeMinutes * 60_000, max);
    return Math.max(requested, now + min);
  }

  function arm(sub: Subscription) {
    clearTimeout(sub.timer);
    const wait = Math.min(Math.max(0, sub.expiresAt - Date.now()), 2 ** 31 - 1);
    sub.timer = setTimeout(() => {
      if (Date.now() < sub.expiresAt) return arm(sub);
      // At expiry Graph deletes the subscription and stops delivering.
      subs.delete(sub.id);
    }, wait);
    sub.timer.unref();
  }

  function visible(principal: Principal, sub: Subscription): boolean {
    return sub.tenantId === principal.tenantId && (principal.appOnly || sub.creatorId === principal.userId);
  }

  function own(principal: Principal, id: string): Subscription {
    const sub = subs.get(id);
    if (!sub || !visible(principal, sub)) throw notFound(`The object '${id.slice(0, 80)}' doesn't exist.`);
    return sub;
  }

  function enqueue(kind: 'change' | 'lifecycle', url: string, item: Json) {
    const key = `${kind} ${url}`;
    const queue = queues.get(key);
    if (queue) {
      queue.items.push(item);
      return;
    }
    const timer = setTimeout(() => void flush(key, url), settings.batchWindowMs);
    queues.set(key, { kind, items: [item], timer });
  }

  async function flush(key: string, url: string) {
    const queue = queues.get(key);
    queues.delete(key);
    if (!queue) return;
    let items = queue.items;
    if (queue.kind === 'change' && dropNext > 0) {
      const dropped = items.slice(0, dropNext);
      items = items.slice(dropped.length);
      dropNext -= dropped.length;
      record({
        kind: 'change', url, at: new Date().toISOString(), items: dropped.length,
        subscriptionIds: [...new Set(dropped.map((i) => String(i['subscriptionId'])))], status: undefined, ms: 0, outcome: 'dropped',
      });
    }
    if (items.length === 0) return;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    await post(queue.kind, url, JSON.stringify({ value: items }), 'application/json; charset=utf-8', settings.deliveryTimeoutMs, items);
  }

  function notificationFor(sub: Subscription, change: ItemChange): Json {
    const resource = `Users/${change.userId}/${COLLECTION[change.kind]}/${change.itemId}`;
    return {
      id: randomUUID().replace(/-/g, '').slice(0, 13),
      subscriptionId: sub.id,
      subscriptionExpirationDateTime: iso(sub.expiresAt),
      changeType: change.changeType,
      resource,
      resourceData: { '@odata.type': ODATA_TYPE[change.kind], '@odata.id': resource, '@odata.etag': `W/"${randomUUID().slice(0, 8)}"`, id: change.itemId },
      clientState: sub.clientState,
      tenantId: sub.tenantId,
    };
  }

  function release(sub: Subscription) {
    sub.needsReauthorization = false;
    const held = sub.held;
    sub.held = [];
    for (const item of held) enqueue('change', sub.notificationUrl, item);
  }

  return {
    settings,
    async create(principal, body) {
      const store = getStore();
      const changeType = body['changeType'];
      const types = typeof changeType === 'string' ? changeType.split(',').map((t) => t.trim()) : [];
      if (types.length === 0 || types.some((t) => !CHANGE_TYPES.has(t))) {
        throw graphError(400, 'InvalidRequest', `Invalid 'changeType' attribute: '${String(changeType).slice(0, 100)}'.`);
      }
      const notificationUrl = checkUrl(body['notificationUrl'], 'notificationUrl', true) as string;
      const lifecycleNotificationUrl = checkUrl(body['lifecycleNotificationUrl'], 'lifecycleNotificationUrl', false);
      const resource = body['resource'];
      if (typeof resource !== 'string' || resource === '') throw graphError(400, 'InvalidRequest', "The 'resource' property is required.");
      const clientState = body['clientState'];
      if (clientState !== undefined && clientState !== null && (typeof clientState !== 'string' || clientState.length > 128)) {
        throw graphError(400, 'InvalidRequest', "The 'clientState' property must be a string of at most 128 characters.");
      }
      if (body['includeResourceData'] === true) {
        throw graphError(400, 'InvalidRequest', 'A subscription with includeResourceData requires an encryptionCertificate.');
      }
      const now = Date.now();
      const expiresAt = expiryOf(body['expirationDateTime'], now);
      const coverage = resolveCoverage(store, principal, resource);
      if (!allowed(principal, AREA[coverage.kind], false, coverage.userId)) {
        throw graphError(403, 'ExtensionError', 'Operation: Create; Exception: [Status Code: Forbidden; Reason: Forbidden]');
      }
      const sorted = [...types].sort().join(',');
      for (const other of subs.values()) {
        const same = other.coverage;
        if (other.tenantId === principal.tenantId && same.userId === coverage.userId && same.kind === coverage.kind && same.containerId === coverage.containerId && [...other.changeTypes].sort().join(',') === sorted) {
          throw graphError(409, 'ObjectIdentifierInUse', `Subscription Id ${other.id} already exists for the requested combination`);
        }
      }
      if ([...subs.values()].filter((s) => s.coverage.userId === coverage.userId).length >= settings.maxPerMailbox) {
        throw graphError(403, 'ExtensionError', `Operation: Create; Exception: [Status Code: Forbidden; Reason: The mailbox has reached its limit of ${settings.maxPerMailbox} subscriptions.]`);
      }
      // The handshake, before the subscription exists: both URLs (twice if they are the same).
      await validate(notificationUrl);
      if (lifecycleNotificationUrl !== null) await validate(lifecycleNotificationUrl);
      const sub: Subscription = {
        id: randomUUID(),
        resource,
        changeType: types.join(','),
        changeTypes: new Set(types),
        notificationUrl,
        lifecycleNotificationUrl,
        clientState: typeof clientState === 'string' ? clientState : null,
        expiresAt,
        tenantId: principal.tenantId,
        creatorId: principal.userId ?? EMULATOR_CLIENT_ID,
        coverage,
        needsReauthorization: false,
        held: [],
      };
      subs.set(sub.id, sub);
      arm(sub);
      return sub;
    },
    get: own,
    list: (principal) => [...subs.values()].filter((sub) => visible(principal, sub)),
    async update(principal, id, body) {
      const sub = own(principal, id);
      if ('lifecycleNotificationUrl' in body) throw graphError(400, 'InvalidRequest', 'lifecycleNotificationUrl cannot be updated; delete the subscription and create a new one.');
      const hasExpiry = body['expirationDateTime'] !== undefined && body['expirationDateTime'] !== null;
      const hasUrl = body['notificationUrl'] !== undefined && body['notificationUrl'] !== null;
      if (!hasExpiry && !hasUrl) {
        throw graphError(400, 'InvalidRequest', "Subscription must contain either the 'expirationDateTime' or 'notificationUrl' property and its value.");
      }
      const expiresAt = hasExpiry ? expiryOf(body['expirationDateTime'], Date.now()) : sub.expiresAt;
      let url = sub.notificationUrl;
      if (hasUrl) {
        url = checkUrl(body['notificationUrl'], 'notificationUrl', true) as string;
        if (url !== sub.notificationUrl) await validate(url);
      }
      if (!subs.has(sub.id)) throw notFound(`The object '${id.slice(0, 80)}' doesn't exist.`);
      sub.expiresAt = expiresAt;
      sub.notificationUrl = url;
      arm(sub);
      // A renewal also reauthorizes.
      release(sub);
      return sub;
    },
    remove(principal, id) {
      const sub = own(principal, id);
      clearTimeout(sub.timer);
      subs.delete(sub.id);
    },
    reauthorize(principal, id) {
      release(own(principal, id));
    },
    render(sub, origin, withClientState) {
      return {
        '@odata.context': `${origin}/v1.0/$metadata#subscriptions/$entity`,
        id: sub.id,
        resource: sub.resource,
        applicationId: EMULATOR_CLIENT_ID,
        changeType: sub.changeType,
        clientState: withClientState ? sub.clientState : null,
        notificationUrl: sub.notificationUrl,
        notificationQueryOptions: null,
        notificationContentType: null,
        lifecycleNotificationUrl: sub.lifecycleNotificationUrl,
        expirationDateTime: iso(sub.expiresAt),
        creatorId: sub.creatorId,
        includeResourceData: false,
        latestSupportedTlsVersion: 'v1_2',
        encryptionCertificate: null,
        encryptionCertificateId: null,
        notificationUrlAppId: null,
      };
    },
    onChange(change) {
      const now = Date.now();
      for (const sub of subs.values()) {
        if (sub.expiresAt <= now || !sub.changeTypes.has(change.changeType) || !covers(sub.coverage, change)) continue;
        const item = notificationFor(sub, change);
        if (sub.needsReauthorization) sub.held.push(item);
        else enqueue('change', sub.notificationUrl, item);
      }
    },
    sendLifecycle(event, subscriptionId, options = {}) {
      const targets = subscriptionId === undefined ? [...subs.values()] : [subs.get(subscriptionId)].filter((s): s is Subscription => s !== undefined);
      if (subscriptionId !== undefined && targets.length === 0) throw notFound('No such subscription.');
      let sent = 0;
      for (const sub of targets) {
        if (event === 'reauthorizationRequired') sub.needsReauthorization = true;
        if (event === 'subscriptionRemoved') {
          clearTimeout(sub.timer);
          subs.delete(sub.id);
        }
        // Subscriptions created without a lifecycle URL get no lifecycle notifications.
        if (sub.lifecycleNotificationUrl === null) continue;
        enqueue('lifecycle', sub.lifecycleNotificationUrl, {
          subscriptionId: sub.id,
          subscriptionExpirationDateTime: iso(sub.expiresAt),
          ...(options.organizationId ? { organizationId: sub.tenantId } : { tenantId: sub.tenantId }),
          clientState: sub.clientState,
          lifecycleEvent: event,
        });
        sent += 1;
      }
      return sent;
    },
    drop(count) {
      dropNext = count;
    },
    delay(ms) {
      delayMs = ms;
    },
    deliveries: () => [...log],
    clearDeliveries() {
      log.length = 0;
    },
    all: () => [...subs.values()],
    clear() {
      for (const sub of subs.values()) clearTimeout(sub.timer);
      subs.clear();
    },
  };
}

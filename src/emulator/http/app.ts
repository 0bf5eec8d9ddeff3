import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAdminRoutes, type AdminContext } from '../admin/routes.js';
import { createTokenAuthority, type Principal, type TokenAuthority } from '../identity/graph-auth.js';
import { createDeltaEngine, type DeltaEngine } from '../delta/engine.js';
import { createFaultRegistry, type FaultRegistry, type LinkKind } from './faults.js';
import { createGraphRoutes, type GraphContext } from '../graph/routes.js';
import { planBatch, runBatch, type BatchItem } from '../graph/batch.js';
import { errorBody, GraphError, graphError, notFound } from './graph-error.js';
import { BodyTooLargeError, parseJsonObject, readBody } from './body.js';
import { createIdentity } from '../identity/index.js';
import { parsePrefer } from './prefer.js';
import { DEFAULT_REALISM, type RealismSettings } from './realism.js';
import { createRequestLog, type RequestLog } from './request-log.js';
import type { Reply } from './router.js';
import { splitPath } from './router.js';
import { DEMO_TENANT_ID, type SeedOptions } from '../data/seed.js';
import { seedFor } from '../data/seed-adapter.js';
import { createStore, type Json, type Store, type UserState } from '../data/store.js';
import { observeStore } from '../push/observe.js';
import { createPushAdminRoutes, createSubscriptionRoutes, handleSubscriptions } from '../push/routes.js';
import { createPushService, type PushService } from '../push/service.js';

/** Mutable state of one emulator instance; `reset` swaps store and engine (old tokens then answer 410). */
export interface EmulatorState {
  store: Store;
  engine: DeltaEngine;
  readonly authority: TokenAuthority;
  readonly faults: FaultRegistry;
  readonly log: RequestLog;
  /** Highest number of Graph requests in flight per mailbox since the last reset (batch inner requests count). */
  readonly mailboxPeaks: Map<string, number>;
  realism: RealismSettings;
  /**
   * Origin written into nextLinks/deltaLinks instead of the request's own (e.g. `https://graph.bench.example`
   * for a client that follows only https links while it reaches the emulator over plain TCP); undefined = the request's.
   */
  linkOrigin: string | undefined;
  /** Change notifications (subscriptions, validation, delivery). */
  readonly push: PushService;
  reset(seed: SeedOptions): void;
}

/** One Graph request: a plain one, or one inside a `$batch` (executed by the same code). */
interface GraphCall {
  method: string;
  url: URL;
  headers: Record<string, string | string[] | undefined>;
  body(): Promise<Json>;
  origin: string;
  requestId: string;
  clientRequestId: string;
  /** For a request inside a `$batch`: the batch's request-id and this request's id in it. */
  batch?: { requestId: string; item: string };
}

export interface EmulatorApp {
  readonly state: EmulatorState;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

export async function createEmulatorApp(seed: SeedOptions, realism: Partial<RealismSettings> = {}): Promise<EmulatorApp> {
  const authority = await createTokenAuthority(DEMO_TENANT_ID);
  const push = createPushService(() => state.store);
  const build = (options: SeedOptions) => {
    // Every item write also reaches the notification service.
    const store = observeStore(createStore(seedFor(options)), (change) => push.onChange(change));
    return { store, engine: createDeltaEngine(() => store.seq, (id) => store.exceptionsOf(id)) };
  };
  const state: EmulatorState = {
    ...build(seed),
    authority,
    faults: createFaultRegistry(),
    log: createRequestLog(),
    mailboxPeaks: new Map(),
    realism: { ...DEFAULT_REALISM, ...realism },
    linkOrigin: undefined,
    push,
    reset(options) {
      const next = build(options);
      push.clear();
      state.engine.clear();
      state.store = next.store;
      state.engine = next.engine;
    },
  };
  const graphRoutes = createGraphRoutes();
  const inFlight = new Map<string, number>();
  const adminRoutes = createAdminRoutes();
  const subscriptionRoutes = createSubscriptionRoutes();
  const pushAdminRoutes = createPushAdminRoutes();
  const identity = createIdentity(state);

  function send(res: ServerResponse, requestId: string, clientRequestId: string, reply: Reply): void {
    if (res.headersSent || res.destroyed) return;
    const headers: Record<string, string> = { 'request-id': requestId, 'client-request-id': clientRequestId, ...reply.headers };
    if (reply.body === undefined) {
      res.writeHead(reply.status, headers).end();
      return;
    }
    const json = JSON.stringify(reply.body);
    headers['Content-Type'] = 'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8';
    headers['Content-Length'] = String(Buffer.byteLength(json));
    res.writeHead(reply.status, headers).end(json);
  }

  function errorReply(err: unknown, requestId: string, clientRequestId: string): Reply {
    const body = (code: string, message: string) => errorBody(code, message, requestId, new Date(), {}, clientRequestId);
    if (err instanceof GraphError) {
      return { status: err.status, headers: { ...err.headers }, body: body(err.code, err.message) };
    }
    if (err instanceof BodyTooLargeError) {
      return {
        status: 413,
        headers: { Connection: 'close' },
        body: body('RequestEntityTooLarge', 'The request body is larger than the 4 MB Graph accepts.'),
      };
    }
    return { status: 500, body: body('generalException', 'An unspecified error has occurred.') };
  }

  function originOf(req: IncomingMessage): string {
    const host = req.headers.host;
    const local = req.socket.localAddress ?? '127.0.0.1';
    const fallback = `http://${local.includes(':') ? `[${local}]` : local}:${req.socket.localPort ?? 0}`;
    return host !== undefined && /^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host) ? `http://${host}` : fallback;
  }

  function bodyReader(req: IncomingMessage): () => Promise<Json> {
    let memo: Promise<Json> | undefined;
    return () => (memo ??= readBody(req).then(parseJsonObject));
  }

  function linkKind(segments: readonly string[], search: URLSearchParams): LinkKind | undefined {
    if (segments[segments.length - 1]?.toLowerCase() !== 'delta') return undefined;
    for (const key of search.keys()) {
      const k = key.toLowerCase();
      if (k === '$skiptoken') return 'skip';
      if (k === '$deltatoken' && search.get(key) !== '') return 'delta';
    }
    return 'initial';
  }

  /** Resolves `me` / `users/{id}` and runs the Graph route below it. */
  async function dispatchGraph(
    call: GraphCall,
    segments: string[],
    version: 'v1.0' | 'beta',
    principal: Principal | 'admin',
    userSegmentsStart: number,
  ): Promise<Reply> {
    const { url, origin } = call;
    const method = call.method;
    const first = segments[userSegmentsStart]?.toLowerCase();
    let restStart: number;
    let userId: string | undefined;
    if (first === 'me') {
      if (principal === 'admin') throw notFound();
      if (principal.appOnly) throw graphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
      userId = principal.userId;
      restStart = userSegmentsStart + 1;
    } else if (first === 'users' && segments.length > userSegmentsStart + 1) {
      userId = segments[userSegmentsStart + 1];
      restStart = userSegmentsStart + 2;
    } else if (first === 'users' && method === 'GET') {
      return { status: 200, body: { '@odata.context': `${origin}/${version}/$metadata#users`, value: state.store.users().map((u) => u.profile) } };
    } else {
      throw graphError(400, 'BadRequest', `Resource not found for the segment '${segments[userSegmentsStart] ?? ''}'.`);
    }
    const user = userId === undefined ? undefined : state.store.user(userId);
    if (!user) throw graphError(404, 'ErrorItemNotFound', 'The user was not found in the directory.');
    const rest = segments.slice(restStart);
    const match = graphRoutes.match(method, rest);
    if (match === undefined) throw graphError(400, 'BadRequest', `Resource not found for the segment '${rest[rest.length - 1] ?? ''}'.`);
    if (match === 'method') throw graphError(405, 'BadRequest', 'Specified HTTP method is not allowed for the request target.');
    if (principal !== 'admin') return throttled(user.profile.id, () => match.handler(ctxFor(user), match.params));
    return match.handler(ctxFor(user), match.params);

    function ctxFor(u: UserState): GraphContext {
      return {
        store: state.store,
        engine: state.engine,
        realism: state.realism,
        principal,
        user: u,
        version,
        // Graph requests write links with the configured link origin, if any (admin mirrors keep their own).
        root: `${principal === 'admin' ? origin : (state.linkOrigin ?? origin)}/${version}`,
        path: principal === 'admin' ? `/${segments.slice(userSegmentsStart).map(encodeURIComponent).join('/')}` : url.pathname.slice(version.length + 1),
        search: url.searchParams,
        rawSearch: url.search,
        prefs: parsePrefer(headerList(call.headers['prefer'])),
        body: call.body,
      };
    }
  }

  /** Latency and the per-mailbox concurrency limit both apply while a request is in flight. */
  async function throttled(mailbox: string, run: () => Reply | Promise<Reply>): Promise<Reply> {
    const limit = state.realism.mailboxConcurrency;
    const current = inFlight.get(mailbox) ?? 0;
    if (limit > 0 && current >= limit) {
      throw Object.assign(graphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', { 'Retry-After': '1' }), {
        extra: { code: '429', status: '429', message: 'Please retry after' },
      });
    }
    inFlight.set(mailbox, current + 1);
    state.mailboxPeaks.set(mailbox, Math.max(state.mailboxPeaks.get(mailbox) ?? 0, current + 1));
    try {
      if (state.realism.latencyMs > 0) await sleep(state.realism.latencyMs);
      return await run();
    } finally {
      const left = (inFlight.get(mailbox) ?? 1) - 1;
      if (left > 0) inFlight.set(mailbox, left);
      else inFlight.delete(mailbox);
    }
  }

  async function handleGraph(call: GraphCall, segments: string[]): Promise<Reply> {
    const versionRaw = segments[0] ?? '';
    const version = versionRaw.toLowerCase() === 'v1.0' ? 'v1.0' : versionRaw.toLowerCase() === 'beta' ? 'beta' : undefined;
    if (version === undefined) throw graphError(400, 'BadRequest', `Invalid version: ${versionRaw.slice(0, 40)}`);
    const fault = state.faults.take({ method: call.method, path: call.url.pathname, link: linkKind(segments, call.url.searchParams) });
    if (fault) throw Object.assign(graphError(fault.status, fault.code, fault.message, fault.headers), { extra: fault.extra });
    const principal = await state.authority.verify(firstHeader(call.headers['authorization']));
    if (segments.length === 2 && segments[1]?.toLowerCase() === '$batch') {
      if (call.batch) throw graphError(400, 'BadRequest', 'A batch cannot contain another batch.');
      if (call.method !== 'POST') throw graphError(405, 'BadRequest', 'Specified HTTP method is not allowed for the request target.');
      return handleBatch(call, version);
    }
    const subscriptions = await handleSubscriptions(subscriptionRoutes, call.method, segments.slice(1), { push, principal, origin: call.origin, body: call.body });
    if (subscriptions !== undefined) return subscriptions;
    return dispatchGraph(call, segments, version, principal, 1);
  }

  /** `POST /{version}/$batch`: every inner request runs through {@link executeGraph}, as a plain request would. */
  async function handleBatch(call: GraphCall, version: 'v1.0' | 'beta'): Promise<Reply> {
    const plan = planBatch(await call.body());
    const runItem = (item: BatchItem): Promise<Reply> => {
      let url: URL;
      try {
        url = new URL(`/${version}/${item.url}`, 'http://emulator.invalid');
      } catch {
        return Promise.resolve({ status: 400, body: errorBody('BadRequest', 'Invalid request URL.', randomUUID(), new Date()) });
      }
      const requestId = randomUUID();
      const inner: GraphCall = {
        method: item.method,
        url,
        headers: { ...item.headers, authorization: firstHeader(call.headers['authorization']) },
        body: () => Promise.resolve(item.body ?? {}),
        origin: call.origin,
        requestId,
        clientRequestId: item.headers['client-request-id']?.slice(0, 64).replace(/[^\w-]/g, '') || requestId,
        batch: { requestId: call.requestId, item: item.id },
      };
      return executeGraph(inner);
    };
    const responses = await runBatch(plan, runItem);
    return { status: 200, body: { responses } };
  }

  /** Runs one Graph request (faults, auth, routes, throttling) and records it in the request log. */
  async function executeGraph(call: GraphCall): Promise<Reply> {
    const at = new Date().toISOString();
    let reply: Reply;
    try {
      const segments = splitPath(call.url.pathname);
      if (segments === undefined) throw graphError(400, 'BadRequest', 'The request URL is malformed.');
      reply = await handleGraph(call, segments);
    } catch (err) {
      reply = errorReplyWithExtra(err, call.requestId, call.clientRequestId);
    }
    state.log.add({
      method: call.method,
      path: call.url.pathname,
      query: Object.fromEntries(call.url.searchParams),
      headers: loggedHeaders(call.headers),
      status: reply.status,
      at,
      requestId: call.requestId,
      ...(call.batch ? { batch: call.batch.requestId, batchItem: call.batch.item } : {}),
    });
    return reply;
  }

  function errorReplyWithExtra(err: unknown, requestId: string, clientRequestId: string): Reply {
    const reply = errorReply(err, requestId, clientRequestId);
    const extra = (err as { extra?: Record<string, unknown> } | null)?.extra;
    if (extra && reply.body) {
      const inner = (reply.body as { error: { innerError: Record<string, unknown> } }).error.innerError;
      Object.assign(inner, extra);
    }
    return reply;
  }

  async function handleAdmin(req: IncomingMessage, url: URL, segments: string[], origin: string): Promise<Reply> {
    // /_emulator/users/{id}/… mirrors the Graph routes without auth, faults or latency.
    if (segments[1]?.toLowerCase() === 'users' && segments.length > 3) {
      const call: GraphCall = { method: req.method ?? 'GET', url, headers: req.headers, body: bodyReader(req), origin, requestId: '', clientRequestId: '' };
      return dispatchGraph(call, segments, 'v1.0', 'admin', 1);
    }
    const rest = segments.slice(1);
    if (rest[0]?.toLowerCase() === 'push') {
      const pushMatch = pushAdminRoutes.match(req.method ?? 'GET', rest);
      if (pushMatch === undefined) throw graphError(404, 'NotFound', `No admin route ${req.method ?? ''} /${segments.join('/')}.`);
      if (pushMatch === 'method') throw graphError(405, 'MethodNotAllowed', 'Specified HTTP method is not allowed for the request target.');
      return pushMatch.handler({ push, body: bodyReader(req) }, pushMatch.params);
    }
    const match = adminRoutes.match(req.method ?? 'GET', rest);
    if (match === undefined) throw graphError(404, 'NotFound', `No admin route ${req.method ?? ''} /${segments.join('/')}.`);
    if (match === 'method') throw graphError(405, 'MethodNotAllowed', 'Specified HTTP method is not allowed for the request target.');
    const ctx: AdminContext = { state, origin, body: bodyReader(req) };
    return match.handler(ctx, match.params);
  }

  return {
    state,
    handle(req, res) {
      const requestId = randomUUID();
      const clientRequestId = firstHeader(req.headers['client-request-id'])?.slice(0, 64).replace(/[^\w-]/g, '') || requestId;
      const run = async (): Promise<Reply> => {
        let url: URL;
        try {
          url = new URL(req.url ?? '/', 'http://emulator.invalid');
        } catch {
          throw graphError(400, 'BadRequest', 'The request URL is malformed.');
        }
        const segments = splitPath(url.pathname);
        if (segments === undefined) throw graphError(400, 'BadRequest', 'The request URL is malformed.');
        const origin = originOf(req);
        // Login-host routes (OpenID configuration, JWKS, token endpoint) and the admin API stay out of the Graph request log.
        const identityReply = identity.handle(req, url, segments, origin);
        if (identityReply !== undefined) return identityReply;
        if (segments[0] === '_emulator') return handleAdmin(req, url, segments, origin);
        return executeGraph({ method: req.method ?? 'GET', url, headers: req.headers, body: bodyReader(req), origin, requestId, clientRequestId });
      };
      run()
        .catch((err: unknown) => errorReplyWithExtra(err, requestId, clientRequestId))
        .then((reply) => {
          // A body the handler never read is drained, so keep-alive connections stay usable.
          if (!req.readableEnded) req.resume();
          send(res, requestId, clientRequestId, reply);
        })
        .catch(() => {
          if (!res.headersSent) res.writeHead(500).end();
        });
    },
  };
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function headerList(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function loggedHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (k === 'authorization' || v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

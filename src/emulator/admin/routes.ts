import type { EmulatorState } from '../http/app.js';
import { validateFault } from '../http/faults.js';
import { badRequest, graphError } from '../http/graph-error.js';
import { mergeRealism } from '../http/realism.js';
import { createRouter, type Router } from '../http/router.js';
import type { Json } from '../data/store.js';

export interface AdminContext {
  readonly state: EmulatorState;
  readonly origin: string;
  body(): Promise<Json>;
}

const SYNC_CODES = new Set(['syncStateNotFound', 'resyncRequired', 'SyncStateNotFound', 'syncStateInvalid']);

/** The token inside a nextLink/deltaLink, or the value itself when it is a bare token. */
export function tokenOf(link: string): string {
  const q = link.indexOf('?');
  if (q < 0) return link;
  for (const [k, v] of new URLSearchParams(link.slice(q + 1))) {
    const key = k.toLowerCase();
    if (key === '$skiptoken' || key === '$deltatoken') return v;
  }
  return link;
}

function optionalString(body: Json, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`'${key}' must be a string.`);
  return v;
}

function optionalStrings(body: Json, key: string): string[] | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw badRequest(`'${key}' must be an array of strings.`);
  return v as string[];
}

/** The admin API under /_emulator/ (no auth; for tests, demos and CI). */
export function createAdminRoutes(): Router<AdminContext> {
  const r = createRouter<AdminContext>();
  r.on('GET', 'health', () => ({ status: 200, body: { status: 'ok' } }));
  r.on('GET', 'jwks', (ctx) => ({ status: 200, body: ctx.state.authority.jwks }));
  r.on('GET', 'users', (ctx) => ({
    status: 200,
    body: { tenantId: ctx.state.store.tenantId, value: ctx.state.store.users().map((u) => u.profile) },
  }));

  r.on('POST', 'tokens', async (ctx) => {
    const body = await ctx.body();
    const appOnly = body['appOnly'];
    if (appOnly !== undefined && typeof appOnly !== 'boolean') throw badRequest("'appOnly' must be a boolean.");
    const expiresIn = body['expiresIn'];
    if (expiresIn !== undefined && (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn < -86_400 * 365 || expiresIn > 86_400 * 365)) {
      throw badRequest("'expiresIn' must be a number of seconds.");
    }
    const { store } = ctx.state;
    const who = optionalString(body, 'user');
    const defaultUser = store.users()[0];
    const user = who === undefined ? defaultUser : store.user(who);
    if (!appOnly && !user) throw graphError(404, 'ErrorItemNotFound', 'The user was not found in the directory.');
    const minted = await ctx.state.authority.mint({
      tenantId: optionalString(body, 'tenantId') ?? store.tenantId,
      user: user?.profile,
      appOnly: appOnly === true,
      roles: optionalStrings(body, 'roles'),
      scopes: optionalStrings(body, 'scopes'),
      expiresIn: expiresIn as number | undefined,
    });
    return { status: 200, body: minted };
  });

  r.on('POST', 'tokens/expire', async (ctx) => {
    const body = await ctx.body();
    const code = optionalString(body, 'code') ?? 'syncStateNotFound';
    if (!SYNC_CODES.has(code)) throw badRequest(`'code' must be one of ${[...SYNC_CODES].join(', ')}.`);
    if (body['all'] === true) {
      ctx.state.engine.expireAll(code);
      return { status: 200, body: { expired: 'all', code } };
    }
    const link = optionalString(body, 'link');
    if (link === undefined) throw badRequest("Give 'link' (a nextLink, deltaLink or bare token) or 'all': true.");
    const found = ctx.state.engine.expire(tokenOf(link), code);
    if (!found) throw graphError(404, 'ErrorItemNotFound', 'No such token.');
    return { status: 200, body: { expired: 1, code } };
  });

  r.on('POST', 'reset', async (ctx) => {
    const body = await ctx.body();
    const seed = body['seed'] ?? 'demo';
    if (seed !== 'demo' && seed !== 'empty') throw badRequest("'seed' must be 'demo' or 'empty'.");
    const messages = body['messages'];
    if (messages !== undefined && (typeof messages !== 'number' || !Number.isInteger(messages) || messages < 0 || messages > 1_000_000)) {
      throw badRequest("'messages' must be an integer between 0 and 1000000.");
    }
    const rngSeed = body['rngSeed'];
    if (rngSeed !== undefined && (typeof rngSeed !== 'number' || !Number.isInteger(rngSeed))) throw badRequest("'rngSeed' must be an integer.");
    ctx.state.reset({ preset: seed, ...(messages !== undefined ? { messages } : {}), ...(rngSeed !== undefined ? { seed: rngSeed } : {}) });
    return { status: 200, body: { seed, seq: ctx.state.store.seq } };
  });

  r.on('POST', 'faults', async (ctx) => {
    const spec = validateFault(await ctx.body());
    if (typeof spec === 'string') throw badRequest(spec);
    return { status: 201, body: { id: ctx.state.faults.add(spec).id } };
  });
  r.on('GET', 'faults', (ctx) => ({ status: 200, body: { value: ctx.state.faults.list() } }));
  r.on('DELETE', 'faults', (ctx) => {
    ctx.state.faults.clear();
    return { status: 204 };
  });

  r.on('GET', 'realism', (ctx) => ({ status: 200, body: ctx.state.realism }));
  r.on('PUT', 'realism', async (ctx) => {
    const merged = mergeRealism(ctx.state.realism, await ctx.body());
    if (typeof merged === 'string') throw badRequest(merged);
    ctx.state.realism = merged;
    return { status: 200, body: merged };
  });

  // Highest number of requests in flight per mailbox (inner requests of a batch included) since the last reset.
  r.on('GET', 'concurrency', (ctx) => ({ status: 200, body: { mailboxes: Object.fromEntries(ctx.state.mailboxPeaks) } }));
  r.on('DELETE', 'concurrency', (ctx) => {
    ctx.state.mailboxPeaks.clear();
    return { status: 204 };
  });

  // The origin of the links the emulator writes (a benchmark's https-only client reaching it over plain TCP).
  r.on('GET', 'link-origin', (ctx) => ({ status: 200, body: { origin: ctx.state.linkOrigin ?? null } }));
  r.on('PUT', 'link-origin', async (ctx) => {
    const origin = (await ctx.body())['origin'];
    if (origin === null) ctx.state.linkOrigin = undefined;
    else if (typeof origin === 'string' && /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(origin)) ctx.state.linkOrigin = origin;
    else throw badRequest("'origin' must be null or an origin such as https://graph.example (scheme, host, optional port).");
    return { status: 200, body: { origin: ctx.state.linkOrigin ?? null } };
  });

  r.on('GET', 'requests', (ctx) => ({ status: 200, body: ctx.state.log.list() }));
  r.on('DELETE', 'requests', (ctx) => {
    ctx.state.log.clear();
    return { status: 204 };
  });
  return r;
}

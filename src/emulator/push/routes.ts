import { badRequest, graphError } from '../http/graph-error.js';
import { createRouter, type Reply, type Router } from '../http/router.js';
import type { Json } from '../data/store.js';
import type { Principal } from '../identity/graph-auth.js';
import { DEFAULT_PUSH_SETTINGS, LIFECYCLE_EVENTS, type LifecycleEvent, type PushService, type PushSettings } from './service.js';

export interface SubscriptionContext {
  push: PushService;
  principal: Principal;
  origin: string;
  body(): Promise<Json>;
}

/** Graph's `/subscriptions` API (v1.0 and beta). */
export function createSubscriptionRoutes(): Router<SubscriptionContext> {
  const r = createRouter<SubscriptionContext>();
  r.on('POST', 'subscriptions', async (ctx) => {
    const sub = await ctx.push.create(ctx.principal, await ctx.body());
    return { status: 201, body: ctx.push.render(sub, ctx.origin, true) };
  });
  r.on('GET', 'subscriptions', (ctx) => ({
    status: 200,
    body: {
      '@odata.context': `${ctx.origin}/v1.0/$metadata#subscriptions`,
      // Graph never gives clientState back in a list.
      value: ctx.push.list(ctx.principal).map((sub) => {
        const { '@odata.context': _, ...rest } = ctx.push.render(sub, ctx.origin, false);
        return rest;
      }),
    },
  }));
  r.on('GET', 'subscriptions/:id', (ctx, { id }) => ({ status: 200, body: ctx.push.render(ctx.push.get(ctx.principal, id as string), ctx.origin, false) }));
  r.on('PATCH', 'subscriptions/:id', async (ctx, { id }) => {
    const sub = await ctx.push.update(ctx.principal, id as string, await ctx.body());
    return { status: 200, body: ctx.push.render(sub, ctx.origin, false) };
  });
  r.on('DELETE', 'subscriptions/:id', (ctx, { id }) => {
    ctx.push.remove(ctx.principal, id as string);
    return { status: 204 };
  });
  r.on('POST', 'subscriptions/:id/reauthorize', (ctx, { id }) => {
    ctx.push.reauthorize(ctx.principal, id as string);
    return { status: 204 };
  });
  return r;
}

export interface PushAdminContext {
  push: PushService;
  body(): Promise<Json>;
}

const SETTING_LIMITS: Record<keyof PushSettings, [number, number]> = {
  maxLifetimeMinutes: [0.001, 100_000],
  minLifetimeMinutes: [0, 100_000],
  validationTimeoutMs: [1, 60_000],
  deliveryTimeoutMs: [1, 60_000],
  batchWindowMs: [0, 60_000],
  maxPerMailbox: [0, 100_000],
};

function count(body: Json, key: string, max: number): number {
  const v = body[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw badRequest(`'${key}' must be an integer from 0 to ${max}.`);
  return v;
}

/** Admin calls under `/_emulator/push/` (no auth; tests and demos). */
export function createPushAdminRoutes(): Router<PushAdminContext> {
  const r = createRouter<PushAdminContext>();
  r.on('GET', 'push/settings', (ctx) => ({ status: 200, body: ctx.push.settings }));
  r.on('PUT', 'push/settings', async (ctx) => {
    const body = await ctx.body();
    for (const [key, value] of Object.entries(body)) {
      const limits = SETTING_LIMITS[key as keyof PushSettings];
      if (!limits) throw badRequest(`Unknown push setting '${key.slice(0, 40)}'.`);
      if (typeof value !== 'number' || value < limits[0] || value > limits[1]) throw badRequest(`'${key}' must be a number from ${limits[0]} to ${limits[1]}.`);
    }
    Object.assign(ctx.push.settings, body);
    return { status: 200, body: ctx.push.settings };
  });
  r.on('DELETE', 'push/settings', (ctx) => {
    Object.assign(ctx.push.settings, DEFAULT_PUSH_SETTINGS);
    ctx.push.drop(0);
    ctx.push.delay(0);
    return { status: 200, body: ctx.push.settings };
  });
  r.on('GET', 'push/subscriptions', (ctx) => ({
    status: 200,
    body: { value: ctx.push.all().map((sub) => ({ ...ctx.push.render(sub, '', true), needsReauthorization: sub.needsReauthorization, held: sub.held.length })) },
  }));
  r.on('POST', 'push/lifecycle', async (ctx) => {
    const body = await ctx.body();
    const event = body['lifecycleEvent'];
    if (typeof event !== 'string' || !(LIFECYCLE_EVENTS as readonly string[]).includes(event)) {
      throw badRequest(`'lifecycleEvent' must be one of ${LIFECYCLE_EVENTS.join(', ')}.`);
    }
    const id = body['subscriptionId'];
    if (id !== undefined && typeof id !== 'string') throw badRequest("'subscriptionId' must be a string.");
    const sent = ctx.push.sendLifecycle(event as LifecycleEvent, id, { organizationId: body['organizationId'] === true });
    return { status: 200, body: { sent } };
  });
  r.on('POST', 'push/drop', async (ctx) => {
    ctx.push.drop(count(await ctx.body(), 'count', 1_000_000));
    return { status: 204 };
  });
  r.on('POST', 'push/delay', async (ctx) => {
    ctx.push.delay(count(await ctx.body(), 'ms', 600_000));
    return { status: 204 };
  });
  r.on('GET', 'push/deliveries', (ctx) => ({ status: 200, body: { value: ctx.push.deliveries() } }));
  r.on('DELETE', 'push/deliveries', (ctx) => {
    ctx.push.clearDeliveries();
    return { status: 204 };
  });
  return r;
}

/** Routes `/{version}/subscriptions…` (segments after the version); undefined when the path is not one of them. */
export async function handleSubscriptions(router: Router<SubscriptionContext>, method: string, rest: string[], ctx: SubscriptionContext): Promise<Reply | undefined> {
  if (rest[0]?.toLowerCase() !== 'subscriptions') return undefined;
  const match = router.match(method, rest);
  if (match === undefined) throw graphError(400, 'BadRequest', `Resource not found for the segment '${rest[rest.length - 1] ?? ''}'.`);
  if (match === 'method') throw graphError(405, 'BadRequest', 'Specified HTTP method is not allowed for the request target.');
  return match.handler(ctx, match.params);
}

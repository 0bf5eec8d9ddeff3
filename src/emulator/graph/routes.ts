import { allowed, type Area, type Principal } from '../identity/graph-auth.js';
import type { Collection, DeltaEngine } from '../delta/engine.js';
import { accessDenied, badRequest, graphError, notFound } from '../http/graph-error.js';
import type { Preferences } from '../http/prefer.js';
import { parseDeltaQuery, parseItemSelect, parseListPaging } from './query-options.js';
import type { RealismSettings } from '../http/realism.js';
import { effectiveTimeZone, renderOut, renderRecord } from '../http/render.js';
import { createRouter, type Reply, type Router } from '../http/router.js';
import type { ItemKind, Json, Store, UserState } from '../data/store.js';
import { checkBody } from './write-bodies.js';

/** Everything a Graph route needs for one request. */
export interface GraphContext {
  readonly store: Store;
  readonly engine: DeltaEngine;
  readonly realism: RealismSettings;
  /** 'admin' for the unauthenticated /_emulator/users/… mirror. */
  readonly principal: Principal | 'admin';
  readonly user: UserState;
  readonly version: 'v1.0' | 'beta';
  /** Origin plus version, e.g. http://127.0.0.1:4001/v1.0 */
  readonly root: string;
  /** The request path below the version, as sent (links reuse it). */
  readonly path: string;
  readonly search: URLSearchParams;
  readonly rawSearch: string;
  readonly prefs: Preferences;
  body(): Promise<Json>;
}

function need(ctx: GraphContext, area: Area, write: boolean, shared = false): void {
  if (ctx.principal === 'admin') return;
  if (!allowed(ctx.principal, area, write, ctx.user.profile.id, shared)) throw accessDenied();
}

function preferenceApplied(ctx: GraphContext, extra: string[] = []): Record<string, string> {
  const applied = [...extra];
  if (ctx.prefs.immutableIds) applied.push('IdType="ImmutableId"');
  if (ctx.prefs.bodyContentType !== undefined) applied.push(`outlook.body-content-type="${ctx.prefs.bodyContentType}"`);
  return applied.length > 0 ? { 'Preference-Applied': applied.join(', ') } : {};
}

function ok(ctx: GraphContext, status: number, body: unknown, extra: string[] = []): Reply {
  return { status, body, headers: preferenceApplied(ctx, extra) };
}

function single(ctx: GraphContext, kind: ItemKind, status: number, rec: Parameters<typeof renderRecord>[1]): Reply {
  const select = parseItemSelect(kind, ctx.search);
  const body = { '@odata.context': `${ctx.root}/$metadata#${kind}s/$entity`, ...renderRecord(kind, rec, { prefs: ctx.prefs, select }) };
  const tz = kind === 'event' ? effectiveTimeZone(ctx.prefs) : undefined;
  return ok(ctx, status, body, tz !== undefined ? [`outlook.timezone="${tz}"`] : []);
}

const ENTITY: Record<Collection['resource'], ItemKind> = { calendars: 'calendar', events: 'event', contacts: 'contact', messages: 'message' };

/** One delta page: the round's options come from the token, the Prefer headers from this request. */
function delta(ctx: GraphContext, collection: Collection): Reply {
  const request = parseDeltaQuery(collection.resource, ctx.search);
  const hint = ctx.prefs.maxPageSize;
  const pageSize = hint === undefined ? ctx.realism.defaultPageSize : Math.min(hint, ctx.realism.maxPageSize);
  const page = ctx.engine.serve({
    collection,
    request,
    initialUrl: `${ctx.root}${ctx.path}${request.kind === 'initial' ? ctx.rawSearch : ''}`,
    pageSize,
    shaping: ctx.realism,
  });
  const kind = ENTITY[collection.resource];
  const renderOpts = { prefs: ctx.prefs, select: page.options.select, expand: page.options.expand };
  const body: Record<string, unknown> = { '@odata.context': `${ctx.root}/$metadata#Collection(${kind})` };
  if (page.skipToken !== undefined) body['@odata.nextLink'] = `${ctx.root}${ctx.path}?$skiptoken=${page.skipToken}`;
  else body['@odata.deltaLink'] = `${ctx.root}${ctx.path}?$deltatoken=${page.deltaToken ?? ''}`;
  body['value'] = page.items.map((item) => renderOut(kind, item, renderOpts));
  const extra: string[] = [];
  if (hint !== undefined) extra.push(`odata.maxpagesize=${pageSize}`);
  const tz = collection.resource === 'events' ? effectiveTimeZone(ctx.prefs) : undefined;
  if (tz !== undefined) extra.push(`outlook.timezone="${tz}"`);
  if (ctx.prefs.trackChanges) extra.push('odata.track-changes');
  return ok(ctx, 200, body, extra);
}

function list(ctx: GraphContext, kind: string, value: unknown[]): Reply {
  return ok(ctx, 200, { '@odata.context': `${ctx.root}/$metadata#${kind}`, value });
}

function mailFolderJson(ctx: GraphContext, id: string): Json {
  const f = ctx.user.mailFolders.get(id) as Json;
  const log = ctx.user.messages.get(id);
  let unread = 0;
  if (log) for (const e of log.live()) if (e.record.json['isRead'] === false) unread += 1;
  let children = 0;
  for (const other of ctx.user.mailFolders.values()) if (other['parentFolderId'] === id) children += 1;
  return { ...f, id, totalItemCount: log?.size ?? 0, unreadItemCount: unread, childFolderCount: children };
}

/** A folder list page: Graph pages plain lists with `$top` (default 10) and a nextLink carrying `$skip`. */
function folderPage(ctx: GraphContext, kind: string, all: Json[]): Reply {
  const { top, skip } = parseListPaging(ctx.search, ctx.realism.defaultPageSize);
  const value = all.slice(skip, skip + top);
  const body: Record<string, unknown> = { '@odata.context': `${ctx.root}/$metadata#${kind}`, value };
  if (skip + top < all.length) {
    const params = new URLSearchParams();
    for (const [name, v] of ctx.search) if (!/^\$(top|skip)$/i.test(name.trim())) params.append(name, v);
    const rest = [...params].map(([n, v]) => `${n}=${encodeURIComponent(v)}`);
    body['@odata.nextLink'] = `${ctx.root}${ctx.path}?${[...rest, `$top=${top}`, `$skip=${skip + top}`].join('&')}`;
  }
  return ok(ctx, 200, body);
}

function calendarCollection(ctx: GraphContext, calendarId: string): Collection {
  const id = ctx.store.calendarId(ctx.user, calendarId);
  const log = ctx.store.eventLog(id);
  if (!log) throw notFound();
  return { resource: 'events', key: `${id}|events`, log };
}

async function destinationOf(ctx: GraphContext): Promise<string> {
  const body = await ctx.body();
  const dest = body['destinationId'] ?? body['DestinationId'];
  if (typeof dest !== 'string' || dest === '') throw badRequest("The 'destinationId' parameter is required.", 'ErrorInvalidRequest');
  return dest;
}

/** Routes below `/me` or `/users/{id}`. */
export function createGraphRoutes(): Router<GraphContext> {
  const r = createRouter<GraphContext>();
  r.on('GET', '', (ctx) => {
    if (ctx.principal !== 'admin' && ctx.principal.userId !== ctx.user.profile.id) need(ctx, 'User', false);
    return ok(ctx, 200, { '@odata.context': `${ctx.root}/$metadata#users/$entity`, ...ctx.user.profile });
  });

  // ---- calendars ---------------------------------------------------------------------------------
  r.on('GET', 'calendars/delta', (ctx) => {
    need(ctx, 'Calendars', false);
    return delta(ctx, { resource: 'calendars', key: `${ctx.user.profile.id}|calendars`, log: ctx.user.calendars });
  });
  r.on('GET', 'calendars', (ctx) => {
    need(ctx, 'Calendars', false);
    return list(ctx, 'Collection(calendar)', [...ctx.user.calendars.live()].map((e) => renderRecord('calendar', e.record, { prefs: ctx.prefs })));
  });
  r.on('POST', 'calendars', async (ctx) => {
    need(ctx, 'Calendars', true);
    const body = checkBody('calendar', await ctx.body());
    if (typeof body['name'] !== 'string' || body['name'] === '') throw badRequest("The calendar's 'name' is required.", 'ErrorInvalidRequest');
    return single(ctx, 'calendar', 201, ctx.store.createCalendar(ctx.user, body));
  });
  r.on('GET', 'calendar', (ctx) => {
    need(ctx, 'Calendars', false);
    return single(ctx, 'calendar', 200, ctx.store.getCalendar(ctx.user, ctx.user.primaryCalendarId));
  });
  r.on('GET', 'calendars/:cal', (ctx, p) => {
    need(ctx, 'Calendars', false);
    return single(ctx, 'calendar', 200, ctx.store.getCalendar(ctx.user, p['cal'] as string));
  });
  r.on('PATCH', 'calendars/:cal', async (ctx, p) => {
    need(ctx, 'Calendars', true);
    return single(ctx, 'calendar', 200, ctx.store.updateCalendar(ctx.user, p['cal'] as string, checkBody('calendar', await ctx.body())));
  });
  r.on('DELETE', 'calendars/:cal', (ctx, p) => {
    need(ctx, 'Calendars', true);
    ctx.store.deleteCalendar(ctx.user, p['cal'] as string);
    return { status: 204 };
  });

  // ---- events ------------------------------------------------------------------------------------
  const calendarView = (ctx: GraphContext, cal: string): Reply => {
    need(ctx, 'Calendars', false, ctx.store.calendarOwner(cal) !== ctx.user.profile.id);
    return delta(ctx, calendarCollection(ctx, cal));
  };
  r.on('GET', 'calendarView/delta', (ctx) => calendarView(ctx, ctx.user.primaryCalendarId));
  r.on('GET', 'calendar/calendarView/delta', (ctx) => calendarView(ctx, ctx.user.primaryCalendarId));
  r.on('GET', 'calendars/:cal/calendarView/delta', (ctx, p) => calendarView(ctx, ctx.store.calendarId(ctx.user, p['cal'] as string)));
  r.on('GET', 'events/delta', () => {
    throw graphError(400, 'ErrorInvalidRequest', "Change tracking is not supported against 'microsoft.graph.event'. Use calendarView/delta.");
  });
  const createEvent = async (ctx: GraphContext, cal: string | undefined): Promise<Reply> => {
    need(ctx, 'Calendars', true);
    return single(ctx, 'event', 201, ctx.store.createEvent(ctx.user, cal, checkBody('event', await ctx.body())));
  };
  r.on('POST', 'events', (ctx) => createEvent(ctx, undefined));
  r.on('POST', 'calendar/events', (ctx) => createEvent(ctx, undefined));
  r.on('POST', 'calendars/:cal/events', (ctx, p) => createEvent(ctx, p['cal']));
  r.on('GET', 'events/:id', (ctx, p) => {
    need(ctx, 'Calendars', false);
    return single(ctx, 'event', 200, ctx.store.getEvent(ctx.user, p['id'] as string).record);
  });
  r.on('PATCH', 'events/:id', async (ctx, p) => {
    need(ctx, 'Calendars', true);
    return single(ctx, 'event', 200, ctx.store.updateEvent(ctx.user, p['id'] as string, checkBody('event', await ctx.body())));
  });
  r.on('DELETE', 'events/:id', (ctx, p) => {
    need(ctx, 'Calendars', true);
    ctx.store.deleteEvent(ctx.user, p['id'] as string);
    return { status: 204 };
  });

  // ---- contacts ----------------------------------------------------------------------------------
  const contactsDelta = (ctx: GraphContext, folder: string): Reply => {
    need(ctx, 'Contacts', false);
    const id = ctx.store.contactFolderId(ctx.user, folder);
    return delta(ctx, { resource: 'contacts', key: `${id}|contacts`, log: ctx.user.contacts.get(id) as Collection['log'] });
  };
  r.on('GET', 'contactFolders/:folder/contacts/delta', (ctx, p) => contactsDelta(ctx, p['folder'] as string));
  // Undocumented but served by Graph (SPEC 2.4): the default Contacts folder.
  r.on('GET', 'contacts/delta', (ctx) => contactsDelta(ctx, ctx.user.defaultContactFolderId));
  // Graph lists only the folders under the default Contacts folder (not the default folder itself).
  r.on('GET', 'contactFolders', (ctx) => {
    need(ctx, 'Contacts', false);
    const under = [...ctx.user.contactFolders.entries()].filter(([, f]) => f['parentFolderId'] === ctx.user.defaultContactFolderId);
    return folderPage(ctx, 'Collection(contactFolder)', under.map(([id, f]) => ({ ...f, id })));
  });
  r.on('GET', 'contactFolders/:folder/childFolders', (ctx, p) => {
    need(ctx, 'Contacts', false);
    const parent = ctx.store.contactFolderId(ctx.user, p['folder'] as string);
    const under = [...ctx.user.contactFolders.entries()].filter(([, f]) => f['parentFolderId'] === parent);
    return folderPage(ctx, 'Collection(contactFolder)', under.map(([id, f]) => ({ ...f, id })));
  });
  r.on('GET', 'contactFolders/:folder', (ctx, p) => {
    need(ctx, 'Contacts', false);
    const id = ctx.store.contactFolderId(ctx.user, p['folder'] as string);
    return ok(ctx, 200, { '@odata.context': `${ctx.root}/$metadata#contactFolders/$entity`, ...ctx.user.contactFolders.get(id), id });
  });
  const createContact = async (ctx: GraphContext, folder: string | undefined): Promise<Reply> => {
    need(ctx, 'Contacts', true);
    return single(ctx, 'contact', 201, ctx.store.createContact(ctx.user, folder, checkBody('contact', await ctx.body())));
  };
  r.on('POST', 'contacts', (ctx) => createContact(ctx, undefined));
  r.on('POST', 'contactFolders/:folder/contacts', (ctx, p) => createContact(ctx, p['folder']));
  for (const prefix of ['contacts', 'contactFolders/:folder/contacts']) {
    r.on('GET', `${prefix}/:id`, (ctx, p) => {
      need(ctx, 'Contacts', false);
      return single(ctx, 'contact', 200, ctx.store.getContact(ctx.user, p['id'] as string));
    });
    r.on('PATCH', `${prefix}/:id`, async (ctx, p) => {
      need(ctx, 'Contacts', true);
      return single(ctx, 'contact', 200, ctx.store.updateContact(ctx.user, p['id'] as string, checkBody('contact', await ctx.body())));
    });
    r.on('DELETE', `${prefix}/:id`, (ctx, p) => {
      need(ctx, 'Contacts', true);
      ctx.store.deleteContact(ctx.user, p['id'] as string);
      return { status: 204 };
    });
  }

  // ---- messages ----------------------------------------------------------------------------------
  r.on('GET', 'mailFolders/:folder/messages/delta', (ctx, p) => {
    need(ctx, 'Mail', false);
    const id = ctx.store.mailFolderId(ctx.user, p['folder'] as string);
    return delta(ctx, { resource: 'messages', key: `${id}|messages`, log: ctx.user.messages.get(id) as Collection['log'] });
  });
  r.on('GET', 'messages/delta', () => {
    // user/messages is not change-trackable (CSDL ChangeTracking=false): delta is per folder.
    throw graphError(400, 'ErrorInvalidRequest', "Change tracking is not supported against 'microsoft.graph.message'. Track each mail folder with mailFolders/{id}/messages/delta.");
  });
  // Top-level folders only (children of the unlisted root); their children come from childFolders.
  r.on('GET', 'mailFolders', (ctx) => {
    need(ctx, 'Mail', false);
    const folders = ctx.user.mailFolders;
    const top = [...folders.entries()].filter(([, f]) => typeof f['parentFolderId'] !== 'string' || !folders.has(f['parentFolderId']));
    return folderPage(ctx, 'Collection(mailFolder)', top.map(([id]) => mailFolderJson(ctx, id)));
  });
  r.on('GET', 'mailFolders/:folder/childFolders', (ctx, p) => {
    need(ctx, 'Mail', false);
    const parent = ctx.store.mailFolderId(ctx.user, p['folder'] as string);
    const children = [...ctx.user.mailFolders.entries()].filter(([, f]) => f['parentFolderId'] === parent);
    return folderPage(ctx, 'Collection(mailFolder)', children.map(([id]) => mailFolderJson(ctx, id)));
  });
  r.on('GET', 'mailFolders/:folder', (ctx, p) => {
    need(ctx, 'Mail', false);
    const id = ctx.store.mailFolderId(ctx.user, p['folder'] as string);
    return ok(ctx, 200, { '@odata.context': `${ctx.root}/$metadata#mailFolders/$entity`, ...mailFolderJson(ctx, id) });
  });
  const createMessage = async (ctx: GraphContext, folder: string): Promise<Reply> => {
    need(ctx, 'Mail', true);
    return single(ctx, 'message', 201, ctx.store.createMessage(ctx.user, folder, checkBody('message', await ctx.body())));
  };
  r.on('POST', 'messages', (ctx) => createMessage(ctx, 'drafts'));
  r.on('POST', 'mailFolders/:folder/messages', (ctx, p) => createMessage(ctx, p['folder'] as string));
  for (const prefix of ['messages', 'mailFolders/:folder/messages']) {
    r.on('GET', `${prefix}/:id`, (ctx, p) => {
      need(ctx, 'Mail', false);
      return single(ctx, 'message', 200, ctx.store.getMessage(ctx.user, p['id'] as string));
    });
    r.on('PATCH', `${prefix}/:id`, async (ctx, p) => {
      need(ctx, 'Mail', true);
      return single(ctx, 'message', 200, ctx.store.updateMessage(ctx.user, p['id'] as string, checkBody('message', await ctx.body())));
    });
    r.on('DELETE', `${prefix}/:id`, (ctx, p) => {
      need(ctx, 'Mail', true);
      ctx.store.deleteMessage(ctx.user, p['id'] as string);
      return { status: 204 };
    });
    r.on('POST', `${prefix}/:id/move`, async (ctx, p) => {
      need(ctx, 'Mail', true);
      const dest = await destinationOf(ctx);
      return single(ctx, 'message', 201, ctx.store.moveMessage(ctx.user, p['id'] as string, dest));
    });
  }
  return r;
}

import { createChangeLog, type ChangeLog, type ItemRecord } from '../delta/change-log.js';
import { flat } from './flat-string.js';
import { graphError, notFound } from '../http/graph-error.js';
import { graphId, isIdOfKind, newId, occurrenceId, parseOccurrenceId, type IdKind } from './ids.js';
import { parseDateTimeTimeZone, parseIsoDateTime, type DateTimeTimeZone } from '../calendar/time-zones.js';

export type Json = Record<string, unknown>;

export interface UserProfile {
  id: string;
  userPrincipalName: string;
  displayName: string;
  [key: string]: unknown;
}

/** What the store is built from: the seed, normalised (see seed-adapter.ts). */
export interface StoreSeed {
  tenantId: string;
  users: Array<{
    profile: UserProfile;
    /** Calendars listed for the user; one with `isDefaultCalendar: true` is the primary one. A calendar shared by another
     * user is listed with `owner` and `isSharedWithMe: true`; its events belong to the owner's entry. */
    calendars: Json[];
    events: Array<{ calendarId: string; event: Json }>;
    contactFolders: Json[];
    contacts: Array<{ folderId: string; contact: Json }>;
    /** Mail folders; `wellKnownName` (inbox, sentitems, drafts, deleteditems, archive, …) makes a folder addressable by name. */
    mailFolders: Json[];
    messages: Array<{ folderId: string; message: Json }>;
  }>;
}

export interface UserState {
  readonly profile: UserProfile;
  readonly calendars: ChangeLog;
  primaryCalendarId: string;
  readonly contactFolders: Map<string, Json>;
  defaultContactFolderId: string;
  readonly contacts: Map<string, ChangeLog>;
  readonly mailFolders: Map<string, Json>;
  readonly wellKnownFolders: Map<string, string>;
  readonly messages: Map<string, ChangeLog>;
  /** Item key → folder (messages, contacts) or calendar (events) holding it. */
  readonly location: Map<string, string>;
  /** REST ids of this user's items → key. Not a message's first REST id: its key derives from it (see keyOf). */
  readonly ids: Map<string, string>;
}

export type ItemKind = 'message' | 'event' | 'contact' | 'calendar';

/** Log of one calendar's events, plus who owns it. */
interface CalendarEvents {
  ownerId: string;
  log: ChangeLog;
}

export interface Store {
  readonly tenantId: string;
  /** Store-wide change sequence (a round's snapshot). */
  readonly seq: number;
  /** Identifies this store instance; tokens from another (before a reset) are unknown. */
  readonly generation: string;
  users(): UserState[];
  user(idOrUpn: string): UserState | undefined;
  eventLog(calendarId: string): ChangeLog | undefined;
  /** Original starts of a series' exceptions, which the series' own expansion leaves out. */
  exceptionsOf(masterRestId: string): ReadonlySet<number>;
  calendarOwner(calendarId: string): string | undefined;
  mailFolderId(user: UserState, idOrName: string): string;
  contactFolderId(user: UserState, id: string): string;
  calendarId(user: UserState, id: string): string;

  getMessage(user: UserState, id: string): ItemRecord;
  createMessage(user: UserState, folderIdOrName: string, body: Json): ItemRecord;
  updateMessage(user: UserState, id: string, patch: Json): ItemRecord;
  deleteMessage(user: UserState, id: string): void;
  moveMessage(user: UserState, id: string, destination: string): ItemRecord;

  getContact(user: UserState, id: string): ItemRecord;
  createContact(user: UserState, folderId: string | undefined, body: Json): ItemRecord;
  updateContact(user: UserState, id: string, patch: Json): ItemRecord;
  deleteContact(user: UserState, id: string): void;

  getCalendar(user: UserState, id: string): ItemRecord;
  createCalendar(user: UserState, body: Json): ItemRecord;
  updateCalendar(user: UserState, id: string, patch: Json): ItemRecord;
  deleteCalendar(user: UserState, id: string): void;

  getEvent(user: UserState, id: string): { record: ItemRecord; calendarId: string };
  createEvent(user: UserState, calendarId: string | undefined, body: Json): ItemRecord;
  updateEvent(user: UserState, id: string, patch: Json): ItemRecord;
  deleteEvent(user: UserState, id: string): void;
}

const IMMUTABLE_PREFIX = 'AAkALg';
const IMMUTABLE_KIND: Record<IdKind, string> = { message: 'M', event: 'E', contact: 'C', calendar: 'K', folder: 'F', contactFolder: 'P', user: 'U' };
const NO_EXCEPTIONS: ReadonlySet<number> = new Set();

/** The immutable id the emulator pairs with an item's first REST id. */
export function immutableIdFor(kind: IdKind, restId: string): string {
  // Cheap and reversible-free: the REST id's opaque tail under another prefix (REST ids are hashes, so tails are unique).
  return flat(IMMUTABLE_PREFIX, IMMUTABLE_KIND[kind], restId.length > 7 ? restId.slice(7) : graphId(kind, restId).slice(7));
}

function changeKeyFor(seq: number): string {
  return Buffer.from(`ck:${seq}`).toString('base64');
}

function withoutId(json: Json): Json {
  const { id: _id, ...rest } = json;
  return rest;
}

function timeOf(json: Json, field: 'start' | 'end'): number {
  const v = json[field];
  if (v === null || typeof v !== 'object') throw graphError(400, 'ErrorInvalidRequest', `The event's '${field}' is required.`);
  const dt = v as Partial<DateTimeTimeZone>;
  if (typeof dt.dateTime !== 'string') throw graphError(400, 'ErrorInvalidRequest', `The event's '${field}.dateTime' is required.`);
  try {
    return parseDateTimeTimeZone({ dateTime: dt.dateTime, timeZone: typeof dt.timeZone === 'string' ? dt.timeZone : 'UTC' });
  } catch {
    throw graphError(400, 'ErrorInvalidRequest', `The event's '${field}' is not a valid dateTimeTimeZone.`);
  }
}

function receivedMsOf(json: Json): number | undefined {
  const text = json['receivedDateTime'];
  if (typeof text !== 'string') return undefined;
  // Fast path for Graph's usual "…Z" form; anything else goes through the full parser.
  const quick = text.endsWith('Z') ? Date.parse(text) : Number.NaN;
  return Number.isNaN(quick) ? parseIsoDateTime(text) : quick;
}

export function createStore(seed: StoreSeed): Store {
  let seq = 0;
  const generation = newId('folder').slice(-10);
  const usersById = new Map<string, UserState>();
  const usersByUpn = new Map<string, UserState>();
  const eventLogs = new Map<string, CalendarEvents>();
  /** Series master REST id → original starts of its exceptions (stored as events of their own). */
  const exceptions = new Map<string, Set<number>>();
  const nowIso = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const next = (): number => (seq += 1);
  const seedTime = nowIso();

  function stamp(json: Json, s: number, created: boolean): Json {
    const now = nowIso();
    return {
      ...json,
      changeKey: changeKeyFor(s),
      lastModifiedDateTime: now,
      ...(created || json['createdDateTime'] === undefined ? { createdDateTime: json['createdDateTime'] ?? now } : {}),
    };
  }

  /** Seed items are fresh objects of ours: stamp them in place instead of copying 100,000 of them. */
  function stampSeed(json: Json, s: number): Json {
    json['changeKey'] ??= changeKeyFor(s);
    json['createdDateTime'] ??= seedTime;
    json['lastModifiedDateTime'] ??= json['createdDateTime'];
    return json;
  }

  function record(kind: ItemKind, json: Json, restId: string, immutableId: string, copy = true): ItemRecord {
    const event = kind === 'event';
    // Every record gets all fields, in one order: `{ ...base, receivedMs }` gave each of them a hidden class of its own.
    return {
      json: copy ? withoutId(json) : json,
      restId,
      immutableId,
      startMs: event ? timeOf(json, 'start') : undefined,
      endMs: event ? timeOf(json, 'end') : undefined,
      receivedMs: kind === 'message' ? receivedMsOf(json) : undefined,
    };
  }

  /**
   * Keys are immutable ids, so those resolve without an entry in `ids`. So does a message's first REST id: the
   * message's key is immutableIdFor(it), which spares `ids` an entry per seeded message (100,000 in a benchmark).
   * A first REST id that a move replaced still finds the key; locate() then refuses it, as Graph does.
   */
  function keyOf(user: UserState, id: string): string | undefined {
    const known = user.ids.get(id);
    if (known !== undefined) return known;
    if (user.location.has(id)) return id;
    if (!isIdOfKind('message', id)) return undefined;
    const derived = immutableIdFor('message', id);
    return user.location.has(derived) ? derived : undefined;
  }

  // ---- seeding ---------------------------------------------------------------------------------
  for (const u of seed.users) {
    const user: UserState = {
      profile: u.profile,
      calendars: createChangeLog(),
      primaryCalendarId: '',
      contactFolders: new Map(),
      defaultContactFolderId: '',
      contacts: new Map(),
      mailFolders: new Map(),
      wellKnownFolders: new Map(),
      messages: new Map(),
      location: new Map(),
      ids: new Map(),
    };
    usersById.set(u.profile.id, user);
    usersByUpn.set(u.profile.userPrincipalName.toLowerCase(), user);
  }
  for (const u of seed.users) {
    const user = usersById.get(u.profile.id) as UserState;
    for (const cal of u.calendars) {
      const id = String(cal['id']);
      const s = next();
      user.calendars.upsert(s, id, record('calendar', stamp(cal, s, true), id, id));
      user.ids.set(id, id);
      const shared = cal['isSharedWithMe'] === true;
      if (!shared && !eventLogs.has(id)) eventLogs.set(id, { ownerId: user.profile.id, log: createChangeLog() });
      if (cal['isDefaultCalendar'] === true && user.primaryCalendarId === '') user.primaryCalendarId = id;
    }
    if (user.primaryCalendarId === '') {
      const first = [...user.calendars.live()].find((e) => e.record.json['isSharedWithMe'] !== true);
      if (first) user.primaryCalendarId = first.key;
    }
    for (const f of u.contactFolders) {
      const id = String(f['id']);
      user.contactFolders.set(id, f);
      user.contacts.set(id, createChangeLog());
      if (user.defaultContactFolderId === '') user.defaultContactFolderId = id;
    }
    for (const f of u.mailFolders) {
      const id = String(f['id']);
      user.mailFolders.set(id, f);
      user.messages.set(id, createChangeLog());
      const wk = f['wellKnownName'];
      if (typeof wk === 'string') user.wellKnownFolders.set(wk.toLowerCase(), id);
    }
  }
  for (const u of seed.users) {
    const user = usersById.get(u.profile.id) as UserState;
    for (const { calendarId, event } of u.events) {
      const cal = eventLogs.get(calendarId);
      if (!cal) continue;
      const restId = String(event['id']);
      let imm = immutableIdFor('event', restId);
      const occ = parseOccurrenceId(restId);
      if (event['type'] === 'exception' && typeof event['seriesMasterId'] === 'string' && occ) {
        // An exception's id derives from its master's, in either id format.
        imm = occurrenceId(immutableIdFor('event', event['seriesMasterId']), occ.originalStartMs);
        const set = exceptions.get(event['seriesMasterId']) ?? new Set<number>();
        exceptions.set(event['seriesMasterId'], set.add(occ.originalStartMs));
      }
      const s = next();
      cal.log.upsert(s, imm, record('event', stampSeed(event, s), restId, imm, false));
      const owner = usersById.get(cal.ownerId) as UserState;
      owner.ids.set(restId, imm);
      owner.location.set(imm, calendarId);
    }
    for (const { folderId, contact } of u.contacts) {
      const log = user.contacts.get(folderId);
      if (!log) continue;
      const restId = String(contact['id']);
      const imm = immutableIdFor('contact', restId);
      const s = next();
      contact['parentFolderId'] = folderId;
      log.upsert(s, imm, record('contact', stampSeed(contact, s), restId, imm, false));
      user.ids.set(restId, imm);
      user.location.set(imm, folderId);
    }
    for (const { folderId, message } of u.messages) {
      const log = user.messages.get(folderId);
      if (!log) continue;
      const restId = String(message['id']);
      const imm = immutableIdFor('message', restId);
      const s = next();
      message['parentFolderId'] = folderId;
      log.upsert(s, imm, record('message', stampSeed(message, s), restId, imm, false));
      user.location.set(imm, folderId);
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------
  function mailFolderId(user: UserState, idOrName: string): string {
    if (user.mailFolders.has(idOrName)) return idOrName;
    const wk = user.wellKnownFolders.get(idOrName.toLowerCase());
    if (wk !== undefined) return wk;
    throw notFound();
  }
  function contactFolderId(user: UserState, id: string): string {
    if (user.contactFolders.has(id)) return id;
    if (id.toLowerCase() === 'contacts' && user.defaultContactFolderId !== '') return user.defaultContactFolderId;
    throw notFound();
  }
  function calendarId(user: UserState, id: string): string {
    if (user.calendars.current(id) !== undefined) return id;
    throw notFound();
  }
  function locate(user: UserState, id: string, logs: Map<string, ChangeLog>): { key: string; folderId: string; log: ChangeLog; rec: ItemRecord } {
    const key = keyOf(user, id);
    if (key === undefined) throw notFound();
    const folderId = user.location.get(key);
    const log = folderId === undefined ? undefined : logs.get(folderId);
    const rec = log?.current(key);
    // A REST id that a move replaced no longer resolves (Graph answers 404 for it).
    if (!log || !rec || folderId === undefined || (id !== rec.restId && id !== rec.immutableId)) throw notFound();
    return { key, folderId, log, rec };
  }
  function merge(old: ItemRecord, kind: ItemKind, patch: Json, restId = old.restId): ItemRecord {
    const s = next();
    return record(kind, stamp({ ...old.json, ...patch }, s, false), restId, old.immutableId);
  }
  // `merge` takes a sequence number; the upsert that follows must use the same one.
  const upsertAt = (log: ChangeLog, key: string, rec: ItemRecord): ItemRecord => {
    log.upsert(seq, key, rec);
    return rec;
  };

  /** Deletes an item: a removal in its change log, and its ids and location forgotten. */
  function removeItem(user: UserState, { key, log, rec }: { key: string; log: ChangeLog; rec: ItemRecord }): void {
    log.remove(next(), key);
    user.ids.delete(rec.restId);
    user.ids.delete(rec.immutableId);
    user.location.delete(key);
  }

  function locateEvent(user: UserState, id: string): { key: string; calendarId: string; log: ChangeLog; rec: ItemRecord } {
    const occ = parseOccurrenceId(id);
    if (occ) throw graphError(400, 'ErrorInvalidRequest', 'Occurrences of a series cannot be changed here; change the series master.');
    const key = keyOf(user, id);
    if (key === undefined) throw notFound();
    const cal = user.location.get(key);
    const log = cal === undefined ? undefined : eventLogs.get(cal)?.log;
    const rec = log?.current(key);
    if (!log || !rec || cal === undefined) throw notFound();
    return { key, calendarId: cal, log, rec };
  }

  /** Events live in their calendar owner's data; a delegate reaches a shared calendar through it. */
  function eventOwnerFor(user: UserState, calId: string): UserState {
    const ownerId = eventLogs.get(calId)?.ownerId;
    return (ownerId !== undefined ? usersById.get(ownerId) : undefined) ?? user;
  }

  return {
    tenantId: seed.tenantId,
    get seq() {
      return seq;
    },
    generation,
    users: () => [...usersById.values()],
    user: (idOrUpn) => usersById.get(idOrUpn) ?? usersByUpn.get(idOrUpn.toLowerCase()),
    eventLog: (id) => eventLogs.get(id)?.log,
    exceptionsOf: (id) => exceptions.get(id) ?? NO_EXCEPTIONS,
    calendarOwner: (id) => eventLogs.get(id)?.ownerId,
    mailFolderId,
    contactFolderId,
    calendarId,

    // ---- messages ------------------------------------------------------------------------------
    getMessage: (user, id) => locate(user, id, user.messages).rec,
    createMessage(user, folder, body) {
      const folderId = mailFolderId(user, folder);
      const restId = newId('message');
      const imm = immutableIdFor('message', restId);
      const s = next();
      const now = nowIso();
      const json: Json = {
        receivedDateTime: now, sentDateTime: now, hasAttachments: false, subject: '', bodyPreview: '', importance: 'normal',
        isRead: false, isDraft: folderId === user.wellKnownFolders.get('drafts'), body: { contentType: 'text', content: '' },
        toRecipients: [], ccRecipients: [], bccRecipients: [], replyTo: [], categories: [], flag: { flagStatus: 'notFlagged' },
        ...body, parentFolderId: folderId,
      };
      if (typeof json['bodyPreview'] === 'string' && json['bodyPreview'] === '' && typeof (json['body'] as Json | undefined)?.['content'] === 'string') {
        json['bodyPreview'] = String((json['body'] as Json)['content']).slice(0, 255);
      }
      const rec = record('message', stamp(json, s, true), restId, imm);
      (user.messages.get(folderId) as ChangeLog).upsert(s, imm, rec);
      user.location.set(imm, folderId);
      return rec;
    },
    updateMessage(user, id, patch) {
      const { key, log, rec } = locate(user, id, user.messages);
      return upsertAt(log, key, merge(rec, 'message', patch));
    },
    deleteMessage(user, id) {
      removeItem(user, locate(user, id, user.messages));
    },
    moveMessage(user, id, destination) {
      const { key, folderId, log, rec } = locate(user, id, user.messages);
      const dest = mailFolderId(user, destination);
      if (dest === folderId) return rec;
      // Without ImmutableId a move gives the item a new REST id (Graph docs: outlook-immutable-id).
      const restId = newId('message');
      log.remove(next(), key);
      const moved = merge(rec, 'message', { parentFolderId: dest }, restId);
      (user.messages.get(dest) as ChangeLog).upsert(seq, key, moved);
      user.ids.delete(rec.restId);
      user.ids.set(restId, key);
      user.location.set(key, dest);
      return moved;
    },

    // ---- contacts ------------------------------------------------------------------------------
    getContact: (user, id) => locate(user, id, user.contacts).rec,
    createContact(user, folder, body) {
      const folderId = folder === undefined ? user.defaultContactFolderId : contactFolderId(user, folder);
      const log = user.contacts.get(folderId);
      if (!log) throw notFound();
      const restId = newId('contact');
      const imm = immutableIdFor('contact', restId);
      const s = next();
      const json: Json = { emailAddresses: [], businessPhones: [], homePhones: [], categories: [], ...body, parentFolderId: folderId };
      if (json['displayName'] === undefined) {
        json['displayName'] = [json['givenName'], json['surname']].filter((x) => typeof x === 'string' && x !== '').join(' ');
      }
      const rec = record('contact', stamp(json, s, true), restId, imm);
      log.upsert(s, imm, rec);
      user.ids.set(restId, imm);
      user.location.set(imm, folderId);
      return rec;
    },
    updateContact(user, id, patch) {
      const { key, log, rec } = locate(user, id, user.contacts);
      return upsertAt(log, key, merge(rec, 'contact', patch));
    },
    deleteContact(user, id) {
      removeItem(user, locate(user, id, user.contacts));
    },

    // ---- calendars -----------------------------------------------------------------------------
    getCalendar(user, id) {
      const rec = user.calendars.current(id);
      if (!rec) throw notFound();
      return rec;
    },
    createCalendar(user, body) {
      const id = newId('calendar');
      const s = next();
      const p = user.profile;
      const json: Json = {
        color: 'auto', hexColor: '', isDefaultCalendar: false, canShare: true, canViewPrivateItems: true, canEdit: true,
        isRemovable: true, isTallyingResponses: true, isShared: false, isSharedWithMe: false, calendarGroupId: null,
        allowedOnlineMeetingProviders: ['teamsForBusiness'], defaultOnlineMeetingProvider: 'teamsForBusiness',
        groupClassId: '0006f0b7-0000-0000-c000-000000000046',
        owner: { name: p.displayName, address: (p['mail'] as string | undefined) ?? p.userPrincipalName },
        ...body,
      };
      const rec = record('calendar', stamp(json, s, true), id, id);
      user.calendars.upsert(s, id, rec);
      user.ids.set(id, id);
      eventLogs.set(id, { ownerId: user.profile.id, log: createChangeLog() });
      return rec;
    },
    updateCalendar(user, id, patch) {
      const rec = user.calendars.current(id);
      if (!rec) throw notFound();
      return upsertAt(user.calendars, id, merge(rec, 'calendar', patch));
    },
    deleteCalendar(user, id) {
      const rec = user.calendars.current(id);
      if (!rec) throw notFound();
      if (id === user.primaryCalendarId) throw graphError(400, 'ErrorInvalidRequest', 'The default calendar cannot be deleted.');
      user.calendars.remove(next(), id);
      user.ids.delete(id);
    },

    // ---- events --------------------------------------------------------------------------------
    getEvent(user, id) {
      const occ = parseOccurrenceId(id);
      const { calendarId: cal, rec } = locateEvent(user, occ ? occ.masterId : id);
      return { record: rec, calendarId: cal };
    },
    createEvent(user, calId, body) {
      const cal = calId === undefined ? user.primaryCalendarId : calendarId(user, calId);
      const owner = eventOwnerFor(user, cal);
      const log = eventLogs.get(cal)?.log;
      if (!log) throw notFound();
      const restId = newId('event');
      const imm = immutableIdFor('event', restId);
      const s = next();
      const p = owner.profile;
      const hasRecurrence = body['recurrence'] !== undefined && body['recurrence'] !== null;
      const json: Json = {
        subject: '', body: { contentType: 'text', content: '' }, bodyPreview: '', importance: 'normal', sensitivity: 'normal',
        isAllDay: false, isCancelled: false, isDraft: false, isOrganizer: true, isReminderOn: true, reminderMinutesBeforeStart: 15,
        responseRequested: true, showAs: 'busy', attendees: [], categories: [], hasAttachments: false, recurrence: null,
        organizer: { emailAddress: { name: p.displayName, address: (p['mail'] as string | undefined) ?? p.userPrincipalName } },
        responseStatus: { response: 'organizer', time: '0001-01-01T00:00:00Z' },
        iCalUId: `040000008200E00074C5B7101A82E008${Buffer.from(restId).toString('hex').slice(0, 40).toUpperCase()}`,
        ...body,
        type: hasRecurrence ? 'seriesMaster' : 'singleInstance',
        seriesMasterId: null,
      };
      const start = json['start'] as Json | undefined;
      const end = json['end'] as Json | undefined;
      if (json['originalStartTimeZone'] === undefined) json['originalStartTimeZone'] = start?.['timeZone'] ?? 'UTC';
      if (json['originalEndTimeZone'] === undefined) json['originalEndTimeZone'] = end?.['timeZone'] ?? 'UTC';
      const rec = record('event', stamp(json, s, true), restId, imm);
      if ((rec.endMs as number) < (rec.startMs as number)) {
        throw graphError(400, 'ErrorInvalidRequest', "The event's end can't be earlier than its start.");
      }
      log.upsert(s, imm, rec);
      owner.ids.set(restId, imm);
      owner.location.set(imm, cal);
      if (owner !== user) user.ids.set(restId, imm), user.location.set(imm, cal);
      return rec;
    },
    updateEvent(user, id, patch) {
      const { key, log, rec } = locateEvent(user, id);
      const next = { ...patch };
      if ('recurrence' in next) next['type'] = next['recurrence'] === null ? 'singleInstance' : 'seriesMaster';
      const merged = merge(rec, 'event', next);
      if ((merged.endMs as number) < (merged.startMs as number)) {
        throw graphError(400, 'ErrorInvalidRequest', "The event's end can't be earlier than its start.");
      }
      return upsertAt(log, key, merged);
    },
    deleteEvent(user, id) {
      removeItem(user, locateEvent(user, id));
    },
  };
}

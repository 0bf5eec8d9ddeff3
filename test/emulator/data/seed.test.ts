import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { occurrenceId } from '../../../src/emulator/data/ids.js';
import { expandSeries, seriesFromEvents, validateRecurrence } from '../../../src/emulator/calendar/recurrence.js';
import { parseDateTimeTimeZone } from '../../../src/emulator/calendar/time-zones.js';
import {
  DEMO_TENANT_ID,
  DEMO_USER,
  SECOND_USER,
  SEED_REFERENCE_MS,
  contactRootFolderId,
  defaultCalendarId,
  defaultContactFolderId,
  generateSeed,
  mailRootFolderId,
  wellKnownMailFolderId,
  type SeedData,
} from '../../../src/emulator/data/seed.js';

const demo = generateSeed({ preset: 'demo' });
const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const GRAPH_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function allIds(d: SeedData): string[] {
  return [
    ...d.users.map((u) => u.id),
    ...d.calendars.map((c) => c.calendar.id),
    ...d.events.map((e) => e.event.id),
    ...d.contactFolders.map((f) => f.folder.id),
    ...d.contacts.map((c) => c.contact.id),
    ...d.mailFolders.map((f) => f.folder.id),
    ...d.messages.map((m) => m.message.id),
  ];
}

describe('constants', () => {
  it('are fixed GUIDs and addresses', () => {
    expect(DEMO_TENANT_ID).toMatch(GUID);
    expect(DEMO_USER.id).toMatch(GUID);
    expect(SECOND_USER.id).toMatch(GUID);
    expect(DEMO_USER.userPrincipalName).toBe('adele.vance@contoso.example');
    expect(SECOND_USER.id).not.toBe(DEMO_USER.id);
  });
});

describe('generateSeed determinism', () => {
  it('returns deep-equal data for the same options', () => {
    expect(generateSeed({ preset: 'demo' })).toEqual(demo);
    expect(generateSeed({ preset: 'demo', seed: 7, messages: 50 })).toEqual(generateSeed({ preset: 'demo', seed: 7, messages: 50 }));
  });

  it('keeps its exact bytes (performance work on the generator must not change what it generates)', () => {
    // Event times go through Node's ICU time-zone data: a Node upgrade that changes those rules would change this too.
    const sha = (d: SeedData) => createHash('sha256').update(JSON.stringify(d)).digest('hex').slice(0, 16);
    expect(sha(demo)).toBe('2ec72815d7e1dc03');
    expect(sha(generateSeed({ preset: 'demo', seed: 7, messages: 50 }))).toBe('8eefc7cdd7f46973');
  });

  it('varies with the seed but keeps container ids stable', () => {
    const other = generateSeed({ preset: 'demo', seed: 99 });
    expect(other.messages.map((m) => m.message.subject)).not.toEqual(demo.messages.map((m) => m.message.subject));
    expect(other.mailFolders.map((f) => f.folder.id)).toEqual(demo.mailFolders.map((f) => f.folder.id));
    expect(other.calendars.map((c) => c.calendar.id)).toEqual(demo.calendars.map((c) => c.calendar.id));
  });
});

describe('demo preset', () => {
  it('has the expected volumes', () => {
    expect(demo.tenantId).toBe(DEMO_TENANT_ID);
    expect(demo.users.map((u) => u.id)).toEqual([DEMO_USER.id, SECOND_USER.id]);
    expect(demo.events.length).toBeGreaterThanOrEqual(200);
    expect(demo.events.length).toBeLessThan(1000);
    expect(demo.contacts.length).toBeGreaterThanOrEqual(100);
    expect(demo.contacts.length).toBeLessThanOrEqual(200);
    const demoMessages = demo.messages.filter((m) => m.ownerId === DEMO_USER.id);
    expect(demoMessages).toHaveLength(1000);
    expect(demo.messages.filter((m) => m.ownerId === SECOND_USER.id).length).toBeGreaterThan(0);
    const byFolder = new Map<string, number>();
    for (const m of demoMessages) byFolder.set(m.folderId, (byFolder.get(m.folderId) ?? 0) + 1);
    const inbox = byFolder.get(wellKnownMailFolderId(DEMO_USER.id, 'inbox')) ?? 0;
    expect(inbox).toBeGreaterThan(500);
    for (const wk of ['sentitems', 'archive', 'drafts', 'deleteditems'] as const) {
      expect(byFolder.get(wellKnownMailFolderId(DEMO_USER.id, wk)) ?? 0, wk).toBeGreaterThan(0);
    }
  });

  it('honours the message override', () => {
    const d = generateSeed({ preset: 'demo', messages: 37 });
    expect(d.messages.filter((m) => m.ownerId === DEMO_USER.id)).toHaveLength(37);
    expect(generateSeed({ preset: 'demo', messages: 0 }).messages.every((m) => m.ownerId === SECOND_USER.id)).toBe(true);
  });

  it('gives every object a unique id', () => {
    const ids = allIds(demo);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('only references containers that exist, with consistent owners', () => {
    const users = new Set(demo.users.map((u) => u.id));
    const mailFolders = new Map(demo.mailFolders.map((f) => [f.folder.id, f.ownerId]));
    const contactFolders = new Map(demo.contactFolders.map((f) => [f.folder.id, f.ownerId]));
    const calendars = new Map(demo.calendars.map((c) => [c.calendar.id, c]));
    for (const f of demo.mailFolders) {
      expect(users.has(f.ownerId)).toBe(true);
      const parent = f.folder.parentFolderId;
      expect(parent === mailRootFolderId(f.ownerId) || mailFolders.get(parent ?? '') === f.ownerId).toBe(true);
    }
    for (const f of demo.contactFolders) {
      const parent = f.folder.parentFolderId;
      expect(parent === contactRootFolderId(f.ownerId) || contactFolders.get(parent) === f.ownerId).toBe(true);
    }
    for (const m of demo.messages) {
      expect(mailFolders.get(m.folderId)).toBe(m.ownerId);
      expect(m.message.parentFolderId).toBe(m.folderId);
    }
    for (const c of demo.contacts) {
      expect(contactFolders.get(c.folderId)).toBe(c.ownerId);
      expect(c.contact.parentFolderId).toBe(c.folderId);
    }
    for (const e of demo.events) expect(calendars.get(e.calendarId)?.ownerId).toBe(e.ownerId);
    for (const c of demo.calendars) for (const u of c.sharedWith ?? []) expect(users.has(u)).toBe(true);
  });

  it('has default containers and well-known folders per user', () => {
    for (const u of demo.users) {
      expect(demo.calendars.find((c) => c.calendar.id === defaultCalendarId(u.id))?.calendar.isDefaultCalendar).toBe(true);
      expect(demo.calendars.filter((c) => c.ownerId === u.id && c.calendar.isDefaultCalendar)).toHaveLength(1);
      expect(demo.contactFolders.find((f) => f.folder.id === defaultContactFolderId(u.id))?.folder.displayName).toBe('Contacts');
      const names = demo.mailFolders.filter((f) => f.ownerId === u.id).map((f) => f.folder.wellKnownName);
      expect(names).toEqual(expect.arrayContaining(['inbox', 'sentitems', 'drafts', 'deleteditems', 'archive']));
    }
  });

  it("shares one of the second user's calendars with the demo user", () => {
    const shared = demo.calendars.filter((c) => c.ownerId === SECOND_USER.id && c.sharedWith?.includes(DEMO_USER.id));
    expect(shared).toHaveLength(1);
    expect(demo.events.some((e) => e.calendarId === shared[0]?.calendar.id)).toBe(true);
  });

  it('counts folder items', () => {
    for (const f of demo.mailFolders) {
      const items = demo.messages.filter((m) => m.folderId === f.folder.id);
      expect(f.folder.totalItemCount).toBe(items.length);
      expect(f.folder.unreadItemCount).toBe(items.filter((m) => m.message.isRead === false).length);
    }
  });
});

describe('shapes', () => {
  it('messages look like Graph v1.0 messages', () => {
    for (const { message: m } of demo.messages) {
      expect(m.receivedDateTime).toMatch(ISO_SECONDS);
      expect(m.sentDateTime).toMatch(ISO_SECONDS);
      expect(m.createdDateTime).toMatch(ISO_SECONDS);
      expect(m.lastModifiedDateTime).toMatch(ISO_SECONDS);
      expect(m.bodyPreview?.length).toBeLessThanOrEqual(255);
      expect(m.body?.content.length).toBeGreaterThan(0);
      expect(m.from?.emailAddress.address).toMatch(/@/);
      expect(m.toRecipients?.length).toBeGreaterThan(0);
      expect(m.conversationId).toMatch(/^AAQkAG/);
      expect(m.internetMessageId).toMatch(/^<.+@.+>$/);
      expect(typeof m.isRead).toBe('boolean');
      expect(['low', 'normal', 'high']).toContain(m.importance);
      expect(['focused', 'other']).toContain(m.inferenceClassification);
      expect(['notFlagged', 'flagged', 'complete']).toContain(m.flag?.flagStatus);
      expect(typeof m.changeKey).toBe('string');
    }
    expect(new Set(demo.messages.map((m) => m.message.internetMessageId)).size).toBe(demo.messages.length);
    // Threads: some conversations hold several messages.
    const convs = new Map<string, number>();
    for (const m of demo.messages) convs.set(m.message.conversationId ?? '', (convs.get(m.message.conversationId ?? '') ?? 0) + 1);
    expect([...convs.values()].some((n) => n > 1)).toBe(true);
    const long = demo.messages.find((m) => m.message.bodyPreview?.length === 255);
    expect(long).toBeDefined();
  });

  it('contacts carry names, emails, phones, addresses and companies', () => {
    for (const { contact: c } of demo.contacts) {
      expect(c.displayName).toBe(`${c.givenName} ${c.surname}`);
      expect(c.emailAddresses?.[0]?.address).toMatch(/@/);
    }
    expect(demo.contacts.some((c) => c.contact.companyName && c.contact.jobTitle)).toBe(true);
    expect(demo.contacts.some((c) => (c.contact.businessPhones?.length ?? 0) > 0 && c.contact.mobilePhone)).toBe(true);
    expect(demo.contacts.some((c) => c.contact.businessAddress?.city)).toBe(true);
    expect(demo.contacts.some((c) => c.contact.birthday)).toBe(true);
  });

  it('events are spread around the reference date with UTC start/end', () => {
    const SIX_MONTHS = 190 * 86_400_000;
    for (const { event: e } of demo.events) {
      expect(e.start?.dateTime).toMatch(GRAPH_DATETIME);
      expect(e.start?.timeZone).toBe('UTC');
      expect(e.end?.timeZone).toBe('UTC');
      const start = parseDateTimeTimeZone(e.start ?? { dateTime: '' });
      const end = parseDateTimeTimeZone(e.end ?? { dateTime: '' });
      expect(end).toBeGreaterThan(start);
      if (e.type === 'singleInstance') expect(Math.abs(start - SEED_REFERENCE_MS)).toBeLessThan(SIX_MONTHS);
      if (e.isAllDay) expect(e.start?.dateTime.slice(11)).toBe('00:00:00.0000000');
      expect(e.iCalUId).toMatch(/^040000008200E00074C5B7101A82E008/);
      expect(e.organizer?.emailAddress.address).toMatch(/@/);
      expect(e.responseStatus?.response).toBeDefined();
      expect(e.body?.contentType).toBe('html');
    }
    const types = new Set(demo.events.map((e) => e.event.type));
    expect(types).toEqual(new Set(['singleInstance', 'seriesMaster', 'exception']));
    expect(demo.events.filter((e) => e.event.isAllDay).length).toBeGreaterThan(5);
    expect(demo.events.some((e) => (e.event.attendees?.length ?? 0) > 2)).toBe(true);
    expect(demo.events.some((e) => e.event.location?.locationType === 'conferenceRoom')).toBe(true);
    expect(demo.events.some((e) => e.event.isOrganizer === false)).toBe(true);
  });

  it('has about ten recurring series of every pattern type, and valid exceptions', () => {
    const masters = demo.events.filter((e) => e.event.type === 'seriesMaster');
    expect(masters.length).toBeGreaterThanOrEqual(10);
    const patternTypes = new Set(masters.map((m) => m.event.recurrence?.pattern.type));
    expect(patternTypes).toEqual(
      new Set(['daily', 'weekly', 'absoluteMonthly', 'relativeMonthly', 'absoluteYearly', 'relativeYearly']),
    );
    const rangeTypes = new Set(masters.map((m) => m.event.recurrence?.range.type));
    expect(rangeTypes).toEqual(new Set(['endDate', 'noEnd', 'numbered']));
    for (const m of masters) {
      expect(m.event.recurrence?.range.startDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(m.event.seriesMasterId).toBeNull();
      expect(Array.isArray(m.event.cancelledOccurrences)).toBe(true);
      expect(validateRecurrence(m.event.recurrence), m.event.subject).toBeUndefined();
      expect(expandSeries(seriesFromEvents(m.event), -Infinity, Infinity, { maxOccurrences: 2 })).toHaveLength(2);
    }
    const exceptions = demo.events.filter((e) => e.event.type === 'exception');
    expect(exceptions.length).toBeGreaterThan(0);
    for (const x of exceptions) {
      const master = masters.find((m) => m.event.id === x.event.seriesMasterId);
      expect(master).toBeDefined();
      expect(x.calendarId).toBe(master?.calendarId);
      expect(x.event.id).toBe(occurrenceId(x.event.seriesMasterId ?? '', Date.parse(x.event.originalStart ?? '')));
    }
    expect(masters.some((m) => (m.event.cancelledOccurrences?.length ?? 0) > 0)).toBe(true);
  });
});

describe('empty preset', () => {
  it('has users, default containers and well-known folders, and no items', () => {
    const d = generateSeed({ preset: 'empty' });
    expect(d.users).toHaveLength(2);
    expect(d.calendars).toHaveLength(2);
    expect(d.calendars.every((c) => c.calendar.isDefaultCalendar)).toBe(true);
    expect(d.contactFolders).toHaveLength(2);
    expect(d.mailFolders).toHaveLength(10);
    expect(d.events).toHaveLength(0);
    expect(d.contacts).toHaveLength(0);
    expect(d.messages).toHaveLength(0);
    expect(d.mailFolders.map((f) => f.folder.id)).toEqual(
      demo.mailFolders.filter((f) => f.folder.wellKnownName).map((f) => f.folder.id),
    );
  });
});

describe('bulk', () => {
  it('generates 100,000 messages with unique ids', () => {
    const d = generateSeed({ preset: 'demo', messages: 100_000 });
    const mine = d.messages.filter((m) => m.ownerId === DEMO_USER.id);
    expect(mine).toHaveLength(100_000);
    expect(new Set(mine.map((m) => m.message.id)).size).toBe(100_000);
    const inbox = d.mailFolders.find((f) => f.folder.id === wellKnownMailFolderId(DEMO_USER.id, 'inbox'));
    expect(inbox?.folder.totalItemCount).toBeGreaterThan(60_000);
  });
});

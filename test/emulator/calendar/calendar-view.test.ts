import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { emulatorFor, graph, readRound, type RunningEmulator } from '../../helpers/emulator.js';

let emu: RunningEmulator;
let token: string;
beforeAll(async () => {
  emu = await emulatorFor({ seed: 'empty' });
  token = await emu.admin.token();
});
afterAll(() => emu.close());
beforeEach(() => emu.admin.reset({ seed: 'empty' }));

const WINDOW = 'startDateTime=2024-06-10T00:00:00Z&endDateTime=2024-06-17T00:00:00Z';
const VIEW = `/v1.0/me/calendarView/delta?${WINDOW}`;
const at = (d: string, tz = 'UTC') => ({ dateTime: d, timeZone: tz });
const event = (subject: string, start: string, end: string, extra: Record<string, unknown> = {}) =>
  emu.admin.createEvent({ subject, start: at(start), end: at(end), ...extra });
const removed = (id: string) => ({ '@odata.type': '#microsoft.graph.event', id, '@removed': { reason: 'deleted' } });

describe('calendarView delta: window', () => {
  it('returns the events that overlap the window, and only those', async () => {
    const inside = await event('inside', '2024-06-11T09:00:00', '2024-06-11T10:00:00');
    const edgeStart = await event('overlaps start', '2024-06-09T23:00:00', '2024-06-10T01:00:00');
    const edgeEnd = await event('overlaps end', '2024-06-16T23:30:00', '2024-06-17T01:00:00');
    await event('ends at start', '2024-06-09T22:00:00', '2024-06-10T00:00:00');
    await event('starts at end', '2024-06-17T00:00:00', '2024-06-17T01:00:00');
    await event('far', '2024-07-01T09:00:00', '2024-07-01T10:00:00');
    const round = await readRound(emu, VIEW, token);
    expect(round.items.map((e) => e.id).sort()).toEqual([inside.id, edgeStart.id, edgeEnd.id].sort());
    const item = round.items.find((e) => e.id === inside.id);
    expect(item).toMatchObject({ '@odata.type': '#microsoft.graph.event', type: 'singleInstance', subject: 'inside', start: at('2024-06-11T09:00:00.0000000') });
    expect(item['@odata.etag']).toMatch(/^W\//);
  });

  it('expands a recurring series into its master and occurrences, split across pages without loss', async () => {
    const master = await event('daily', '2024-06-12T08:00:00', '2024-06-12T08:30:00', {
      recurrence: { pattern: { type: 'daily', interval: 1 }, range: { type: 'numbered', startDate: '2024-06-12', numberOfOccurrences: 10 } },
    });
    expect(master.type).toBe('seriesMaster');
    const round = await readRound(emu, VIEW, token, 'odata.maxpagesize=2');
    expect(round.pages.length).toBeGreaterThan(2);
    const occurrences = round.items.filter((e) => e.type === 'occurrence');
    expect(occurrences.map((o) => o.start.dateTime)).toEqual(
      ['12', '13', '14', '15', '16'].map((d) => `2024-06-${d}T08:00:00.0000000`),
    );
    for (const o of occurrences) expect(o.seriesMasterId).toBe(master.id);
    expect(new Set(occurrences.map((o) => o.id)).size).toBe(5);
    expect(round.items.filter((e) => e.type === 'seriesMaster').map((e) => e.id)).toEqual([master.id]);
  });

  it('a series entirely outside the window contributes nothing', async () => {
    await event('weekly later', '2024-07-01T08:00:00', '2024-07-01T09:00:00', {
      recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] }, range: { type: 'noEnd', startDate: '2024-07-01' } },
    });
    expect((await readRound(emu, VIEW, token)).items).toEqual([]);
  });
});

describe('calendarView delta: incremental rounds', () => {
  it('reports updates inside the window whole; deletions, moves out of the window and changes outside it as @removed deleted', async () => {
    const keep = await event('keep', '2024-06-11T09:00:00', '2024-06-11T10:00:00');
    const gone = await event('gone', '2024-06-12T09:00:00', '2024-06-12T10:00:00');
    const leaves = await event('leaves', '2024-06-13T09:00:00', '2024-06-13T10:00:00');
    const outside = await event('outside', '2024-08-01T09:00:00', '2024-08-01T10:00:00');
    const round = await readRound(emu, VIEW, token);
    expect(round.items).toHaveLength(3);

    await emu.admin.updateEvent(keep.id, { subject: 'kept' });
    await emu.admin.deleteEvent(gone.id);
    await emu.admin.updateEvent(leaves.id, { start: at('2024-09-01T09:00:00'), end: at('2024-09-01T10:00:00') });
    await emu.admin.updateEvent(outside.id, { subject: 'still outside' });
    const created = await event('created outside', '2024-10-01T09:00:00', '2024-10-01T10:00:00');
    const changes = await readRound(emu, round.deltaLink, token);
    const byId = new Map(changes.items.map((e) => [e.id, e]));
    expect(byId.get(keep.id)).toMatchObject({ subject: 'kept', start: at('2024-06-11T09:00:00.0000000') });
    expect(byId.get(gone.id)).toEqual(removed(gone.id));
    expect(byId.get(leaves.id)).toEqual(removed(leaves.id));
    expect(byId.get(outside.id)).toEqual(removed(outside.id));
    expect(byId.get(created.id)).toEqual(removed(created.id));
    expect(byId.size).toBe(5);
  });

  it('an event moved into the window arrives whole', async () => {
    const later = await event('later', '2024-08-01T09:00:00', '2024-08-01T10:00:00');
    const round = await readRound(emu, VIEW, token);
    await emu.admin.updateEvent(later.id, { start: at('2024-06-14T09:00:00'), end: at('2024-06-14T10:00:00') });
    const changes = await readRound(emu, round.deltaLink, token);
    expect(changes.items).toEqual([expect.objectContaining({ id: later.id, subject: 'later' })]);
  });

  it('shrinking or deleting a series removes its occurrences', async () => {
    const master = await event('daily', '2024-06-10T08:00:00', '2024-06-10T08:30:00', {
      recurrence: { pattern: { type: 'daily', interval: 1 }, range: { type: 'numbered', startDate: '2024-06-10', numberOfOccurrences: 5 } },
    });
    const round = await readRound(emu, VIEW, token);
    const before = round.items.filter((e) => e.type === 'occurrence').map((e) => e.id);
    expect(before).toHaveLength(5);

    await emu.admin.updateEvent(master.id, {
      recurrence: { pattern: { type: 'daily', interval: 1 }, range: { type: 'numbered', startDate: '2024-06-10', numberOfOccurrences: 3 } },
    });
    const shrunk = await readRound(emu, round.deltaLink, token);
    const removedIds = shrunk.items.filter((e) => e['@removed']).map((e) => e.id);
    expect(removedIds.sort()).toEqual(before.slice(3).sort());
    expect(shrunk.items.filter((e) => e.type === 'occurrence')).toHaveLength(3);

    await emu.admin.deleteEvent(master.id);
    const deleted = await readRound(emu, shrunk.deltaLink, token);
    expect(deleted.items.map((e) => e.id).sort()).toEqual([master.id, ...before.slice(0, 3)].sort());
    expect(deleted.items.every((e) => e['@removed']?.reason === 'deleted')).toBe(true);
  });

  it('the window stays the one the round started with', async () => {
    const round = await readRound(emu, VIEW, token);
    const wide = `${round.deltaLink}&startDateTime=2000-01-01T00:00:00Z&endDateTime=2100-01-01T00:00:00Z`;
    const far = await event('far', '2030-01-01T09:00:00', '2030-01-01T10:00:00');
    const changes = await readRound(emu, wide, token);
    expect(changes.items).toEqual([removed(far.id)]);
  });
});

describe('Prefer: outlook.timezone', () => {
  it.each([
    ['Europe/Berlin', '2024-06-11T11:00:00.0000000'],
    ['Pacific Standard Time', '2024-06-11T02:00:00.0000000'],
    ['"Tokyo Standard Time"', '2024-06-11T18:00:00.0000000'],
  ])('%s converts start and end', async (tz, expected) => {
    const e = await event('tz', '2024-06-11T09:00:00', '2024-06-11T10:00:00');
    const res = await graph(emu, VIEW, { token, prefer: [`outlook.timezone=${tz}`, 'odata.maxpagesize=5'] });
    const item = res.body.value.find((x: any) => x.id === e.id);
    const name = tz.replace(/"/g, '');
    expect(item.start).toEqual({ dateTime: expected, timeZone: name });
    expect(res.headers['preference-applied']).toContain(`outlook.timezone="${name}"`);
    expect(res.headers['preference-applied']).toContain('odata.maxpagesize=5');
  });

  it('is read on every request (not kept in the token); an unknown zone falls back to UTC', async () => {
    await event('tz', '2024-06-11T09:00:00', '2024-06-11T10:00:00');
    await event('tz2', '2024-06-12T09:00:00', '2024-06-12T10:00:00');
    const first = await graph(emu, VIEW, { token, prefer: 'odata.maxpagesize=1, outlook.timezone="Europe/Berlin"' });
    expect(first.body.value[0].start.timeZone).toBe('Europe/Berlin');
    const second = await graph(emu, first.body['@odata.nextLink'], { token, prefer: 'odata.maxpagesize=1' });
    expect(second.body.value[0].start.timeZone).toBe('UTC');
    const bogus = await graph(emu, VIEW, { token, prefer: 'outlook.timezone="Mars/Olympus"' });
    expect(bogus.body.value[0].start.timeZone).toBe('UTC');
    expect(bogus.headers['preference-applied']).toBeUndefined();
  });

  it('an event written in another zone is stored at the right instant', async () => {
    const e = await emu.admin.createEvent({ subject: 'ny', start: at('2024-06-11T09:00:00', 'Eastern Standard Time'), end: at('2024-06-11T10:00:00', 'America/New_York') });
    const res = await graph(emu, VIEW, { token });
    expect(res.body.value.find((x: any) => x.id === e.id).start).toEqual(at('2024-06-11T13:00:00.0000000'));
  });
});

describe('calendars', () => {
  it('calendar delta (beta and v1.0) lists calendars, then creations, updates and deletions', async () => {
    for (const version of ['beta', 'v1.0']) {
      const round = await readRound(emu, `/${version}/me/calendars/delta`, token);
      expect(round.items.length).toBeGreaterThan(0);
      expect(round.items[0]['@odata.type']).toBe('#microsoft.graph.calendar');
      expect(round.pages[0]['@odata.context']).toBe(`${emu.url}/${version}/$metadata#Collection(calendar)`);
      const made = await emu.admin.createCalendar({ name: `Team ${version}` });
      const changes = await readRound(emu, round.deltaLink, token);
      expect(changes.items).toEqual([expect.objectContaining({ id: made.id, name: `Team ${version}` })]);
      await emu.admin.updateCalendar(made.id, { color: 'lightBlue' });
      const updated = await readRound(emu, changes.deltaLink, token);
      expect(updated.items).toEqual([expect.objectContaining({ id: made.id, color: 'lightBlue' })]);
      await emu.admin.deleteCalendar(made.id);
      const deleted = await readRound(emu, updated.deltaLink, token);
      expect(deleted.items).toEqual([{ '@odata.type': '#microsoft.graph.calendar', id: made.id, '@removed': { reason: 'deleted' } }]);
    }
  });

  it('calendarView of a given calendar tracks only that calendar', async () => {
    const cal = await emu.admin.createCalendar({ name: 'Side' });
    const side = await emu.admin.createEvent({ subject: 'side', start: at('2024-06-11T09:00:00'), end: at('2024-06-11T10:00:00') }, { calendarId: cal.id });
    await event('main', '2024-06-11T09:00:00', '2024-06-11T10:00:00');
    const round = await readRound(emu, `/beta/me/calendars/${cal.id}/calendarView/delta?${WINDOW}`, token);
    expect(round.items.map((e) => e.id)).toEqual([side.id]);
    expect((await graph(emu, `/beta/me/calendars/nope/calendarView/delta?${WINDOW}`, { token })).status).toBe(404);
  });
});

describe('demo tenant calendars', () => {
  it('has a shared calendar, recurring series with occurrences, and exceptions in place of their occurrence', async () => {
    await emu.admin.reset({ seed: 'demo' });
    const cals = await graph(emu, '/v1.0/me/calendars', { token });
    const shared = cals.body.value.find((c: any) => c.isSharedWithMe);
    expect(shared).toBeDefined();
    const sharedView = await readRound(emu, `/v1.0/me/calendars/${shared.id}/calendarView/delta?startDateTime=2024-01-01T00:00:00Z&endDateTime=2025-01-01T00:00:00Z`, token, 'odata.maxpagesize=200');
    expect(sharedView.items.length).toBeGreaterThan(0);

    const round = await readRound(emu, '/v1.0/me/calendarView/delta?startDateTime=2024-06-10T00:00:00Z&endDateTime=2024-06-15T00:00:00Z', token, 'odata.maxpagesize=200');
    const types = new Set(round.items.map((e) => e.type));
    expect(types).toEqual(new Set(['singleInstance', 'seriesMaster', 'occurrence', 'exception']));
    for (const ex of round.items.filter((e) => e.type === 'exception')) {
      const clash = round.items.filter((e) => e.seriesMasterId === ex.seriesMasterId && e.type === 'occurrence' && e.originalStart === ex.originalStart);
      expect(clash).toEqual([]);
    }
    const ids = round.items.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

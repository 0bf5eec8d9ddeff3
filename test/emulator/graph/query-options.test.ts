import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorFor, graph, readRound, type RunningEmulator } from '../../helpers/emulator.js';

let emu: RunningEmulator;
let token: string;
let contactsFolder: string;
beforeAll(async () => {
  emu = await emulatorFor({ seed: 'demo' });
  token = await emu.admin.token();
  contactsFolder = (await graph(emu, '/v1.0/me/contactFolders/contacts', { token })).body.id;
});
afterAll(() => emu.close());

const MSG = '/v1.0/me/mailFolders/inbox/messages/delta';
const VIEW = '/v1.0/me/calendarView/delta?startDateTime=2024-06-01T00:00:00Z&endDateTime=2024-06-08T00:00:00Z';
const CALS = '/beta/me/calendars/delta';
const contacts = () => `/v1.0/me/contactFolders/${contactsFolder}/contacts/delta`;
const q = (base: string, extra: string) => `${base}${base.includes('?') ? '&' : '?'}${extra}`;

describe('options accepted, per the docs', () => {
  it('messages: $select returns id plus the selected properties', async () => {
    const res = await graph(emu, q(MSG, '$select=subject,isRead'), { token });
    expect(res.status).toBe(200);
    for (const m of res.body.value) expect(Object.keys(m).sort()).toEqual(['@odata.etag', '@odata.type', 'id', 'isRead', 'subject']);
  });

  it('contacts: $select returns id plus the selected properties', async () => {
    const res = await graph(emu, q(contacts(), '$select=displayName'), { token });
    expect(res.status).toBe(200);
    expect(res.body.value.length).toBeGreaterThan(0);
    for (const c of res.body.value) expect(Object.keys(c).sort()).toEqual(['@odata.etag', '@odata.type', 'displayName', 'id']);
  });

  it('messages: $orderby=receivedDateTime desc orders the whole round', async () => {
    const round = await readRound(emu, q(MSG, '$orderby=receivedDateTime desc&$select=receivedDateTime'), token, 'odata.maxpagesize=50');
    const times = round.items.map((m) => Date.parse(m.receivedDateTime));
    expect(times.length).toBeGreaterThan(100);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it.each(['ge', 'gt'])('messages: $filter=receivedDateTime %s {value} keeps only later messages', async (op) => {
    const all = await readRound(emu, q(MSG, '$select=receivedDateTime'), token, 'odata.maxpagesize=1000');
    const sorted = all.items.map((m) => m.receivedDateTime as string).sort();
    const pivot = sorted[Math.floor(sorted.length / 2)] as string;
    const round = await readRound(emu, q(MSG, `$filter=receivedDateTime+${op}+${pivot}&$select=receivedDateTime`), token, 'odata.maxpagesize=1000');
    const expected = sorted.filter((t) => (op === 'ge' ? t >= pivot : t > pivot));
    expect(round.items.map((m) => m.receivedDateTime).sort()).toEqual(expected);
  });

  it('messages: $top caps the round (field behaviour), and the next page is empty with a deltaLink', async () => {
    const first = await graph(emu, q(MSG, '$top=3'), { token, prefer: 'odata.maxpagesize=2' });
    expect(first.body.value).toHaveLength(2);
    const second = await graph(emu, first.body['@odata.nextLink'], { token, prefer: 'odata.maxpagesize=2' });
    expect(second.body.value).toHaveLength(1);
    const third = await graph(emu, second.body['@odata.nextLink'], { token, prefer: 'odata.maxpagesize=2' });
    expect(third.body.value).toEqual([]);
    expect(third.body['@odata.deltaLink']).toBeDefined();
  });

  it('messages: $expand of a navigation property is accepted', async () => {
    const res = await graph(emu, q(MSG, '$expand=attachments&$select=subject'), { token, prefer: 'odata.maxpagesize=2' });
    expect(res.status).toBe(200);
    expect(res.body.value[0].attachments).toEqual(expect.any(Array));
  });

  it('messages: changeType=created|updated|deleted types the incremental rounds', async () => {
    const folder = (await emu.admin.createMessage('archive', { subject: 'a' })).id;
    const base = '/v1.0/me/mailFolders/archive/messages/delta';
    const rounds = Object.fromEntries(
      await Promise.all(['created', 'updated', 'deleted'].map(async (t) => [t, (await readRound(emu, `${base}?changeType=${t}`, token, 'odata.maxpagesize=1000')).deltaLink])),
    ) as Record<string, string>;
    const made = await emu.admin.createMessage('archive', { subject: 'b' });
    await emu.admin.updateMessage(folder, { isRead: true });
    const victim = (await readRound(emu, base, token, 'odata.maxpagesize=1000')).items.find((m) => m.id !== folder && m.id !== made.id);
    await emu.admin.deleteMessage(victim.id);
    const created = await readRound(emu, rounds['created'] as string, token);
    const updated = await readRound(emu, rounds['updated'] as string, token);
    const deleted = await readRound(emu, rounds['deleted'] as string, token);
    expect(created.items.map((m) => m.id)).toEqual([made.id]);
    expect(updated.items.map((m) => m.id)).toEqual([folder]);
    expect(deleted.items).toEqual([{ '@odata.type': '#microsoft.graph.message', id: victim.id, '@removed': { reason: 'deleted' } }]);
  });

  it('calendarView: startDateTime/endDateTime in any case, with or without offset', async () => {
    for (const query of [
      'startdatetime=2024-06-01T00:00:00&enddatetime=2024-06-08T00:00:00',
      'StartDateTime=2024-06-01T00:00:00.0000000&EndDateTime=2024-06-08T00:00:00.0000000',
      'startDateTime=2024-05-31T17:00:00-07:00&endDateTime=2024-06-08T02:00:00%2B02:00',
    ]) {
      expect((await graph(emu, `/v1.0/me/calendarView/delta?${query}`, { token })).status, query).toBe(200);
    }
  });
});

describe('options refused, with a Graph-style 400 naming the option', () => {
  it.each([
    [MSG, '$search="hello"', 'ErrorInvalidUrlQuery', '$search'],
    [MSG, '$skip=5', 'ErrorInvalidUrlQuery', '$skip'],
    [MSG, '$count=true', 'ErrorInvalidUrlQuery', '$count'],
    [MSG, '$filter=subject eq \'x\'', 'ErrorInvalidUrlQueryFilter', '$filter'],
    [MSG, '$filter=receivedDateTime lt 2024-01-01T00:00:00Z', 'ErrorInvalidUrlQueryFilter', '$filter'],
    [MSG, '$orderby=receivedDateTime asc', 'ErrorInvalidUrlQuery', '$orderby'],
    [MSG, '$orderby=subject desc', 'ErrorInvalidUrlQuery', '$orderby'],
    [MSG, 'changeType=moved', 'ErrorInvalidUrlQuery', 'changeType'],
    [MSG, '$select=nonsense', 'RequestBroker--ParseUri', 'nonsense'],
    [MSG, '$expand=nonsense', 'RequestBroker--ParseUri', 'nonsense'],
    [MSG, '$top=0', 'BadRequest', '$top'],
    [MSG, '$top=ten', 'BadRequest', '$top'],
    [MSG, '$select=subject&$select=isRead', 'BadRequest', '$select'],
    [VIEW, '$select=subject', 'ErrorInvalidUrlQuery', '$select'],
    [VIEW, '$expand=attachments', 'ErrorInvalidUrlQuery', '$expand'],
    [VIEW, '$filter=subject eq \'x\'', 'ErrorInvalidUrlQuery', '$filter'],
    [VIEW, '$orderby=start/dateTime', 'ErrorInvalidUrlQuery', '$orderby'],
    [VIEW, '$search="x"', 'ErrorInvalidUrlQuery', '$search'],
    [VIEW, '$top=5', 'ErrorInvalidUrlQuery', '$top'],
    [CALS, '$select=name', 'ErrorInvalidUrlQuery', '$select'],
    [CALS, '$expand=events', 'ErrorInvalidUrlQuery', '$expand'],
    [CALS, '$filter=name eq \'x\'', 'ErrorInvalidUrlQuery', '$filter'],
    [CALS, '$orderby=name', 'ErrorInvalidUrlQuery', '$orderby'],
    [CALS, '$search="x"', 'ErrorInvalidUrlQuery', '$search'],
    ['contacts', '$top=5', 'ErrorInvalidUrlQuery', '$top'],
    ['contacts', '$filter=displayName eq \'x\'', 'ErrorInvalidUrlQuery', '$filter'],
    ['contacts', '$orderby=displayName', 'ErrorInvalidUrlQuery', '$orderby'],
    ['contacts', '$expand=photo', 'ErrorInvalidUrlQuery', '$expand'],
    ['contacts', '$search="x"', 'ErrorInvalidUrlQuery', '$search'],
    ['contacts', '$select=nonsense', 'RequestBroker--ParseUri', 'nonsense'],
    [MSG, '$bogus=1', 'BadRequest', '$bogus'],
  ])('%s ? %s → 400 %s', async (base, extra, code, named) => {
    const res = await graph(emu, q(base === 'contacts' ? contacts() : base, extra), { token });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toContain(named);
    expect(res.body.error.innerError['request-id']).toBe(res.headers['request-id']);
  });

  it.each([
    ['missing window', '/v1.0/me/calendarView/delta', 'ErrorInvalidParameter'],
    ['missing end', '/v1.0/me/calendarView/delta?startDateTime=2024-06-01T00:00:00Z', 'ErrorInvalidParameter'],
    ['bad start', '/v1.0/me/calendarView/delta?startDateTime=yesterday&endDateTime=2024-06-08T00:00:00Z', 'ErrorInvalidParameter'],
    ['bad end', '/v1.0/me/calendarView/delta?startDateTime=2024-06-01T00:00:00Z&endDateTime=2024-13-01T00:00:00Z', 'ErrorInvalidParameter'],
    ['end before start', '/v1.0/me/calendarView/delta?startDateTime=2024-06-08T00:00:00Z&endDateTime=2024-06-01T00:00:00Z', 'ErrorInvalidParameter'],
    ['filter syntax', `${MSG}?$filter=receivedDateTime ge`, 'BadRequest'],
    ['filter date', `${MSG}?$filter=receivedDateTime ge 2024-99-01T00:00:00Z`, 'BadRequest'],
    ['filter garbage', `${MSG}?$filter=((((`, 'BadRequest'],
  ])('calendarView/filter input: %s → 400', async (_name, path, code) => {
    const res = await graph(emu, path, { token });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
  });

  it('the window is only required on the first request: a nextLink needs none', async () => {
    const first = await graph(emu, VIEW, { token, prefer: 'odata.maxpagesize=2' });
    expect(first.body['@odata.nextLink']).not.toContain('startDateTime');
    expect((await graph(emu, first.body['@odata.nextLink'], { token })).status).toBe(200);
  });
});

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

const IMMUTABLE = 'IdType="ImmutableId"';
const folderDelta = (f: string) => `/v1.0/me/mailFolders/${f}/messages/delta`;

describe('Prefer: IdType="ImmutableId" and moves', () => {
  it('without it a move changes the id: the old folder reports the old id removed, the new one a new id', async () => {
    const m = await emu.admin.createMessage('inbox', { subject: 'moving' });
    const inbox = await readRound(emu, folderDelta('inbox'), token);
    const archive = await readRound(emu, folderDelta('archive'), token);
    const moved = await graph(emu, `/v1.0/me/messages/${m.id}/move`, { token, method: 'POST', body: { destinationId: 'archive' } });
    expect(moved.status).toBe(201);
    expect(moved.body.id).not.toBe(m.id);
    const archives = await graph(emu, '/v1.0/me/mailFolders/archive', { token });
    expect(moved.body.parentFolderId).toBe(archives.body.id);

    const out = await readRound(emu, inbox.deltaLink, token);
    expect(out.items).toEqual([{ '@odata.type': '#microsoft.graph.message', id: m.id, '@removed': { reason: 'deleted' } }]);
    const into = await readRound(emu, archive.deltaLink, token);
    expect(into.items.map((x) => x.id)).toEqual([moved.body.id]);
    // The old REST id no longer resolves.
    expect((await graph(emu, `/v1.0/me/messages/${m.id}`, { token })).status).toBe(404);
    expect((await graph(emu, `/v1.0/me/messages/${moved.body.id}`, { token })).status).toBe(200);
  });

  it('with it the id survives the move, in both folders, and it is applied per request', async () => {
    const m = await emu.admin.createMessage('inbox', { subject: 'moving' }, { prefer: [IMMUTABLE] });
    const inbox = await readRound(emu, folderDelta('inbox'), token, IMMUTABLE);
    expect(inbox.items.map((x) => x.id)).toEqual([m.id]);
    const plain = await readRound(emu, folderDelta('inbox'), token);
    expect(plain.items[0].id).not.toBe(m.id);
    const archive = await readRound(emu, folderDelta('archive'), token, IMMUTABLE);

    const moved = await graph(emu, `/v1.0/me/messages/${m.id}/move`, { token, method: 'POST', body: { destinationId: 'archive' }, prefer: IMMUTABLE });
    expect(moved.body.id).toBe(m.id);
    expect(moved.headers['preference-applied']).toContain(IMMUTABLE);
    const out = await readRound(emu, inbox.deltaLink, token, IMMUTABLE);
    expect(out.items).toEqual([{ '@odata.type': '#microsoft.graph.message', id: m.id, '@removed': { reason: 'deleted' } }]);
    const into = await readRound(emu, archive.deltaLink, token, IMMUTABLE);
    expect(into.items.map((x) => x.id)).toEqual([m.id]);
    // Tokens are valid with both id formats: the same deltaLink answers REST ids without the header.
    const again = await readRound(emu, archive.deltaLink, token);
    const restId = (await graph(emu, `/v1.0/me/messages/${m.id}`, { token })).body.id;
    expect(restId).not.toBe(m.id);
    expect(again.items.map((x) => x.id)).toEqual([restId]);
  });

  it('events and contacts have immutable ids too; occurrences derive from the master id in use', async () => {
    const e = await emu.admin.createEvent({
      subject: 's', start: { dateTime: '2024-06-10T08:00:00', timeZone: 'UTC' }, end: { dateTime: '2024-06-10T09:00:00', timeZone: 'UTC' },
      recurrence: { pattern: { type: 'daily', interval: 1 }, range: { type: 'numbered', startDate: '2024-06-10', numberOfOccurrences: 2 } },
    }, { prefer: [IMMUTABLE] });
    const round = await readRound(emu, '/v1.0/me/calendarView/delta?startDateTime=2024-06-10&endDateTime=2024-06-12', token, IMMUTABLE);
    expect(round.items.filter((x) => x.type === 'occurrence').every((o) => o.seriesMasterId === e.id)).toBe(true);
    expect(round.items.find((x) => x.type === 'seriesMaster').id).toBe(e.id);
    const c = await emu.admin.createContact({ givenName: 'Ada', surname: 'Lovelace' }, { prefer: [IMMUTABLE] });
    const got = await graph(emu, `/v1.0/me/contacts/${c.id}`, { token, prefer: IMMUTABLE });
    expect(got.body).toMatchObject({ id: c.id, displayName: 'Ada Lovelace' });
  });
});

describe('Graph-shaped writes over the Graph routes', () => {
  it('POST/PATCH/DELETE of messages, contacts, events and calendars, with a bearer token', async () => {
    const msg = await graph(emu, '/v1.0/me/mailFolders/inbox/messages', { token, method: 'POST', body: { subject: 'hi', isRead: false } });
    expect(msg.status).toBe(201);
    expect(msg.body).toMatchObject({ '@odata.type': '#microsoft.graph.message', subject: 'hi', isRead: false });
    const patched = await graph(emu, `/v1.0/me/messages/${msg.body.id}`, { token, method: 'PATCH', body: { isRead: true } });
    expect(patched.body.isRead).toBe(true);
    expect(patched.body.changeKey).not.toBe(msg.body.changeKey);
    expect((await graph(emu, `/v1.0/me/messages/${msg.body.id}`, { token, method: 'DELETE' })).status).toBe(204);
    expect((await graph(emu, `/v1.0/me/messages/${msg.body.id}`, { token, method: 'DELETE' })).status).toBe(404);

    const draft = await graph(emu, '/v1.0/me/messages', { token, method: 'POST', body: { subject: 'draft' } });
    expect(draft.body.isDraft).toBe(true);

    const contact = await graph(emu, '/v1.0/me/contacts', { token, method: 'POST', body: { givenName: 'Grace', emailAddresses: [{ address: 'g@x.example' }] } });
    expect(contact.status).toBe(201);
    expect((await graph(emu, `/v1.0/me/contacts/${contact.body.id}`, { token, method: 'PATCH', body: { jobTitle: 'Admiral' } })).body.jobTitle).toBe('Admiral');
    expect((await graph(emu, `/v1.0/me/contacts/${contact.body.id}`, { token, method: 'DELETE' })).status).toBe(204);

    const cal = await graph(emu, '/v1.0/me/calendars', { token, method: 'POST', body: { name: 'Side' } });
    expect(cal.status).toBe(201);
    const ev = await graph(emu, `/v1.0/me/calendars/${cal.body.id}/events`, {
      token, method: 'POST', body: { subject: 'x', start: { dateTime: '2024-06-10T08:00:00', timeZone: 'UTC' }, end: { dateTime: '2024-06-10T09:00:00', timeZone: 'UTC' } },
    });
    expect(ev.status).toBe(201);
    expect((await graph(emu, `/v1.0/me/events/${ev.body.id}`, { token, method: 'PATCH', body: { subject: 'y' } })).body.subject).toBe('y');
    expect((await graph(emu, `/v1.0/me/events/${ev.body.id}`, { token, method: 'DELETE' })).status).toBe(204);
    expect((await graph(emu, `/v1.0/me/calendars/${cal.body.id}`, { token, method: 'DELETE' })).status).toBe(204);
  });

  it('contacts delta follows creations, updates and deletions in a folder', async () => {
    const folder = (await graph(emu, '/v1.0/me/contactFolders/contacts', { token })).body.id;
    const path = `/v1.0/me/contactFolders/${folder}/contacts/delta`;
    const a = await emu.admin.createContact({ givenName: 'A' }, { folderId: folder });
    const b = await emu.admin.createContact({ givenName: 'B' }, { folderId: folder });
    const round = await readRound(emu, path, token, 'odata.maxpagesize=1');
    expect(round.items.map((c) => c.id).sort()).toEqual([a.id, b.id].sort());
    await emu.admin.updateContact(a.id, { surname: 'Z' });
    await emu.admin.deleteContact(b.id);
    const changes = await readRound(emu, round.deltaLink, token);
    expect(changes.items).toEqual(expect.arrayContaining([
      expect.objectContaining({ id: a.id, surname: 'Z', givenName: 'A' }),
      { '@odata.type': '#microsoft.graph.contact', id: b.id, '@removed': { reason: 'deleted' } },
    ]));
    expect((await readRound(emu, '/v1.0/me/contacts/delta', token)).items.length).toBe(1);
  });

  it.each([
    ['unknown property', '/v1.0/me/mailFolders/inbox/messages', 'POST', { subjekt: 'x' }, 400],
    ['wrong type', '/v1.0/me/mailFolders/inbox/messages', 'POST', { isRead: 'yes' }, 400],
    ['bad date', '/v1.0/me/mailFolders/inbox/messages', 'POST', { receivedDateTime: 'tomorrow' }, 400],
    ['bad enum', '/v1.0/me/mailFolders/inbox/messages', 'POST', { importance: 'urgent' }, 400],
    ['array body', '/v1.0/me/mailFolders/inbox/messages', 'POST', '[1,2]', 400],
    ['not JSON', '/v1.0/me/mailFolders/inbox/messages', 'POST', '{"subject":', 400],
    ['event without start', '/v1.0/me/events', 'POST', { subject: 'x', end: { dateTime: '2024-06-10T09:00:00', timeZone: 'UTC' } }, 400],
    ['event bad zone', '/v1.0/me/events', 'POST', { start: { dateTime: '2024-06-10T08:00:00', timeZone: 'Nowhere/Land' }, end: { dateTime: '2024-06-10T09:00:00', timeZone: 'UTC' } }, 400],
    ['event end before start', '/v1.0/me/events', 'POST', { start: { dateTime: '2024-06-10T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2024-06-10T09:00:00', timeZone: 'UTC' } }, 400],
    ['bad recurrence', '/v1.0/me/events', 'POST', { start: { dateTime: '2024-06-10T08:00:00', timeZone: 'UTC' }, end: { dateTime: '2024-06-10T09:00:00', timeZone: 'UTC' }, recurrence: { pattern: { type: 'hourly' } } }, 400],
    ['move of an unknown item', '/v1.0/me/messages/AAMkAGMnope/move', 'POST', { destinationId: 'archive' }, 404],
    ['unknown folder', '/v1.0/me/mailFolders/nope/messages', 'POST', { subject: 'x' }, 404],
    ['unknown item', '/v1.0/me/messages/AAMkAGMnope', 'PATCH', { isRead: true }, 404],
    ['unknown event', '/v1.0/me/events/AAMkAGEnope', 'GET', undefined, 404],
    ['calendar without name', '/v1.0/me/calendars', 'POST', {}, 400],
  ])('%s → %s with a Graph error', async (_name, path, method, body, status) => {
    const res = await graph(emu, path, { token, method, body });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toEqual(expect.any(String));
    expect(res.body.error.message).toEqual(expect.any(String));
  });

  it('a move to an unknown folder is a 404, and a move needs destinationId', async () => {
    const m = await emu.admin.createMessage('inbox', { subject: 'x' });
    expect((await graph(emu, `/v1.0/me/messages/${m.id}/move`, { token, method: 'POST', body: { destinationId: 'nowhere' } })).status).toBe(404);
    expect((await graph(emu, `/v1.0/me/messages/${m.id}/move`, { token, method: 'POST', body: {} })).status).toBe(400);
  });

  it('the admin write mirror needs no token and creates changes the same way', async () => {
    const res = await graph(emu, '/_emulator/users/adele.vance@contoso.example/mailFolders/inbox/messages', { method: 'POST', body: { subject: 'via admin' } });
    expect(res.status).toBe(201);
    const round = await readRound(emu, folderDelta('inbox'), token);
    expect(round.items.map((m) => m.subject)).toEqual(['via admin']);
  });
});

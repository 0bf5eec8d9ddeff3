import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_USER } from '../../../src/emulator/index.js';
import { emulatorFor, graph, readRound, type RunningEmulator } from '../../helpers/emulator.js';

let emu: RunningEmulator;
let token: string;
const INBOX = '/v1.0/me/mailFolders/inbox/messages/delta';

beforeAll(async () => {
  emu = await emulatorFor({ seed: 'empty' });
  token = await emu.admin.token();
});
afterAll(() => emu.close());
beforeEach(async () => {
  await emu.admin.reset({ seed: 'empty' });
  await emu.admin.setRealism({ overDeliver: 0, emptyPages: 0, repeatItems: 0, latencyMs: 0 });
});

async function seedInbox(n: number) {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const m = await emu.admin.createMessage('inbox', {
      subject: `m${i}`,
      receivedDateTime: new Date(Date.UTC(2024, 0, 1 + i)).toISOString(),
    });
    ids.push(m.id);
  }
  return ids;
}

describe('message delta rounds', () => {
  it('pages an initial round with nextLinks ($skiptoken) and ends with a deltaLink ($deltatoken), default page size 10', async () => {
    const ids = await seedInbox(25);
    const first = await graph(emu, INBOX, { token });
    expect(first.status).toBe(200);
    expect(first.body['@odata.context']).toBe(`${emu.url}/v1.0/$metadata#Collection(message)`);
    expect(first.body.value).toHaveLength(10);
    expect(first.body['@odata.deltaLink']).toBeUndefined();
    const next: string = first.body['@odata.nextLink'];
    expect(next.startsWith(`${emu.url}${INBOX}?$skiptoken=`)).toBe(true);
    const round = await readRound(emu, INBOX, token);
    expect(round.pages.map((p) => p.value.length)).toEqual([10, 10, 5]);
    expect(round.pages.slice(0, -1).every((p) => p['@odata.deltaLink'] === undefined)).toBe(true);
    expect(round.pages.at(-1)['@odata.nextLink']).toBeUndefined();
    expect(round.deltaLink.startsWith(`${emu.url}${INBOX}?$deltatoken=`)).toBe(true);
    expect(new Set(round.items.map((m) => m.id))).toEqual(new Set(ids));
    const sample = round.items[0];
    expect(sample['@odata.type']).toBe('#microsoft.graph.message');
    expect(sample['@odata.etag']).toMatch(/^W\/".+"$/);
    expect(sample).toHaveProperty('subject');
    expect(sample).toHaveProperty('receivedDateTime');
  });

  it('honours Prefer: odata.maxpagesize as a hint and answers Preference-Applied', async () => {
    await seedInbox(7);
    const res = await graph(emu, INBOX, { token, prefer: 'odata.maxpagesize=3' });
    expect(res.body.value).toHaveLength(3);
    expect(res.headers['preference-applied']).toContain('odata.maxpagesize=3');
    const capped = await graph(emu, INBOX, { token, prefer: 'odata.maxpagesize=100000' });
    expect(capped.headers['preference-applied']).toContain('odata.maxpagesize=1000');
    expect(capped.body.value).toHaveLength(7);
    const none = await graph(emu, INBOX, { token });
    expect(none.headers['preference-applied']).toBeUndefined();
  });

  it('re-fetching a nextLink returns the same page even after the folder changed', async () => {
    await seedInbox(12);
    const first = await graph(emu, INBOX, { token, prefer: 'odata.maxpagesize=5' });
    const link = first.body['@odata.nextLink'];
    const a = await graph(emu, link, { token, prefer: 'odata.maxpagesize=5' });
    await emu.admin.createMessage('inbox', { subject: 'late' });
    await emu.admin.deleteMessage(a.body.value[0].id);
    const b = await graph(emu, link, { token, prefer: 'odata.maxpagesize=5' });
    expect(b.body).toEqual(a.body);
  });

  it('the options live in the token: links carry no query options, and options repeated on a link are ignored', async () => {
    await seedInbox(4);
    const first = await graph(emu, `${INBOX}?$select=subject`, { token, prefer: 'odata.maxpagesize=2' });
    const link: string = first.body['@odata.nextLink'];
    expect(link).not.toContain('select');
    const second = await graph(emu, `${link}&$select=isRead`, { token, prefer: 'odata.maxpagesize=2' });
    expect(Object.keys(second.body.value[0]).sort()).toEqual(['@odata.etag', '@odata.type', 'id', 'subject']);
  });

  it('accepts $skipToken / $deltaToken casing', async () => {
    await seedInbox(3);
    const first = await graph(emu, INBOX, { token, prefer: 'odata.maxpagesize=2' });
    const camel = first.body['@odata.nextLink'].replace('$skiptoken', '$skipToken');
    const page = await graph(emu, camel, { token, prefer: 'odata.maxpagesize=2' });
    expect(page.status).toBe(200);
    const camelDelta = page.body['@odata.deltaLink'].replace('$deltatoken', '$deltaToken');
    expect((await graph(emu, camelDelta, { token })).status).toBe(200);
  });

  it('a deltaLink returns created and updated items whole and deletions as @removed', async () => {
    const ids = await seedInbox(5);
    const round = await readRound(emu, INBOX, token);
    const quiet = await readRound(emu, round.deltaLink, token);
    expect(quiet.items).toEqual([]);

    await emu.admin.updateMessage(ids[0] as string, { isRead: true });
    await emu.admin.deleteMessage(ids[1] as string);
    const created = await emu.admin.createMessage('inbox', { subject: 'new one' });
    await emu.admin.createMessage('sentitems', { subject: 'elsewhere' });
    const changes = await readRound(emu, round.deltaLink, token);
    const byId = new Map(changes.items.map((i) => [i.id, i]));
    expect(byId.size).toBe(3);
    expect(byId.get(ids[0] as string)).toMatchObject({ isRead: true, subject: 'm0' });
    expect(byId.get(ids[1] as string)).toEqual({ '@odata.type': '#microsoft.graph.message', id: ids[1], '@removed': { reason: 'deleted' } });
    expect(byId.get(created.id)).toMatchObject({ subject: 'new one' });

    // The next round starts from the end of this one.
    const after = await readRound(emu, changes.deltaLink, token);
    expect(after.items).toEqual([]);
  });

  it('an item created and deleted between two rounds is not reported; an initial round shows only what exists', async () => {
    const round = await readRound(emu, INBOX, token);
    const m = await emu.admin.createMessage('inbox', { subject: 'brief' });
    await emu.admin.deleteMessage(m.id);
    expect((await readRound(emu, round.deltaLink, token)).items).toEqual([]);
    expect((await readRound(emu, INBOX, token)).items).toEqual([]);
  });

  it('changes made while a round is paged show up in the next round, not in this one', async () => {
    const ids = await seedInbox(6);
    const first = await graph(emu, INBOX, { token, prefer: 'odata.maxpagesize=3' });
    const late = await emu.admin.createMessage('inbox', { subject: 'late' });
    await emu.admin.updateMessage(ids[5] as string, { subject: 'changed' });
    const rest = await readRound(emu, first.body['@odata.nextLink'], token, 'odata.maxpagesize=3');
    const seen = [...first.body.value, ...rest.items];
    expect(seen.map((m: any) => m.id).sort()).toEqual([...ids].sort());
    expect(seen.find((m: any) => m.id === ids[5]).subject).toBe('m5');
    const next = await readRound(emu, rest.deltaLink, token);
    expect(next.items.map((m) => m.id).sort()).toEqual([late.id, ids[5]].sort());
  });

  it('works under /users/{id} and /users/{upn} and in beta; links keep the path and version asked', async () => {
    await seedInbox(2);
    for (const path of [
      `/v1.0/users/${DEMO_USER.id}/mailFolders/inbox/messages/delta`,
      `/beta/users/${DEMO_USER.userPrincipalName}/mailFolders/Inbox/messages/delta`,
      `/v1.0/me/mailFolders('inbox')/messages/microsoft.graph.delta()`,
    ]) {
      const res = await graph(emu, path, { token, prefer: 'odata.maxpagesize=1' });
      expect(res.status, path).toBe(200);
      expect(res.body.value).toHaveLength(1);
      expect(res.body['@odata.nextLink'].startsWith(`${emu.url}${path}?$skiptoken=`)).toBe(true);
    }
  });

  it('a garbage or unknown token answers 410 syncStateNotFound; a token on another folder too', async () => {
    await seedInbox(3);
    for (const q of ['$skiptoken=garbage', '$deltatoken=AAAA', '$skiptoken=', '$deltatoken=%00%ff']) {
      const res = await graph(emu, `${INBOX}?${q}`, { token });
      expect(res.status, q).toBe(410);
      expect(res.body.error.code).toBe('syncStateNotFound');
    }
    const round = await readRound(emu, INBOX, token);
    const other = round.deltaLink.replace('/inbox/', '/archive/');
    expect((await graph(emu, other, { token })).status).toBe(410);
  });

  it('reset makes every earlier token unknown (410)', async () => {
    await seedInbox(2);
    const round = await readRound(emu, INBOX, token);
    await emu.admin.reset({ seed: 'empty' });
    const res = await graph(emu, round.deltaLink, { token });
    expect(res.status).toBe(410);
  });

  it('unknown folders answer 404 ErrorItemNotFound; /me/messages/delta is not change-trackable (400)', async () => {
    const res = await graph(emu, '/v1.0/me/mailFolders/nope/messages/delta', { token });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('ErrorItemNotFound');
    const flat = await graph(emu, '/v1.0/me/messages/delta', { token });
    expect(flat.status).toBe(400);
  });
});

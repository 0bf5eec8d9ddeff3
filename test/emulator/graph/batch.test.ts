import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_USER, SECOND_USER } from '../../../src/emulator/index.js';
import { emulatorFor, graph, type RunningEmulator } from '../../helpers/emulator.js';

let emu: RunningEmulator;
let token: string;

beforeAll(async () => {
  emu = await emulatorFor({ seed: { preset: 'demo', messages: 60 } });
  token = await emu.admin.token();
});
afterAll(() => emu.close());
beforeEach(async () => {
  await emu.admin.clearFaults();
  await emu.admin.setRealism({ latencyMs: 0, mailboxConcurrency: 0, defaultPageSize: 10 });
  await emu.admin.clearRequests();
  await emu.admin.resetConcurrency();
});

type Inner = { id: string; method?: string; url: string; headers?: Record<string, string>; dependsOn?: string[]; body?: unknown };
const batch = (requests: Inner[], version = 'v1.0', t: string | undefined = token) =>
  graph(emu, `/${version}/$batch`, { token: t, method: 'POST', body: { requests: requests.map((r) => ({ method: 'GET', ...r })) } });
const byId = (body: any) => new Map<string, any>(body.responses.map((r: any) => [r.id, r]));

describe('POST /{version}/$batch', () => {
  it('runs each request with its own headers and answers per item, matched by id and not in request order', async () => {
    const res = await batch([
      { id: '1', url: '/me/mailFolders/inbox/messages/delta?$select=subject', headers: { Prefer: 'odata.maxpagesize=2' } },
      { id: '2', url: 'me/mailFolders/sentitems/messages/delta', headers: { prefer: 'odata.maxpagesize=3' } },
      { id: '3', url: '/me/mailFolders/nosuchfolder/messages/delta' },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.responses.map((r: any) => r.id)).not.toEqual(['1', '2', '3']);
    const r = byId(res.body);
    expect(r.get('1').status).toBe(200);
    expect(r.get('1').body.value).toHaveLength(2);
    expect(Object.keys(r.get('1').body.value[0]).sort()).toEqual(['@odata.etag', '@odata.type', 'id', 'subject'].sort());
    // Links inside inner bodies are absolute, as in a plain answer.
    expect(r.get('1').body['@odata.nextLink']).toMatch(new RegExp(`^${emu.url}/v1.0/me/mailFolders/inbox/messages/delta\\?\\$skiptoken=`));
    expect(r.get('1').headers['Preference-Applied']).toContain('odata.maxpagesize=2');
    expect(r.get('2').body.value).toHaveLength(3);
    expect(r.get('3').status).toBe(404);
    expect(r.get('3').body.error.code).toBe('ErrorItemNotFound');

    // The request log has the batch and each inner request, tagged with the batch they came in.
    const log = await emu.admin.requests();
    const outer = log.find((e) => e.path === '/v1.0/$batch');
    expect(outer).toMatchObject({ method: 'POST', status: 200 });
    const inner = log.filter((e) => e.batch !== undefined);
    expect(inner).toHaveLength(3);
    for (const e of inner) expect(e.batch).toBe(outer?.requestId);
    expect(inner.find((e) => e.batchItem === '1')?.headers['prefer']).toBe('odata.maxpagesize=2');
    expect(inner.find((e) => e.batchItem === '1')?.headers['authorization']).toBeUndefined();
  });

  it('refuses more than 20 requests, duplicate ids (case-insensitively), absolute URLs and nested batches with a 400 for the batch', async () => {
    const many = Array.from({ length: 21 }, (_, i) => ({ id: String(i), url: '/me' }));
    expect((await batch(many)).status).toBe(400);
    expect((await batch(many.slice(0, 20))).status).toBe(200);
    expect((await batch([{ id: 'a', url: '/me' }, { id: 'A', url: '/me' }])).status).toBe(400);
    expect((await batch([{ id: 'a', url: `${emu.url}/v1.0/me` }])).status).toBe(400);
    expect((await batch([{ id: 'a', url: '/$batch', method: 'POST', headers: { 'content-type': 'application/json' }, body: { requests: [] } }])).status).toBe(400);
    expect((await batch([{ id: 'a', url: '/me', method: 'POST', body: {} }])).status).toBe(400);
    const notJson = await graph(emu, '/v1.0/$batch', { token, method: 'POST', body: { nope: [] } });
    expect(notJson.status).toBe(400);
    expect((await graph(emu, '/v1.0/$batch', { token })).status).toBe(405);
  });

  it('dependsOn: a serial batch runs in order, a failed dependency makes the rest 424; a mixed pattern is a 400', async () => {
    const res = await batch([
      { id: 'a', url: '/me' },
      { id: 'b', url: '/me/messages/nope', dependsOn: ['a'] },
      { id: 'c', url: '/me', dependsOn: ['b'] },
    ]);
    expect(res.status).toBe(200);
    const r = byId(res.body);
    expect(r.get('a').status).toBe(200);
    expect(r.get('b').status).toBe(404);
    expect(r.get('c').status).toBe(424);
    const log = (await emu.admin.requests()).filter((e) => e.batch !== undefined);
    expect(log.map((e) => e.batchItem)).toEqual(['a', 'b']);

    const mixed = await batch([{ id: 'a', url: '/me' }, { id: 'b', url: '/me', dependsOn: ['a'] }, { id: 'c', url: '/me' }]);
    expect(mixed.status).toBe(400);
    expect(mixed.body.error.message).toMatch(/fully sequential or fully parallel/);
  });

  it('inner requests go through auth, faults and the mailbox limit; a throttled one carries its own Retry-After', async () => {
    await emu.admin.injectFault({ status: 429, retryAfter: 3, match: { pathContains: 'sentitems' } });
    const res = await batch([
      { id: '1', url: '/me/mailFolders/inbox/messages/delta' },
      { id: '2', url: '/me/mailFolders/sentitems/messages/delta' },
    ]);
    const r = byId(res.body);
    expect(res.status).toBe(200);
    expect(r.get('1').status).toBe(200);
    expect(r.get('2').status).toBe(429);
    expect(r.get('2').headers['Retry-After']).toBe('3');

    const unauth = await batch([{ id: '1', url: '/me' }], 'v1.0', 'not-a-token');
    expect(unauth.status).toBe(401);
  });

  it('an unordered batch runs at most 4 requests at a time, and mailboxConcurrency counts them', async () => {
    await emu.admin.setRealism({ latencyMs: 60, mailboxConcurrency: 4 });
    const requests = Array.from({ length: 12 }, (_, i) => ({ id: `r${i}`, url: i % 2 ? '/me/mailFolders/inbox/messages/delta' : '/me/mailFolders/sentitems' }));
    const started = Date.now();
    const res = await batch(requests);
    const took = Date.now() - started;
    expect(res.body.responses.every((r: any) => r.status === 200)).toBe(true);
    expect(took).toBeGreaterThanOrEqual(3 * 60 - 10);
    expect((await emu.admin.concurrency())[DEMO_USER.id]).toBe(4);

    // A plain request beside a batch that fills the mailbox is over the limit.
    const [b, plain] = await Promise.all([batch(requests.slice(0, 4)), new Promise((r) => setTimeout(r, 20)).then(() => graph(emu, '/v1.0/me/mailFolders', { token }))]);
    expect(b.body.responses.every((r: any) => r.status === 200)).toBe(true);
    expect(plain.status).toBe(429);
    expect(plain.body.error.code).toBe('ApplicationThrottled');
  });

  it('in app mode one batch may address several mailboxes', async () => {
    const app = await emu.admin.token({ appOnly: true, roles: ['Mail.Read', 'User.Read.All'] });
    const res = await batch(
      [
        { id: '1', url: `/users/${DEMO_USER.id}/mailFolders/inbox` },
        { id: '2', url: `/users/${SECOND_USER.id}/mailFolders/inbox` },
      ],
      'v1.0',
      app,
    );
    const r = byId(res.body);
    expect(r.get('1').status).toBe(200);
    expect(r.get('2').status).toBe(200);
    expect(r.get('1').body.id).not.toBe(r.get('2').body.id);
  });
});

describe('plain reads that lookups and folders need', () => {
  it('messages/{id}, contacts/{id}, events/{id}, calendars/{id} with $select; 404 for an unknown id', async () => {
    const page = await graph(emu, '/v1.0/me/mailFolders/inbox/messages/delta?$select=subject', { token, prefer: 'IdType="ImmutableId"' });
    const id = page.body.value[0].id;
    const msg = await graph(emu, `/v1.0/me/messages/${encodeURIComponent(id)}?$select=subject,parentFolderId`, { token, prefer: 'IdType="ImmutableId"' });
    expect(msg.status).toBe(200);
    expect(Object.keys(msg.body).filter((k) => !k.startsWith('@')).sort()).toEqual(['id', 'parentFolderId', 'subject']);
    expect((await graph(emu, '/v1.0/me/messages/AAMkNoSuchMessage', { token })).status).toBe(404);
    expect((await graph(emu, '/v1.0/me/contacts/AAMkNoSuchContact', { token })).status).toBe(404);
    expect((await graph(emu, '/v1.0/me/events/AAMkNoSuchEvent', { token })).status).toBe(404);
    expect((await graph(emu, '/v1.0/me/calendars/AAMkNoSuchCalendar', { token })).status).toBe(404);
    const cals = await graph(emu, '/v1.0/me/calendars', { token });
    const cal = await graph(emu, `/v1.0/me/calendars/${cals.body.value[0].id}?$select=name`, { token });
    expect(Object.keys(cal.body).filter((k) => !k.startsWith('@')).sort()).toEqual(['id', 'name']);
  });

  it('mailFolders: top level, paged with nextLinks; childFolders; contactFolders lists the folders under the default one', async () => {
    await emu.admin.setRealism({ defaultPageSize: 2 });
    const first = await graph(emu, '/v1.0/me/mailFolders', { token });
    expect(first.body.value).toHaveLength(2);
    const names: string[] = [];
    for (let next: string | undefined = '/v1.0/me/mailFolders'; next !== undefined; ) {
      const res: any = await graph(emu, next, { token });
      names.push(...res.body.value.map((f: any) => f.displayName));
      next = res.body['@odata.nextLink'];
    }
    expect(names).toEqual(expect.arrayContaining(['Inbox', 'Sent Items', 'Drafts', 'Deleted Items', 'Archive']));
    const inbox = await graph(emu, '/v1.0/me/mailFolders/inbox', { token });
    expect(inbox.body.childFolderCount).toBeGreaterThan(0);
    const children = await graph(emu, '/v1.0/me/mailFolders/inbox/childFolders', { token });
    expect(children.body.value.length).toBe(inbox.body.childFolderCount);
    for (const c of children.body.value) expect(c.parentFolderId).toBe(inbox.body.id);
    expect(names).not.toContain(children.body.value[0].displayName);

    const def = await graph(emu, '/v1.0/me/contactFolders/contacts', { token });
    const listed = await graph(emu, '/v1.0/me/contactFolders', { token });
    expect(listed.body.value.map((f: any) => f.id)).not.toContain(def.body.id);
    for (const f of listed.body.value) expect(f.parentFolderId).toBe(def.body.id);
  });

  it('calendars/{id}/calendarView/delta reads that calendar', async () => {
    const cals = await graph(emu, '/v1.0/me/calendars', { token });
    const own = cals.body.value.find((c: any) => c.isDefaultCalendar);
    const res = await graph(emu, `/v1.0/me/calendars/${own.id}/calendarView/delta?startDateTime=2024-06-01T00:00:00Z&endDateTime=2024-07-01T00:00:00Z`, { token });
    expect(res.status).toBe(200);
    expect(res.body.value.length).toBeGreaterThan(0);
  });
});

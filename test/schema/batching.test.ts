import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RequestLogEntry } from '../../src/emulator/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
let contactsFolder: string;

beforeAll(async () => {
  gw = await startGateway({ emulator: { seed: { preset: 'demo', messages: 120 } }, env: { GRAPH_RETRY_BUDGET_MS: '5000' } });
  const folder = await fetch(`${gw.emulator.url}/v1.0/me/contactFolders/contacts`, { headers: { authorization: `Bearer ${gw.token}` } });
  contactsFolder = ((await folder.json()) as { id: string }).id;
});
afterAll(() => gw.close());
beforeEach(async () => {
  await gw.emulator.admin.clearFaults();
  await gw.emulator.admin.setRealism({ latencyMs: 0, mailboxConcurrency: 0, defaultPageSize: 10 });
  await gw.clearGraphRequests();
});

const isBatch = (e: RequestLogEntry) => e.path.endsWith('/$batch');
const innerOf = (log: RequestLogEntry[], batch: RequestLogEntry) => log.filter((e) => e.batch === batch.requestId);

describe('one operation, few Graph calls', () => {
  it('the example operation: one $batch with three inner requests for the first pages', async () => {
    const data = await gw.data(`{
      inbox: messagesDelta(folderId: "inbox", first: 5) { edges { node { id subject } } pageInfo { hasNextPage } }
      sent: messagesDelta(folderId: "sentitems", first: 5) { edges { node { id subject } } }
      contactsDelta(folderId: "${contactsFolder}", first: 5) { edges { node { id displayName } } }
    }`);
    expect(data.inbox.edges).toHaveLength(5);
    expect(data.sent.edges.length).toBeGreaterThan(0);
    expect(data.contactsDelta.edges.length).toBeGreaterThan(0);
    const log = await gw.graphRequests();
    const outer = log.filter((e) => e.batch === undefined);
    expect(outer).toHaveLength(1);
    expect(outer[0]).toMatchObject({ method: 'POST', path: '/v1.0/$batch', status: 200 });
    const inner = innerOf(log, outer[0] as RequestLogEntry);
    expect(inner.map((e) => e.path).sort()).toEqual(
      [`/v1.0/me/contactFolders/${contactsFolder}/contacts/delta`, '/v1.0/me/mailFolders/inbox/messages/delta', '/v1.0/me/mailFolders/sentitems/messages/delta'].sort(),
    );
    // Each inner request carries its own Prefer (page size and IdType) and $select.
    for (const e of inner) {
      expect(e.headers['prefer']).toContain('odata.maxpagesize=5');
      expect(e.headers['prefer']).toContain('IdType="ImmutableId"');
      expect(e.query['$select']).toMatch(/^id,/);
    }
  });

  it('a lone request goes out as a plain GET; identical requests are made once', async () => {
    await gw.data('{ a: messagesDelta(folderId: "inbox", first: 3) { edges { node { id } } } b: messagesDelta(folderId: "inbox", first: 3) { edges { node { id } } } }');
    const log = await gw.graphRequests();
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ method: 'GET', path: '/v1.0/me/mailFolders/inbox/messages/delta' });
  });

  it('a later fill-up round for some fields only shares a batch too', async () => {
    // Graph under-delivers (2 of 4): both message fields follow their nextLinks, in one batch again.
    await gw.emulator.admin.setRealism({ maxPageSize: 2 });
    try {
      await gw.data(`{
        a: messagesDelta(folderId: "inbox", first: 4) { edges { node { id } } }
        b: messagesDelta(folderId: "sentitems", first: 4) { edges { node { id } } }
        c: calendarsDelta { edges { node { id } } }
      }`);
    } finally {
      await gw.emulator.admin.setRealism({ maxPageSize: 1000 });
    }
    const log = await gw.graphRequests();
    const batches = log.filter(isBatch);
    // First round: three first pages (two versions: calendars are beta, so a plain GET beside a batch of two).
    const v1 = batches.filter((b) => b.path === '/v1.0/$batch');
    expect(v1.length).toBeGreaterThanOrEqual(2);
    for (const b of v1) expect(innerOf(log, b)).toHaveLength(2);
    expect(log.filter((e) => e.batch === undefined && !isBatch(e)).every((e) => e.path.startsWith('/beta/'))).toBe(true);
  });

  it('an inner 429 on one field is retried after its own Retry-After, the other fields are not asked again', async () => {
    await gw.emulator.admin.injectFault({ status: 429, retryAfter: 1, match: { pathContains: 'sentitems' } });
    const started = Date.now();
    const data = await gw.data(`{
      inbox: messagesDelta(folderId: "inbox", first: 2) { edges { node { id } } }
      sent: messagesDelta(folderId: "sentitems", first: 2) { edges { node { id } } }
    }`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(data.inbox.edges).toHaveLength(2);
    expect(data.sent.edges.length).toBeGreaterThan(0);
    const log = await gw.graphRequests();
    const sent = log.filter((e) => e.path.includes('sentitems'));
    expect(sent.map((e) => e.status)).toEqual([429, 200]);
    expect(log.filter((e) => e.path.includes('inbox'))).toHaveLength(1);
  });

  it('an inner 410 fails its field only: nullable fields keep their data', async () => {
    const calendars = await gw.data('{ calendarsDelta { edges { node { id } } } }');
    const calendarId = calendars.calendarsDelta.edges[0].node.id;
    await gw.clearGraphRequests();
    await gw.emulator.admin.injectFault({ status: 410, match: { pathContains: 'nosuchthing' } });
    const result = await gw.query(`{
      cal: calendar(id: "${calendarId}") { id name }
      msg: message(id: "nosuchthing") { id }
    }`);
    expect(result.data?.['cal']).toMatchObject({ id: calendarId });
    expect(result.data?.['msg']).toBeNull();
    expect(result.errors?.map((e) => [e.path?.[0], e.extensions?.['code']])).toEqual([['msg', 'RESYNC_REQUIRED']]);
    const log = await gw.graphRequests();
    expect(log.filter(isBatch)).toHaveLength(1);
  });

  it('an inner 410 on a connection nulls data with RESYNC_REQUIRED for that field (connections are non-null)', async () => {
    await gw.emulator.admin.injectFault({ status: 410, match: { pathContains: 'sentitems' } });
    const result = await gw.query(`{
      inbox: messagesDelta(folderId: "inbox", first: 2) { edges { node { id } } }
      sent: messagesDelta(folderId: "sentitems", first: 2) { edges { node { id } } }
    }`);
    expect(result.data).toBeNull();
    expect(result.errors?.map((e) => [e.path?.[0], e.extensions?.['code']])).toEqual([['sent', 'RESYNC_REQUIRED']]);
  });
});

describe('lookups and folders', () => {
  it('message/contact/event/calendar lookups read one item with $select and Prefer; 404 is null without an error', async () => {
    const page = await gw.data('{ messagesDelta(folderId: "inbox", first: 1) { edges { node { id } } } }');
    const id = page.messagesDelta.edges[0].node.id;
    await gw.clearGraphRequests();
    const result = await gw.query(`{
      message(id: "${id}") { id subject isRead }
      missing: message(id: "AAMkNoSuch") { id }
      contact(id: "AAMkNoSuch") { id }
      event(id: "AAMkNoSuch", timeZone: "Europe/Paris") { id }
      calendar(id: "AAMkNoSuch") { id }
    }`);
    expect(result.errors).toBeUndefined();
    expect(result.data).toMatchObject({ message: { id }, missing: null, contact: null, event: null, calendar: null });
    const log = await gw.graphRequests();
    const lookup = log.find((e) => e.batchItem !== undefined && e.path === `/v1.0/me/messages/${id}`);
    expect(lookup?.query['$select']).toBe('id,subject,isRead');
    expect(lookup?.headers['prefer']).toContain('IdType="ImmutableId"');
    expect(log.find((e) => e.path.includes('/events/'))?.headers['prefer']).toContain('outlook.timezone="Europe/Paris"');
  });

  it('bad id arguments are BAD_USER_INPUT before any I/O', async () => {
    for (const doc of ['{ message(id: "..") { id } }', '{ mailFolders(parentFolderId: ".") { id } }', '{ contactFolders(userId: "") { id } }']) {
      const result = await gw.query(doc);
      expect(result.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    }
    expect(await gw.graphRequests()).toHaveLength(0);
  });

  it('mailFolders follows every page; parentFolderId lists children; contactFolders puts the default folder first', async () => {
    await gw.emulator.admin.setRealism({ defaultPageSize: 2 });
    const data = await gw.data(`{
      mailFolders { id displayName childFolderCount }
      children: mailFolders(parentFolderId: "inbox") { id displayName parentFolderId }
      contactFolders { id displayName parentFolderId }
    }`);
    expect(data.mailFolders.map((f: any) => f.displayName)).toEqual(expect.arrayContaining(['Inbox', 'Sent Items', 'Drafts', 'Deleted Items', 'Archive']));
    const inbox = data.mailFolders.find((f: any) => f.displayName === 'Inbox');
    expect(data.children).toHaveLength(inbox.childFolderCount);
    for (const c of data.children) expect(c.parentFolderId).toBe(inbox.id);
    expect(data.contactFolders[0]).toMatchObject({ id: contactsFolder, displayName: 'Contacts' });
    expect(data.contactFolders.length).toBeGreaterThan(1);
    const log = await gw.graphRequests();
    // Several pages of top-level folders (page size 2), the later ones followed by nextLink.
    expect(log.filter((e) => e.path === '/v1.0/me/mailFolders' && e.query['$skip'] !== undefined).length).toBeGreaterThanOrEqual(2);
  });

  it('parentFolder over a page of messages from two folders: one lookup per distinct folder, parentFolderId in $select', async () => {
    const data = await gw.data(`{
      inbox: messagesDelta(folderId: "inbox", first: 30) { edges { node { id parentFolder { id displayName } } } }
      sent: messagesDelta(folderId: "sentitems", first: 30) { edges { node { id parentFolder { displayName } } } }
    }`);
    expect(data.inbox.edges.length).toBe(30);
    for (const e of data.inbox.edges) expect(e.node.parentFolder.displayName).toBe('Inbox');
    for (const e of data.sent.edges) expect(e.node.parentFolder.displayName).toBe('Sent Items');
    const log = await gw.graphRequests();
    const deltas = log.filter((e) => e.path.endsWith('/messages/delta'));
    for (const e of deltas) expect(e.query['$select']?.split(',')).toContain('parentFolderId');
    const folderReads = log.filter((e) => /\/me\/mailFolders\/[^/]+$/.test(e.path));
    expect(folderReads).toHaveLength(2);
    // The two folder lookups went out together.
    expect(new Set(folderReads.map((e) => e.batch)).size).toBe(1);
  });

  it('eventsDelta(calendarId) reads that calendar’s calendarView', async () => {
    const calendars = await gw.data('{ calendarsDelta { edges { node { id isDefaultCalendar } } } }');
    const id = calendars.calendarsDelta.edges.find((e: any) => e.node.isDefaultCalendar).node.id;
    await gw.clearGraphRequests();
    const data = await gw.data(`{ eventsDelta(calendarId: "${id}", startDateTime: "2024-06-01T00:00:00Z", endDateTime: "2024-07-01T00:00:00Z", first: 5) { edges { node { id } } } }`);
    expect(data.eventsDelta.edges.length).toBeGreaterThan(0);
    const log = await gw.graphRequests();
    expect(log[0]?.path).toBe(`/v1.0/me/calendars/${id}/calendarView/delta`);
  });
});

import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  CalendarsPageDocument,
  ContactsPageDocument,
  EventsPageDocument,
  MessagesChangedDocument,
  MessagesChangesSinceDocument,
  MessagesFirstPageDocument,
  MessagesNextPageDocument,
  MessagesReceivedSinceDocument,
  type MessagesChangedSubscription,
  type MessagesChangesSinceQuery,
  type MessagesFirstPageQuery,
  type MessagesNextPageQuery,
  type MessagesNextPageQueryVariables,
  type RemovedReason,
} from '../generated/graphql.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { execute, request, subscribe } from './typed-client.js';

type MessageEdge = MessagesFirstPageQuery['messagesDelta']['edges'][number];

// Compile-time half of the test: `tsc --noEmit` (first step of `npm test`) checks these against the
// generated types, so a schema change that breaks a client breaks the build.
expectTypeOf<RemovedReason>().toEqualTypeOf<'CHANGED' | 'DELETED'>();
// A round's $select is fixed by its first page: the continuing operations must select the same node fields.
expectTypeOf<MessagesNextPageQuery['messagesDelta']['edges'][number]['node']>().toEqualTypeOf<MessageEdge['node']>();
expectTypeOf<MessagesChangesSinceQuery['messagesDelta']['edges'][number]['node']>().toEqualTypeOf<MessageEdge['node']>();
expectTypeOf<MessagesChangedSubscription['messagesChanged']['edges'][number]['node']>().toEqualTypeOf<MessageEdge['node']>();
expectTypeOf<MessageEdge['cursor']>().toEqualTypeOf<string>();
expectTypeOf<MessagesNextPageQueryVariables>().toHaveProperty('after').toEqualTypeOf<string>();
// @ts-expect-error folderId is required by the schema (ID!)
const missingFolder: MessagesNextPageQueryVariables = { after: 'x' };
void missingFolder;

describe('typed operations (test/operations, generated into test/generated) through gateway and emulator', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ emulator: { seed: { preset: 'demo', messages: 40 } }, env: { POLL_INTERVAL_MS: '100' } });
  });
  afterAll(() => gw.close());

  it('reads a messages round with the README steps: first page, next pages, changes since', async () => {
    const first = await execute(gw, MessagesFirstPageDocument, { folderId: 'inbox', first: 5 });
    const edges: MessageEdge[] = [...first.messagesDelta.edges];
    expect(edges).toHaveLength(5);
    let { hasNextPage, endCursor } = first.messagesDelta.pageInfo;
    while (hasNextPage) {
      expect(endCursor).toEqual(expect.any(String));
      const next = await execute(gw, MessagesNextPageDocument, { folderId: 'inbox', after: endCursor ?? '' });
      edges.push(...next.messagesDelta.edges);
      ({ hasNextPage, endCursor } = next.messagesDelta.pageInfo);
    }
    const ids = edges.map((e) => e.node.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(5);
    for (const edge of edges) {
      expect(edge.removed ?? null).toBeNull();
      expect(edge.node.from?.emailAddress?.address).toMatch(/@/);
      expect(Number.isNaN(Date.parse(edge.node.receivedDateTime ?? ''))).toBe(false);
    }

    const created = await gw.emulator.admin.createMessage('inbox', { subject: 'typed hello' }, { prefer: ['IdType="ImmutableId"'] });
    const removedId = ids[0] ?? '';
    await gw.emulator.admin.deleteMessage(removedId);
    const since = await execute(gw, MessagesChangesSinceDocument, { folderId: 'inbox', after: endCursor ?? '' });
    const byId = new Map(since.messagesDelta.edges.map((e) => [e.node.id, e]));
    expect(byId.get(created.id)?.node.subject).toBe('typed hello');
    const reason: RemovedReason | undefined = byId.get(removedId)?.removed?.reason;
    expect(reason).toBe('DELETED');
    expect(since.messagesDelta.pageInfo.hasNextPage).toBe(false);
  });

  it('passes typed enum and DateTime variables (changeType, receivedDateTime filter, orderBy)', async () => {
    const since = '2000-01-01T00:00:00Z';
    const data = await execute(gw, MessagesReceivedSinceDocument, { folderId: 'inbox', since, changeType: 'CREATED', first: 10 });
    const received = data.messagesDelta.edges.map((e) => Date.parse(e.node.receivedDateTime ?? ''));
    expect(received.length).toBeGreaterThan(0);
    expect(received).toEqual([...received].sort((a, b) => b - a));
  });

  it('reads calendars, events of a window and contacts of a folder', async () => {
    const calendars = await execute(gw, CalendarsPageDocument, { first: 50 });
    const defaults = calendars.calendarsDelta.edges.filter((e) => e.node.isDefaultCalendar === true);
    expect(defaults).toHaveLength(1);
    expect(defaults[0]?.node.name).toEqual(expect.any(String));

    const events = await execute(gw, EventsPageDocument, {
      startDateTime: '2020-01-01T00:00:00Z',
      endDateTime: '2030-01-01T00:00:00Z',
      timeZone: 'Europe/Berlin',
      first: 20,
    });
    expect(events.eventsDelta.edges.length).toBeGreaterThan(0);
    for (const { node } of events.eventsDelta.edges) {
      expect(node.start?.timeZone).toBe('Europe/Berlin');
      expect(node.end?.dateTime).toEqual(expect.any(String));
    }

    const folder = await fetch(`${gw.emulator.url}/v1.0/me/contactFolders/contacts`, { headers: { authorization: `Bearer ${gw.token}` } });
    const folderId = ((await folder.json()) as { id?: string }).id ?? '';
    const contacts = await execute(gw, ContactsPageDocument, { folderId, first: 10 });
    expect(contacts.contactsDelta.edges.length).toBeGreaterThan(0);
    expect(contacts.contactsDelta.edges[0]?.node.displayName).toEqual(expect.any(String));
  });

  it('surfaces contract errors with typed variables (a foreign cursor is INVALID_CURSOR)', async () => {
    const result = await request(gw, MessagesNextPageDocument, { folderId: 'inbox', after: 'not-a-cursor' });
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]?.extensions?.['code']).toBe('INVALID_CURSOR');
  });

  it('receives typed subscription batches (messagesChanged over SSE) from a round-end cursor', async () => {
    let page = (await execute(gw, MessagesFirstPageDocument, { folderId: 'inbox', first: 100 })).messagesDelta;
    while (page.pageInfo.hasNextPage) page = (await execute(gw, MessagesNextPageDocument, { folderId: 'inbox', after: page.pageInfo.endCursor ?? '' })).messagesDelta;
    const after = page.pageInfo.endCursor ?? '';

    const stream = subscribe(gw, MessagesChangedDocument, { folderId: 'inbox', after });
    try {
      const created = await gw.emulator.admin.createMessage('inbox', { subject: 'pushed' }, { prefer: ['IdType="ImmutableId"'] });
      const { data, errors } = await stream.next(15_000);
      expect(errors).toBeUndefined();
      const batch = data?.messagesChanged;
      expect(batch?.edges.map((e) => [e.node.id, e.node.subject, e.removed?.reason ?? null])).toEqual([[created.id, 'pushed', null]]);
      // The batch cursor is a round-end cursor: the query continues from it with nothing new.
      const since = await execute(gw, MessagesChangesSinceDocument, { folderId: 'inbox', after: batch?.cursor ?? '' });
      expect(since.messagesDelta.edges).toEqual([]);
    } finally {
      stream.close();
    }
  });
});

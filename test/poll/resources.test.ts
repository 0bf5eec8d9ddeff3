import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorAdmin, GraphJson, RunningEmulator } from '../../src/emulator/index.js';
import { startEmulator } from '../../src/emulator/index.js';
import { IMMUTABLE, startSubscriptionGateway, until, type SubscriptionGateway } from '../helpers/subscription-harness.js';

// Narrow: expanding series over years makes the silent first round slow.
const WINDOW = 'startDateTime: "2025-03-01T00:00:00Z", endDateTime: "2026-07-01T00:00:00Z"';

interface Case {
  field: string;
  query: string;
  /** Arguments of the subscription besides `after`. */
  args: (folder: string) => string;
  node: string;
  change(admin: EmulatorAdmin, folder: string): Promise<GraphJson>;
}

const CASES: Case[] = [
  {
    field: 'calendars',
    query: 'calendarsDelta',
    args: () => '',
    node: 'id name',
    change: (admin) => admin.createCalendar({ name: 'Pushed calendar' }),
  },
  {
    field: 'events',
    query: 'eventsDelta',
    args: () => '',
    node: 'id subject',
    change: (admin) =>
      admin.createEvent(
        { subject: 'Pushed event', start: { dateTime: '2025-03-04T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2025-03-04T11:00:00', timeZone: 'UTC' } },
        { prefer: [IMMUTABLE] },
      ),
  },
  {
    field: 'contacts',
    query: 'contactsDelta',
    args: (folder) => `folderId: "${folder}"`,
    node: 'id displayName',
    change: (admin, folder) => admin.createContact({ displayName: 'Pushed Contact', givenName: 'Pushed' }, { folderId: folder, prefer: [IMMUTABLE] }),
  },
];

function queryArgs(c: Case, folder: string): string {
  if (c.field === 'events') return WINDOW;
  return c.args(folder);
}

describe('subscriptions: every resource', () => {
  let emulator: RunningEmulator;
  let gw: SubscriptionGateway;
  let folder: string;

  beforeAll(async () => {
    emulator = await startEmulator({ seed: 'demo' });
    gw = await startSubscriptionGateway({ emulator });
    const response = await fetch(`${emulator.url}/v1.0/me/contactFolders/contacts`, { headers: { authorization: `Bearer ${gw.token}` } });
    folder = ((await response.json()) as { id?: string }).id ?? '';
  });
  afterAll(async () => {
    await gw.close();
    await emulator.close();
  });

  async function roundEnd(c: Case): Promise<string> {
    let after: string | undefined;
    for (let page = 0; page < 100; page += 1) {
      const list: string = [queryArgs(c, folder), 'first: 500', ...(after ? [`after: "${after}"`] : [])].filter((a) => a !== '').join(', ');
      const data: { c: { pageInfo: { hasNextPage: boolean; endCursor: string } } } = await gw.data(
        `{ c: ${c.query}(${list}) { edges { node { ${c.node} } } pageInfo { hasNextPage endCursor } } }`,
      );
      const end: string = data.c.pageInfo.endCursor;
      if (!data.c.pageInfo.hasNextPage) return end;
      after = end;
    }
    throw new Error('round did not end');
  }

  it.each(CASES)('$field: a change made after the round-end cursor arrives in a batch', async (c) => {
    const after = await roundEnd(c);
    const created = await c.change(emulator.admin, folder);
    const args = [c.args(folder), 'after: $after'].filter((a) => a !== '').join(', ');
    const stream = gw.subscribe<Record<string, { cursor: string; edges: { node: { id: string } }[] }>>(
      `subscription S($after: String) { changed: ${c.field}Changed(${args}) { cursor edges { cursor removed { reason } node { ${c.node} } } } }`,
      { after },
    );
    const batch = await stream.next();
    expect(batch.errors, JSON.stringify(batch.errors)).toBeUndefined();
    expect(batch.data?.['changed']?.edges.map((e) => e.node.id)).toContain(created.id);
    expect(batch.data?.['changed']?.cursor).toEqual(expect.any(String));
    stream.close();
  });

  it('a cursor whose round selected fewer fields than the subscription selects: CURSOR_ARGS_MISMATCH', async () => {
    const { c } = await gw.data<{ c: { pageInfo: { endCursor: string } } }>(
      `{ c: contactsDelta(folderId: "${folder}", first: 1000) { edges { node { id } } pageInfo { endCursor } } }`,
    );
    const stream = gw.subscribe(`subscription S($after: String) { contactsChanged(folderId: "${folder}", after: $after) { cursor edges { node { id displayName } } } }`, {
      after: c.pageInfo.endCursor,
    });
    const result = await stream.next();
    expect(result.errors?.[0]?.extensions?.['code']).toBe('CURSOR_ARGS_MISMATCH');
    await stream.done;
  });

  it('eventsChanged without `after` completes a calendarView round silently, then pushes changes in the window', async () => {
    const stream = gw.subscribe<{ eventsChanged: { edges: { node: { id: string; subject: string } }[] } }>(
      `subscription { eventsChanged(${WINDOW}, timeZone: "Europe/Paris") { cursor edges { node { id subject start { timeZone } } } } }`,
    );
    await until(() => gw.pollers.stats().some((s) => s.resource === 'events' && s.phase === 'holding'), 'events poller polling');
    const event = await emulator.admin.createEvent(
      { subject: 'Window event', start: { dateTime: '2026-05-04T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-05-04T11:00:00', timeZone: 'UTC' } },
      { prefer: [IMMUTABLE] },
    );
    const batch = await stream.next();
    expect(batch.data?.eventsChanged.edges.map((e) => e.node.id)).toEqual([event.id]);
    expect(batch.data?.eventsChanged.edges[0]).toMatchObject({ node: { subject: 'Window event', start: { timeZone: 'Europe/Paris' } } });
    stream.close();
  });
});

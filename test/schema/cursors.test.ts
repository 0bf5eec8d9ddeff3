import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECOND_USER } from '../../src/emulator/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { connectionQuery, defaultContactFolderId, type Connection } from '../fixtures/resources.js';

// Contract §4: cursors are sealed, bound to the principal and the field, and carry the round's
// arguments and $select; every attack is refused before any Graph request.

let gw: TestGateway;
let folder: string;
let inboxCursor: string;
let roundEndCursor: string;
let eventsCursor: string;

const INBOX = connectionQuery('messages', 'folderId: "inbox"', 'id subject');
const EVENTS = `query($after: String, $s: DateTime, $e: DateTime, $z: String) {
  c: eventsDelta(startDateTime: $s, endDateTime: $e, timeZone: $z, first: 2, after: $after) { edges { node { id } } pageInfo { endCursor } }
}`;
const WINDOW = { s: '2025-01-01T00:00:00Z', e: '2025-02-01T00:00:00Z' };

beforeAll(async () => {
  gw = await startGateway({ emulator: { seed: { preset: 'demo', messages: 20 } } });
  folder = await defaultContactFolderId(gw);
  inboxCursor = (await gw.data<{ c: Connection }>(INBOX, { first: 3 })).c.pageInfo.endCursor;
  roundEndCursor = (await gw.data<{ c: Connection }>(INBOX, { first: 1000 })).c.pageInfo.endCursor;
  eventsCursor = (await gw.data<{ c: Connection }>(EVENTS, { ...WINDOW, z: 'Europe/Paris' })).c.pageInfo.endCursor;
});
afterAll(() => gw.close());

async function expectRefused(code: string, document: string, variables: Record<string, unknown>, token?: string) {
  await gw.clearGraphRequests();
  const result = await gw.query(document, variables, token === undefined ? {} : { token });
  expect(result.errors?.[0]?.extensions?.['code']).toBe(code);
  expect(await gw.graphRequests()).toEqual([]);
  return result;
}

describe('cursor attacks', () => {
  it('a tampered cursor is INVALID_CURSOR', async () => {
    const middle = Math.floor(inboxCursor.length / 2);
    const flipped = inboxCursor.slice(0, middle) + (inboxCursor[middle] === 'A' ? 'B' : 'A') + inboxCursor.slice(middle + 1);
    await expectRefused('INVALID_CURSOR', INBOX, { after: flipped });
    await expectRefused('INVALID_CURSOR', INBOX, { after: inboxCursor.slice(0, -4) });
    await expectRefused('INVALID_CURSOR', INBOX, { after: 'not-a-cursor' });
    await expectRefused('INVALID_CURSOR', INBOX, { after: Buffer.from('{"at":{"kind":"delta","link":"http://evil"}}').toString('base64url') });
  });

  it('another principal’s cursor is INVALID_CURSOR', async () => {
    const other = await gw.emulator.admin.token({ user: SECOND_USER.id });
    await expectRefused('INVALID_CURSOR', INBOX, { after: inboxCursor }, other);
  });

  it('a cursor of another field is INVALID_CURSOR', async () => {
    await expectRefused('INVALID_CURSOR', connectionQuery('contacts', `folderId: "${folder}"`, 'id'), { after: inboxCursor });
    await expectRefused('INVALID_CURSOR', connectionQuery('calendars', '', 'id'), { after: roundEndCursor });
  });

  it.each([
    ['folderId', connectionQuery('messages', 'folderId: "sentitems"', 'id subject')],
    ['changeType', connectionQuery('messages', 'folderId: "inbox", changeType: CREATED', 'id subject')],
    ['orderBy', connectionQuery('messages', 'folderId: "inbox", orderBy: RECEIVED_DATE_TIME_DESC', 'id subject')],
    ['filter', connectionQuery('messages', 'folderId: "inbox", filter: { receivedDateTime: { ge: "2020-01-01T00:00:00Z" } }', 'id subject')],
    ['userId', connectionQuery('messages', `folderId: "inbox", userId: "${SECOND_USER.id}"`, 'id subject')],
  ])('other arguments (%s) are CURSOR_ARGS_MISMATCH naming the argument', async (argument, document) => {
    const result = await expectRefused('CURSOR_ARGS_MISMATCH', document, { after: inboxCursor });
    expect(result.errors?.[0]?.message).toContain(argument);
  });

  it.each([
    ['startDateTime', { ...WINDOW, s: '2025-01-01T00:00:01Z', z: 'Europe/Paris' }],
    ['endDateTime', { ...WINDOW, z: 'Europe/Paris', e: '2025-03-01T00:00:00Z' }],
    ['timeZone', { ...WINDOW, z: 'UTC' }],
  ])('events: another %s is CURSOR_ARGS_MISMATCH', async (argument, variables) => {
    const result = await expectRefused('CURSOR_ARGS_MISMATCH', EVENTS, { ...variables, after: eventsCursor });
    expect(result.errors?.[0]?.message).toContain(argument);
  });

  it('fields outside the round’s $select are CURSOR_ARGS_MISMATCH; a subset is fine', async () => {
    const result = await expectRefused('CURSOR_ARGS_MISMATCH', connectionQuery('messages', 'folderId: "inbox"', 'id subject bodyPreview'), {
      after: inboxCursor,
    });
    expect(result.errors?.[0]?.message).toContain('bodyPreview');
    const subset = await gw.query(connectionQuery('messages', 'folderId: "inbox"', 'id'), { after: inboxCursor });
    expect(subset.errors).toBeUndefined();
  });
});

describe('cursors that are fine', () => {
  it('the same arguments, or none, continue the round; equal instants in other spellings too', async () => {
    const same = await gw.query(connectionQuery('messages', 'folderId: "inbox"', 'id subject'), { after: inboxCursor });
    expect(same.errors).toBeUndefined();
    const events = await gw.query(EVENTS, { after: eventsCursor, s: '2025-01-01T01:00:00+01:00', z: 'Europe/Paris' });
    expect(events.errors).toBeUndefined();
    const bare = await gw.query(`query($a: String) { c: eventsDelta(after: $a) { pageInfo { endCursor } } }`, { a: eventsCursor });
    expect(bare.errors).toBeUndefined();
  });

  it('re-using a cursor re-reads the same position (cursors are values)', async () => {
    const a = await gw.data<{ c: Connection }>(INBOX, { first: 4, after: inboxCursor });
    const b = await gw.data<{ c: Connection }>(INBOX, { first: 4, after: inboxCursor });
    expect(b.c.edges.map((e) => e.node.id)).toEqual(a.c.edges.map((e) => e.node.id));
  });

  it('another gateway instance with the same CURSOR_SECRET continues the round', async () => {
    const twin = await startGateway({ emulator: { seed: 'empty' }, graphBaseUrl: gw.emulator.url });
    try {
      const mine = await gw.data<{ c: Connection }>(INBOX, { first: 4, after: inboxCursor });
      const theirs = await twin.data<{ c: Connection }>(INBOX, { first: 4, after: inboxCursor }, { token: gw.token });
      expect(theirs.c.edges.map((e) => e.node.id)).toEqual(mine.c.edges.map((e) => e.node.id));
    } finally {
      await twin.close();
    }
  });

  it('cursors are opaque: URL-safe, at most 4 KiB, no Graph URL, token or id readable', async () => {
    for (const cursor of [inboxCursor, roundEndCursor, eventsCursor]) {
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(cursor.length).toBeLessThanOrEqual(4096);
      const decoded = Buffer.from(cursor, 'base64url').toString('latin1');
      expect(decoded).not.toMatch(/skiptoken|deltatoken|http|inbox|Europe/i);
    }
  });
});

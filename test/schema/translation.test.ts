import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECOND_USER } from '../../src/emulator/index.js';
import { preferencesOf, startGateway, type TestGateway } from '../helpers/gateway.js';
import { connectionQuery, deltaPathOf, FIELD, RESOURCES, requiredArgs, type ResourceName } from '../fixtures/resources.js';

// The contract's translation table (CONTRACT.md §3), one row per case: what Graph receives for
// accepted arguments, and the error (with zero Graph requests) for rejected ones.

let gw: TestGateway;
let folder: string;

beforeAll(async () => {
  gw = await startGateway({ emulator: { seed: { preset: 'demo', messages: 30 } } });
  const response = await fetch(`${gw.emulator.url}/v1.0/me/contactFolders/contacts`, { headers: { authorization: `Bearer ${gw.token}` } });
  folder = ((await response.json()) as { id?: string }).id ?? '';
});
afterAll(() => gw.close());

/** Runs a query and returns the first Graph request it caused (there must be one). */
async function firstGraphRequest(document: string, variables: Record<string, unknown> = {}) {
  await gw.clearGraphRequests();
  const result = await gw.query(document, variables);
  expect(result.errors).toBeUndefined();
  const [request] = await gw.graphRequests();
  if (!request) throw new Error('no Graph request');
  return request;
}

const ALLOWED_QUERY: Record<ResourceName, string[]> = {
  calendars: [],
  events: ['startDateTime', 'endDateTime'],
  contacts: ['$select'],
  messages: ['$select', 'changeType', '$filter', '$orderby'],
};

describe('accepted arguments: what Graph receives', () => {
  it.each(RESOURCES)('%s: first → Prefer: odata.maxpagesize (default 50); only the resource’s own query options', async (resource) => {
    const request = await firstGraphRequest(connectionQuery(resource, requiredArgs(resource, folder)), { first: 7 });
    expect(preferencesOf(request)).toContain('odata.maxpagesize=7');
    for (const key of Object.keys(request.query)) expect(ALLOWED_QUERY[resource]).toContain(key);
    expect(request.query).not.toHaveProperty('$top');
    expect(request.query).not.toHaveProperty('$expand');
    expect(request.query).not.toHaveProperty('$search');

    const byDefault = await firstGraphRequest(connectionQuery(resource, requiredArgs(resource, folder)));
    expect(preferencesOf(byDefault)).toContain('odata.maxpagesize=50');
  });

  it.each(RESOURCES)('%s: path /me/… without userId, /users/{userId}/… with it', async (resource) => {
    const version = resource === 'calendars' ? 'beta' : 'v1.0';
    const mine = await firstGraphRequest(connectionQuery(resource, requiredArgs(resource, folder)));
    expect(mine.path).toBe(`/${version}${deltaPathOf(resource, folder)}`);
    if (resource === 'contacts') return; // the second user's contact folders have other ids
    const args = [requiredArgs(resource, folder), `userId: "${SECOND_USER.id}"`].filter(Boolean).join(', ');
    await gw.clearGraphRequests();
    await gw.query(connectionQuery(resource, args));
    const [theirs] = await gw.graphRequests();
    expect(theirs?.path).toBe(`/${version}${deltaPathOf(resource, folder, `/users/${SECOND_USER.id}`)}`);
  });

  it.each([
    ['calendars', false],
    ['events', true],
    ['contacts', true],
    ['messages', true],
  ] as const)('%s: Prefer IdType="ImmutableId" is sent: %s', async (resource, sent) => {
    const request = await firstGraphRequest(connectionQuery(resource, requiredArgs(resource, folder)));
    expect(preferencesOf(request).includes('IdType="ImmutableId"')).toBe(sent);
  });

  it.each([
    ['contacts', 'id displayName emailAddresses { address }', 'id,displayName,emailAddresses'],
    ['contacts', '__typename', 'id'],
    ['messages', 'subject ... on Message { isRead } ...M', 'id,subject,isRead,receivedDateTime'],
    ['messages', 'from { emailAddress { address } } id subject @skip(if: true)', 'id,from'],
  ] as const)('%s: selected node fields → $select (%s)', async (resource, node, select) => {
    const document = `${connectionQuery(resource, requiredArgs(resource, folder), node)} fragment M on Message { receivedDateTime }`;
    const request = await firstGraphRequest(document.includes('...M') ? document : connectionQuery(resource, requiredArgs(resource, folder), node));
    expect(request.query['$select']).toBe(select);
  });

  it.each(['calendars', 'events'] as const)('%s: no $select is sent, whatever is selected', async (resource) => {
    const request = await firstGraphRequest(connectionQuery(resource, requiredArgs(resource, folder)));
    expect(request.query).not.toHaveProperty('$select');
  });

  it.each([
    ['2024-05-01T08:00:00Z', '2024-06-01T00:00:00Z', '2024-05-01T08:00:00Z', '2024-06-01T00:00:00Z'],
    ['2024-05-01T08:00:00', '2024-05-02T08:00:00.5', '2024-05-01T08:00:00Z', '2024-05-02T08:00:00.500Z'],
    ['2024-05-01T10:00:00+02:00', '2024-05-01T10:00:01+02:00', '2024-05-01T08:00:00Z', '2024-05-01T08:00:01Z'],
  ])('events: startDateTime %s, endDateTime %s → same-named parameters in UTC', async (start, end, sentStart, sentEnd) => {
    const request = await firstGraphRequest(
      `query($s: DateTime, $e: DateTime) { eventsDelta(startDateTime: $s, endDateTime: $e) { pageInfo { endCursor } } }`,
      { s: start, e: end },
    );
    expect(request.query).toMatchObject({ startDateTime: sentStart, endDateTime: sentEnd });
  });

  it.each(['Pacific Standard Time', 'Europe/Paris', 'UTC', 'America/Argentina/Buenos_Aires', 'W. Europe Standard Time'])(
    'events: timeZone %s → Prefer: outlook.timezone',
    async (zone) => {
      const request = await firstGraphRequest(
        `query($z: String) { eventsDelta(startDateTime: "2024-01-01T00:00:00Z", endDateTime: "2024-02-01T00:00:00Z", timeZone: $z) { pageInfo { endCursor } } }`,
        { z: zone },
      );
      expect(preferencesOf(request)).toContain(`outlook.timezone="${zone}"`);
      expect(preferencesOf(request)).toContain('IdType="ImmutableId"');
    },
  );

  it.each([
    ['changeType: CREATED', { changeType: 'created' }],
    ['changeType: UPDATED', { changeType: 'updated' }],
    ['changeType: DELETED', { changeType: 'deleted' }],
    ['filter: { receivedDateTime: { gt: "2024-01-01T00:00:00Z" } }', { $filter: 'receivedDateTime gt 2024-01-01T00:00:00Z' }],
    ['filter: { receivedDateTime: { ge: "2024-01-01T02:00:00+02:00" } }', { $filter: 'receivedDateTime ge 2024-01-01T00:00:00Z' }],
    ['orderBy: RECEIVED_DATE_TIME_DESC', { $orderby: 'receivedDateTime desc' }],
  ])('messages: %s', async (args, expected) => {
    const request = await firstGraphRequest(`{ messagesDelta(folderId: "inbox", ${args}) { pageInfo { endCursor } } }`);
    expect(request.query).toMatchObject(expected);
  });
});

describe('configuration switches', () => {
  it('GRAPH_IMMUTABLE_IDS=false sends no IdType; GRAPH_CALENDARS_VERSION=v1.0 moves calendars to v1.0', async () => {
    const other = await startGateway({ emulator: { seed: 'empty' }, env: { GRAPH_IMMUTABLE_IDS: 'false', GRAPH_CALENDARS_VERSION: 'v1.0' } });
    try {
      await other.data('{ messagesDelta(folderId: "inbox") { pageInfo { endCursor } } calendarsDelta { pageInfo { endCursor } } }');
      // Both first pages go out in one $batch (one version): the inner requests carry their own Prefer.
      const requests = (await other.graphRequests()).filter((r) => !r.path.endsWith('/$batch'));
      expect(requests.map((r) => r.path).sort()).toEqual(['/v1.0/me/calendars/delta', '/v1.0/me/mailFolders/inbox/messages/delta']);
      for (const request of requests) expect(preferencesOf(request)).not.toContain('IdType="ImmutableId"');
    } finally {
      await other.close();
    }
  });
});

const rejected: [string, ResourceName, string, string, string][] = [
  ...RESOURCES.flatMap((r): [string, ResourceName, string, string, string][] => [
    [`${r}: last`, r, '+ last: 5', 'UNSUPPORTED_QUERY_OPTION', 'last'],
    [`${r}: before`, r, '+ before: "x"', 'UNSUPPORTED_QUERY_OPTION', 'before'],
    [`${r}: first 0`, r, '+ first: 0', 'BAD_USER_INPUT', 'first'],
    [`${r}: first 1001`, r, '+ first: 1001', 'BAD_USER_INPUT', 'first'],
    [`${r}: first -3`, r, '+ first: -3', 'BAD_USER_INPUT', 'first'],
  ]),
  ['events: no startDateTime', 'events', 'endDateTime: "2024-01-01T00:00:00Z"', 'BAD_USER_INPUT', 'startDateTime'],
  ['events: no endDateTime', 'events', 'startDateTime: "2024-01-01T00:00:00Z"', 'BAD_USER_INPUT', 'endDateTime'],
  ['events: start = end', 'events', 'startDateTime: "2024-01-01T00:00:00Z", endDateTime: "2024-01-01T00:00:00Z"', 'BAD_USER_INPUT', 'startDateTime'],
  ['events: start > end', 'events', 'startDateTime: "2024-02-01T00:00:00Z", endDateTime: "2024-01-01T00:00:00+02:00"', 'BAD_USER_INPUT', 'startDateTime'],
  ['events: junk timeZone', 'events', 'startDateTime: "2024-01-01T00:00:00Z", endDateTime: "2024-02-01T00:00:00Z", timeZone: "Mars/Olympus"', 'BAD_USER_INPUT', 'timeZone'],
  ['events: header injection in timeZone', 'events', 'startDateTime: "2024-01-01T00:00:00Z", endDateTime: "2024-02-01T00:00:00Z", timeZone: "UTC\\", odata.maxpagesize=1"', 'BAD_USER_INPUT', 'timeZone'],
  ['messages: both gt and ge', 'messages', 'folderId: "inbox", filter: { receivedDateTime: { gt: "2024-01-01T00:00:00Z", ge: "2024-01-01T00:00:00Z" } }', 'BAD_USER_INPUT', 'filter.receivedDateTime'],
  ['messages: neither gt nor ge', 'messages', 'folderId: "inbox", filter: { receivedDateTime: {} }', 'BAD_USER_INPUT', 'filter.receivedDateTime'],
  ['messages: empty folderId', 'messages', 'folderId: ""', 'BAD_USER_INPUT', 'folderId'],
  ['contacts: empty folderId', 'contacts', 'folderId: ""', 'BAD_USER_INPUT', 'folderId'],
  ['calendars: empty userId', 'calendars', 'userId: ""', 'BAD_USER_INPUT', 'userId'],
];

describe('rejected arguments: a named error and zero Graph requests', () => {
  it.each(rejected)('%s', async (_name, resource, args, code, argument) => {
    await gw.clearGraphRequests();
    // '+ …' rows add to the arguments a new round needs; the others are complete.
    const all = args.startsWith('+ ') ? [requiredArgs(resource, folder), args.slice(2)].filter(Boolean).join(', ') : args;
    const result = await gw.query(`{ c: ${FIELD[resource]}(${all}) { pageInfo { endCursor } } }`);
    expect(result.errors?.[0]?.extensions?.['code']).toBe(code);
    expect(result.errors?.[0]?.message).toContain(argument);
    expect(result.errors?.[0]?.message).toContain(resource);
    expect(result.errors?.[0]?.extensions).toMatchObject({ argument, resource });
    expect(await gw.graphRequests()).toEqual([]);
  });

  it.each([
    ['literal', `{ eventsDelta(startDateTime: "yesterday", endDateTime: "2024-01-01T00:00:00Z") { pageInfo { endCursor } } }`, {}],
    ['variable', `query($s: DateTime) { eventsDelta(startDateTime: $s, endDateTime: "2024-01-01T00:00:00Z") { pageInfo { endCursor } } }`, { s: '2024-13-01T00:00:00Z' }],
    ['filter variable', `query($f: MessageDeltaFilter) { messagesDelta(folderId: "inbox", filter: $f) { pageInfo { endCursor } } }`, { f: { receivedDateTime: { gt: '2024-02-30T00:00:00Z' } } }],
  ])('a malformed DateTime (%s) is BAD_USER_INPUT', async (_how, document, variables) => {
    await gw.clearGraphRequests();
    const result = await gw.query(document, variables);
    expect(result.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(/ISO 8601/);
    expect(await gw.graphRequests()).toEqual([]);
  });

  it('no token: UNAUTHENTICATED without any Graph request', async () => {
    await gw.clearGraphRequests();
    const result = await gw.query('{ messagesDelta(folderId: "inbox") { pageInfo { endCursor } } }', {}, { token: null });
    expect(result.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(await gw.graphRequests()).toEqual([]);
  });
});

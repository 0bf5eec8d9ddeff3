import type { TestGateway } from '../helpers/gateway.js';

export type ResourceName = 'calendars' | 'events' | 'contacts' | 'messages';
export const RESOURCES: ResourceName[] = ['calendars', 'events', 'contacts', 'messages'];

export const FIELD: Record<ResourceName, string> = {
  calendars: 'calendarsDelta',
  events: 'eventsDelta',
  contacts: 'contactsDelta',
  messages: 'messagesDelta',
};

/** Node fields each test selects (a couple besides id). */
export const NODE: Record<ResourceName, string> = {
  calendars: 'id name color',
  events: 'id subject start { dateTime timeZone }',
  contacts: 'id displayName emailAddresses { address }',
  messages: 'id subject isRead',
};

// A quarter of the demo calendar: a few dozen events (series expanded), quick to page through.
export const WINDOW = { startDateTime: '2025-01-01T00:00:00Z', endDateTime: '2025-04-01T00:00:00Z' };

/** Arguments (GraphQL literal syntax) a new round of each resource needs. */
export function requiredArgs(resource: ResourceName, contactFolderId: string): string {
  switch (resource) {
    case 'calendars':
      return '';
    case 'events':
      return `startDateTime: "${WINDOW.startDateTime}", endDateTime: "${WINDOW.endDateTime}"`;
    case 'contacts':
      return `folderId: "${contactFolderId}"`;
    case 'messages':
      return 'folderId: "inbox"';
  }
}

/** The path below /{version} that each resource's delta lives at for the demo user. */
export function deltaPathOf(resource: ResourceName, contactFolderId: string, who = '/me'): string {
  switch (resource) {
    case 'calendars':
      return `${who}/calendars/delta`;
    case 'events':
      return `${who}/calendarView/delta`;
    case 'contacts':
      return `${who}/contactFolders/${contactFolderId}/contacts/delta`;
    case 'messages':
      return `${who}/mailFolders/inbox/messages/delta`;
  }
}

export function connectionQuery(resource: ResourceName, args: string, node = NODE[resource]): string {
  const list = [args.trim(), 'first: $first', 'after: $after'].filter((a) => a !== '').join(', ');
  return `query Q($first: Int, $after: String) { c: ${FIELD[resource]}(${list}) {
    edges { cursor removed { reason } node { ${node} } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  } }`;
}

export interface Edge {
  cursor: string;
  removed: { reason: string } | null;
  node: { id: string } & Record<string, unknown>;
}
export interface Connection {
  edges: Edge[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string };
}

/** Reads a round page by page until hasNextPage is false. */
export async function readRound(gw: TestGateway, document: string, first: number, after?: string) {
  const edges: Edge[] = [];
  let cursor = after;
  let pages = 0;
  for (; pages < 2000; pages += 1) {
    const { c } = await gw.data<{ c: Connection }>(document, { first, after: cursor });
    edges.push(...c.edges);
    cursor = c.pageInfo.endCursor;
    if (typeof cursor !== 'string') throw new Error('endCursor is not a string');
    if (!c.pageInfo.hasNextPage) return { edges, endCursor: cursor, pages: pages + 1 };
  }
  throw new Error('round did not end');
}

export async function defaultContactFolderId(gw: TestGateway): Promise<string> {
  const response = await fetch(`${gw.emulator.url}/v1.0/me/contactFolders`, { headers: { authorization: `Bearer ${gw.token}` } });
  const body = (await response.json()) as { value: { id: string; displayName: string }[] };
  const folder = body.value.find((f) => f.displayName === 'Contacts') ?? body.value[0];
  if (!folder) throw new Error('no contact folder');
  return folder.id;
}

/**
 * What the mirror copies: per resource, the GraphQL fields it reads (the round's `$select`) and the
 * columns it keeps beside each item's raw JSON. One generic mechanism (database.ts, folder-sync.ts)
 * serves every descriptor; adding contacts or events is a new entry here.
 */
export type Node = Record<string, unknown> & { id: string };

export interface Column {
  name: string;
  type: 'TEXT' | 'INTEGER';
  value(node: Node): string | number | null;
}

export interface MirrorResource {
  /** The table (and the `resource` of its cursors). */
  table: string;
  /** The connection field that reads rounds, and the subscription that pushes changes. */
  deltaField: string;
  changedField: string;
  /** The argument that picks the scope (messages: the folder), and its GraphQL type; none = the mailbox itself. */
  scope?: { argument: string; type: string };
  /** Node fields selected: they are the round's `$select` and must stay the same for a cursor's life. */
  selection: string;
  columns: readonly Column[];
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const flag = (value: unknown): number | null => (typeof value === 'boolean' ? Number(value) : null);
const emailOf = (recipient: unknown, part: 'name' | 'address') => text((recipient as { emailAddress?: Record<string, unknown> } | null)?.emailAddress?.[part]);

export const MESSAGES: MirrorResource = {
  table: 'messages',
  deltaField: 'messagesDelta',
  changedField: 'messagesChanged',
  scope: { argument: 'folderId', type: 'ID!' },
  selection:
    'id subject receivedDateTime lastModifiedDateTime isRead isDraft importance parentFolderId conversationId changeKey bodyPreview from { emailAddress { name address } } toRecipients { emailAddress { name address } }',
  columns: [
    { name: 'subject', type: 'TEXT', value: (n) => text(n['subject']) },
    { name: 'received_at', type: 'TEXT', value: (n) => text(n['receivedDateTime']) },
    { name: 'modified_at', type: 'TEXT', value: (n) => text(n['lastModifiedDateTime']) },
    { name: 'is_read', type: 'INTEGER', value: (n) => flag(n['isRead']) },
    { name: 'from_name', type: 'TEXT', value: (n) => emailOf(n['from'], 'name') },
    { name: 'from_address', type: 'TEXT', value: (n) => emailOf(n['from'], 'address') },
    { name: 'parent_folder_id', type: 'TEXT', value: (n) => text(n['parentFolderId']) },
    { name: 'conversation_id', type: 'TEXT', value: (n) => text(n['conversationId']) },
  ],
};

export const CALENDARS: MirrorResource = {
  table: 'calendars',
  deltaField: 'calendarsDelta',
  changedField: 'calendarsChanged',
  selection: 'id name color hexColor isDefaultCalendar canEdit changeKey owner { name address }',
  columns: [
    { name: 'name', type: 'TEXT', value: (n) => text(n['name']) },
    { name: 'color', type: 'TEXT', value: (n) => text(n['color']) },
    { name: 'is_default', type: 'INTEGER', value: (n) => flag(n['isDefaultCalendar']) },
    { name: 'can_edit', type: 'INTEGER', value: (n) => flag(n['canEdit']) },
    { name: 'owner_address', type: 'TEXT', value: (n) => text((n['owner'] as Record<string, unknown> | null)?.['address']) },
  ],
};

export const RESOURCES: Record<string, MirrorResource> = { messages: MESSAGES, calendars: CALENDARS };
/** The scope of resources without a scope argument. */
export const MAILBOX_SCOPE = 'me';

const EDGES = (r: MirrorResource) => `edges { removed { reason } node { ${r.selection} } }`;
const declare = (r: MirrorResource) => (r.scope ? `$scope: ${r.scope.type}, ` : '');
const pass = (r: MirrorResource) => (r.scope ? `${r.scope.argument}: $scope, ` : '');

/** The round query: a new round without `after`, the next page with it. */
export function deltaQuery(r: MirrorResource): string {
  return `query MirrorPage(${declare(r)}$after: String, $first: Int) {
  page: ${r.deltaField}(${pass(r)}after: $after, first: $first) { ${EDGES(r)} pageInfo { hasNextPage endCursor } }
}`;
}

/** The subscription from a round-end cursor. */
export function changedSubscription(r: MirrorResource): string {
  return `subscription MirrorChanges(${declare(r)}$after: String) {
  batch: ${r.changedField}(${pass(r)}after: $after) { cursor ${EDGES(r)} }
}`;
}

export interface Edge {
  removed: { reason: string } | null;
  node: Node;
}

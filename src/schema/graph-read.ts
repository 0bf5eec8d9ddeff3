import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import type { AuthResult } from '../auth/types.js';
import { gatewayError } from '../errors.js';
import { idSegment } from '../delta/resources/ids.js';
import { argumentError, encodeQuery, IMMUTABLE_ID, type QueryParam } from '../delta/resources/query-options.js';
import type { DeltaResource } from '../delta/resources/types.js';
import { selectedNodeFields, selectFor } from '../delta/selection.js';
import { GraphRequestError } from '../graph/errors.js';
import type { GatewayContext } from './context.js';
import type { GraphObject } from './graph-object.js';

/** A plain (non-delta) read: a lookup, a folder list, a relationship. Names the field in its errors. */
export interface ReadField {
  /** The GraphQL field, e.g. `message`. */
  field: string;
  /** What it reads (messages, mailFolders, …), as errors name it. */
  resource: string;
}

/** MAX pages followed for a folder list: a guard against a nextLink loop, far above any real mailbox. */
const MAX_LIST_PAGES = 100;

// idSegment and argumentError name a delta resource; plain reads name theirs the same way.
const asResource = (read: ReadField) => ({ name: read.resource, field: read.field }) as Pick<DeltaResource, 'name' | 'field'>;

/** An id argument as one path segment (CONTRACT §6: checked before any I/O). */
export function segmentOf(read: ReadField, argument: string, value: string): string {
  return idSegment(asResource(read), argument, value);
}

export interface PreparedRead {
  auth: AuthResult;
  /** `/me` or `/users/{id}`. */
  who: string;
  /** `{GRAPH_BASE_URL}/v1.0`. */
  root: string;
  token(): Promise<string>;
}

/** Validates `userId`, authenticates, and checks app mode's mailbox allow-list; no Graph I/O. */
export async function prepareRead(context: GatewayContext, read: ReadField, userId: string | null | undefined): Promise<PreparedRead> {
  const { settings } = context.services;
  const who = userId === undefined || userId === null ? '/me' : `/users/${segmentOf(read, 'userId', userId)}`;
  if (settings.requireUserId && (userId === undefined || userId === null)) {
    throw argumentError('BAD_USER_INPUT', asResource(read), 'userId', 'is required: this gateway reads mailboxes with app-only permissions (AUTH_MODE=app), so there is no signed-in user.');
  }
  const auth = await context.auth();
  if (typeof userId === 'string') auth.authorizeMailbox?.(userId);
  return { auth, who, root: `${settings.graphBaseUrl.replace(/\/+$/, '')}/v1.0`, token: () => auth.getGraphToken() };
}

/** `Prefer: IdType="ImmutableId"` where configured (items, not containers). */
export function itemPrefer(context: GatewayContext): string[] {
  return context.services.settings.graphImmutableIds ? [IMMUTABLE_ID] : [];
}

export function urlOf(root: string, path: string, query: readonly QueryParam[] = []): string {
  return `${root}${path}${encodeQuery(query)}`;
}

function isNotFound(error: unknown): boolean {
  const cause = error instanceof GraphQLError ? error.originalError : undefined;
  return cause instanceof GraphRequestError && cause.status === 404;
}

/** GETs one Graph object through the operation's loader; Graph's 404 is `null` (CONTRACT §7). */
export async function getOrNull(context: GatewayContext, url: string, token: string, prefer: string[] = []): Promise<GraphObject | null> {
  try {
    const response = await context.graph.get<unknown>({ url, token, prefer, signal: context.request.signal });
    const body = response.body;
    if (typeof body !== 'object' || body === null || typeof (body as { id?: unknown }).id !== 'string') {
      throw gatewayError('UPSTREAM_ERROR', 'Graph answered a lookup with something that is not an item.', response.requestId ? { requestId: response.requestId } : {});
    }
    return body as GraphObject;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/** Every page of a Graph list, in Graph's order (each page through the operation's loader). */
export async function getAllPages(context: GatewayContext, url: string, token: string): Promise<GraphObject[]> {
  const items: GraphObject[] = [];
  let next: string | undefined = url;
  for (let pages = 0; next !== undefined; pages += 1) {
    if (pages >= MAX_LIST_PAGES) throw gatewayError('UPSTREAM_ERROR', `Graph kept answering a list with more pages (over ${MAX_LIST_PAGES}).`);
    const response: { body: unknown; requestId: string | undefined } = await context.graph.get<unknown>({ url: next, token, signal: context.request.signal });
    const body = response.body as { value?: unknown; '@odata.nextLink'?: unknown } | null;
    if (typeof body !== 'object' || body === null || !Array.isArray(body.value)) {
      throw gatewayError('UPSTREAM_ERROR', 'Graph answered a list with a malformed page (no value array).', response.requestId ? { requestId: response.requestId } : {});
    }
    for (const item of body.value) if (typeof item === 'object' && item !== null && typeof (item as { id?: unknown }).id === 'string') items.push(item as GraphObject);
    next = typeof body['@odata.nextLink'] === 'string' ? body['@odata.nextLink'] : undefined;
  }
  return items;
}

/** Remembers who an item was read from, so that its relationship fields read the same mailbox. */
export function owned<T extends GraphObject | null>(context: GatewayContext, who: string, item: T): T {
  if (item !== null) context.owners.set(item, who);
  return item;
}

export interface LookupSpec {
  /** Collection below `/me`: `messages`, `events`, `contacts`, `calendars`. */
  collection: string;
  id: string;
  userId: string | null | undefined;
  /** Send the selected fields as `$select` (messages, contacts), as the connections do. */
  select: boolean;
  prefer: string[];
}

/** `message(id)` and its siblings: one GET of one item, `null` when Graph has none. */
export async function lookupItem(context: GatewayContext, info: GraphQLResolveInfo, read: ReadField, spec: LookupSpec): Promise<GraphObject | null> {
  const segment = segmentOf(read, 'id', spec.id);
  const prepared = await prepareRead(context, read, spec.userId);
  const query: QueryParam[] = spec.select ? [['$select', selectFor(selectedNodeFields(info, [])).join(',')]] : [];
  const url = urlOf(prepared.root, `${prepared.who}/${spec.collection}/${segment}`, query);
  return owned(context, prepared.who, await getOrNull(context, url, await prepared.token(), spec.prefer));
}

/**
 * A relationship field (`parentFolder`): read from the mailbox its item came from (no argument to
 * check: the mailbox was authorized when the item was read). `null` without the property.
 */
export async function readRelated(context: GatewayContext, item: GraphObject, property: string, collection: string): Promise<GraphObject | null> {
  const id = item[property];
  if (typeof id !== 'string' || id === '') return null;
  const who = context.owners.get(item) ?? '/me';
  const auth = await context.auth();
  const root = `${context.services.settings.graphBaseUrl.replace(/\/+$/, '')}/v1.0`;
  return owned(context, who, await getOrNull(context, urlOf(root, `${who}/${collection}/${encodeURIComponent(id)}`), await auth.getGraphToken()));
}

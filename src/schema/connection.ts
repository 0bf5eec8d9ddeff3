import type { GraphQLResolveInfo } from 'graphql';
import type { AuthResult } from '../auth/types.js';
import type { GatewayContext } from './context.js';
import { gatewayError } from '../errors.js';
import { createRoundSealer, cursorBinding, openRound } from '../delta/round-cursor.js';
import { idSegment } from '../delta/resources/ids.js';
import { argumentError, encodeQuery, IMMUTABLE_ID, pageSizeOf, rejectBackwardPaging } from '../delta/resources/query-options.js';
import type { CommonDeltaArgs, DeltaResource, RoundOptions } from '../delta/resources/types.js';
import type { DeltaEntry } from '../delta/engine.js';
import type { DeltaConnection, DeltaEdge } from '../delta/edge.js';
import type { GraphItem, Position, RemovedReason, RoundState } from '../delta/round.js';
import { selectedNodeFields, selectFor } from '../delta/selection.js';
import { countCursorRejections } from '../telemetry/cursors.js';

/**
 * An edge of a page, its cursor sealed on first read. A class: an object literal with a getter is
 * built through a slow path, once per edge of every page.
 */
class PageEdge implements DeltaEdge {
  readonly node: GraphItem;
  readonly removed: { reason: RemovedReason } | null;
  readonly #entry: DeltaEntry;
  readonly #seal: (position: Position) => string;
  #cursor: string | Promise<string> | undefined;

  constructor(entry: DeltaEntry, seal: (position: Position) => string) {
    this.#entry = entry;
    this.#seal = seal;
    this.node = entry.removed ? { id: entry.item.id } : entry.item;
    this.removed = entry.removed ? { reason: entry.removed } : null;
  }

  get cursor(): string | Promise<string> {
    if (this.#cursor === undefined) {
      const known = this.#entry.knownPositionAfter();
      this.#cursor = known === undefined ? this.#entry.positionAfter().then(this.#seal) : this.#seal(known);
    }
    return this.#cursor;
  }
}

function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= make());
}

/** `/me` or `/users/{id}` (the id checked and encoded by `idSegment`: BAD_USER_INPUT naming `userId`). */
export function whoOf(resource: Pick<DeltaResource, 'name' | 'field'>, userId: string | undefined): string {
  return userId === undefined ? '/me' : `/users/${idSegment(resource, 'userId', userId)}`;
}

/** App mode's allow-lists: FORBIDDEN when the caller may not read the round's mailbox. */
export function authorizeTarget(auth: AuthResult, options: RoundOptions): void {
  const userId = options['userId'];
  if (typeof userId === 'string') auth.authorizeMailbox?.(userId);
}

/**
 * Validates and translates a field's arguments into the round's options and the Graph path of a new
 * round (every id argument checked by `idSegment`, CONTRACT §6); no I/O.
 */
export function translateArgs<A extends CommonDeltaArgs>(resource: DeltaResource<A>, args: A, access: { requireUserId?: boolean | undefined } = {}) {
  rejectBackwardPaging(resource, args);
  const limit = pageSizeOf(resource, args.first);
  if (args.userId !== undefined && args.userId !== null && args.userId.length === 0) {
    throw argumentError('BAD_USER_INPUT', resource, 'userId', 'must not be empty (omit it for the signed-in user).');
  }
  if (access.requireUserId && !args.userId) {
    throw argumentError('BAD_USER_INPUT', resource, 'userId', 'is required: this gateway reads mailboxes with app-only permissions (AUTH_MODE=app), so there is no signed-in user.');
  }
  const translation = resource.translate(args, { newRound: !args.after });
  const options: RoundOptions = { ...(args.userId ? { userId: args.userId } : {}), ...translation.options };
  // Built here, before any I/O, also for a page with `after`: a bad id is refused the same way on every page.
  const path = resource.path(whoOf(resource, args.userId ?? undefined), args);
  return { limit, translation, options, path };
}

/** The round of a cursor if it may go on with these arguments and this selection (CURSOR_ARGS_MISMATCH otherwise). */
export function checkContinuation(resource: DeltaResource, round: RoundState, options: RoundOptions, selected: readonly string[] | null): RoundState {
  for (const [argument, value] of Object.entries(options)) {
    if (round.options[argument] !== value) {
      throw argumentError('CURSOR_ARGS_MISMATCH', resource, argument, 'differs from the value the round started with; omit it or pass the same value (or start a new round without `after`).');
    }
  }
  if (round.select !== null && selected !== null) {
    const outside = selected.filter((field) => !round.select?.includes(field));
    if (outside.length > 0) {
      throw gatewayError(
        'CURSOR_ARGS_MISMATCH',
        `\`${resource.field}\` (${resource.name}): this round was started selecting other fields (Graph keeps the round's $select); not in it: ${outside.join(', ')}. Start a new round without \`after\` to select them.`,
        { argument: 'after', resource: resource.name },
      );
    }
  }
  return round;
}

/** The resolver behind every `xDelta` connection field: translate, open or start the round, read, build edges. */
export async function resolveDeltaConnection<A extends CommonDeltaArgs>(
  resource: DeltaResource<A>,
  args: A,
  context: GatewayContext,
  info: GraphQLResolveInfo,
): Promise<DeltaConnection> {
  const { settings, cursors, engine } = context.services;
  const { limit, translation, options, path } = translateArgs(resource, args, settings);
  const selected = resource.selectable ? selectedNodeFields(info) : null;

  const auth = await context.auth();
  authorizeTarget(auth, options);
  const binding = cursorBinding(auth.principal, resource.name);
  let round: RoundState;
  if (args.after) {
    const after = args.after;
    round = countCursorRejections(() => checkContinuation(resource as DeltaResource, openRound(cursors, binding, after), options, selected));
  } else {
    const select = selected === null ? null : selectFor(selected);
    const query = [...translation.query, ...(select ? [['$select', select.join(',')] as const] : [])];
    const version = resource.version(settings);
    const prefer = [...(resource.immutableIds && settings.graphImmutableIds ? [IMMUTABLE_ID] : []), ...translation.prefer];
    const url = `${settings.graphBaseUrl.replace(/\/+$/, '')}/${version}${path}${encodeQuery(query)}`;
    round = { options, select, prefer, position: { kind: 'initial', url } };
  }

  // `first` omitted on a later page keeps the round's page size (and so its Prefer: odata.maxpagesize).
  const pageSize = (args.first === undefined || args.first === null) && round.pageSize !== undefined ? round.pageSize : limit;
  round = { ...round, pageSize };
  const read = await engine.read({
    round,
    limit: pageSize,
    getToken: () => auth.getGraphToken(),
    signal: context.request.signal,
    get: context.graph.get,
    prefetchScope: binding,
  });
  const who = whoOf(resource, round.options['userId'] as string | undefined);
  for (const entry of read.entries) context.owners.set(entry.item, who);
  // One seal per page part (the page's link, the next one); each edge adds its offset under a keyed tag.
  const seal = createRoundSealer(cursors, binding, round);
  const edges = read.entries.map((entry): DeltaEdge => new PageEdge(entry, seal));
  const endCursor = lazy(() => read.nextPosition().then(seal));
  return {
    edges,
    pageInfo: {
      hasNextPage: !read.roundEnded,
      hasPreviousPage: false,
      get startCursor() {
        return edges[0]?.cursor ?? null;
      },
      get endCursor() {
        return endCursor();
      },
    },
  };
}

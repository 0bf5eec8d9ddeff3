import type { RoundOptions } from './resources/types.js';

/** A Graph item as delta returns it (`@removed` marks a removed one). */
export interface GraphItem {
  id: string;
  '@removed'?: { reason?: string };
  [property: string]: unknown;
}

/**
 * Where a round stands. A closed union, as the Graph SDK's PageIterator keeps its state:
 * - `initial`: the round's first request (never sealed: every answer moves past it);
 * - `link`: a nextLink to fetch (again), skipping `offset` items of its page; `size` is the page
 *   size it was fetched with (the same link and size give the same page); `repeats` counts how often
 *   Graph has answered with a nextLink it had already given (a loop guard across requests);
 * - `stash`: inside a page that cannot be fetched again (a round's first page, or a deltaLink's
 *   page), whose rest is kept in the store under `key`; `index` is the item to resume at;
 * - `delta`: the round ended; fetching `link` (a deltaLink) starts the next round.
 */
export type Position =
  | { kind: 'initial'; url: string }
  | { kind: 'link'; link: string; offset: number; size?: number; repeats?: number }
  | { kind: 'stash'; key: string; index: number }
  | { kind: 'delta'; link: string };

/** Everything needed to continue a round; sealed into every cursor. */
export interface RoundState {
  /** The round's arguments (userId and the resource's options), normalised. */
  options: RoundOptions;
  /** The round's `$select` (Graph keeps it in its tokens), or null where none is sent. */
  select: string[] | null;
  /** Prefer preferences resent on every request (outlook.timezone, IdType), without odata.maxpagesize. */
  prefer: string[];
  /** The last `first` the client asked for: a page that omits `first` keeps the round's page size. */
  pageSize?: number;
  position: Position;
}

/** Graph's `@removed.reason`: `changed` means "out of scope" (not a real deletion); anything else is a deletion. */
export type RemovedReason = 'deleted' | 'changed';

export function removedReasonOf(item: GraphItem): RemovedReason | undefined {
  const removed = item['@removed'];
  if (removed === undefined || removed === null) return undefined;
  return removed.reason === 'changed' ? 'changed' : 'deleted';
}

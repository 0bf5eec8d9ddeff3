import type { GraphItem, RemovedReason } from './round.js';

/** One item of a delta page (or its removal), as the schema serves it and pollers publish it. */
export interface DeltaEdge {
  /**
   * Sealed on first read, and only then. A promise only where the position needs a store write
   * (inside a page that cannot be fetched again): a plain string keeps the edge synchronous for the executor.
   */
  cursor: string | Promise<string>;
  node: GraphItem;
  removed: { reason: RemovedReason } | null;
}

export interface DeltaConnection {
  edges: DeltaEdge[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: false; startCursor: string | Promise<string> | null; endCursor: Promise<string> };
}

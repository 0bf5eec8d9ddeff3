import type { DeltaEdge } from '../delta/edge.js';
import type { GraphItem, Position, RemovedReason } from '../delta/round.js';
import type { PolledEntry } from './poll-round.js';

/** A batch of changes pushed by a subscription, with the round-end cursor after them. */
export interface DeltaBatch {
  edges: DeltaEdge[];
  cursor: string | Promise<string>;
}

/** A batch as it travels between gateway instances (JSON): every cursor already sealed. */
export interface WireBatch {
  edges: { cursor: string; node: GraphItem; removed: { reason: RemovedReason } | null }[];
  cursor: string;
}

function memo<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= make());
}

/**
 * The batch of one poll. Edge cursors are sealed on first use and shared by every subscriber (most
 * clients only keep the batch's round-end `cursor`).
 */
export function buildBatch(entries: readonly PolledEntry[], cursor: string, seal: (position: Position) => string): DeltaBatch {
  const edges = entries.map(({ item, removed, positionAfter }): DeltaEdge => {
    const edgeCursor = memo(() => positionAfter().then(seal));
    return {
      get cursor() {
        return edgeCursor();
      },
      node: removed ? { id: item.id } : item,
      removed: removed ? { reason: removed } : null,
    };
  });
  return { edges, cursor };
}

export async function toWire(batch: DeltaBatch): Promise<WireBatch> {
  const edges = await Promise.all(batch.edges.map(async (edge) => ({ cursor: await edge.cursor, node: edge.node, removed: edge.removed })));
  return { edges, cursor: await batch.cursor };
}

export function fromWire(wire: WireBatch): DeltaBatch {
  return {
    edges: wire.edges.map((edge) => ({ cursor: Promise.resolve(edge.cursor), node: edge.node, removed: edge.removed })),
    cursor: wire.cursor,
  };
}

import type { DeltaEngine } from '../delta/engine.js';
import type { GraphItem, Position, RemovedReason, RoundState } from '../delta/round.js';

export type DeltaPosition = Extract<Position, { kind: 'delta' }>;

export interface PolledEntry {
  item: GraphItem;
  removed: RemovedReason | undefined;
  /** The position right after this item (a page Graph cannot serve again is stashed on first call). */
  positionAfter(): Promise<Position>;
}

export interface PollRoundRequest {
  round: RoundState;
  getToken(): Promise<string>;
  signal?: AbortSignal;
  /** Items per Graph page (`Prefer: odata.maxpagesize`). */
  pageSize: number;
}

/**
 * Reads a round from its position to its end (the changes since a deltaLink, or the rest of a
 * round) and returns every item once (the last version Graph sent, in the order of those last
 * versions) with the round-end position after them.
 */
export async function pollRound(engine: DeltaEngine, request: PollRoundRequest): Promise<{ entries: PolledEntry[]; end: DeltaPosition }> {
  const byId = new Map<string, PolledEntry>();
  const { position } = await engine.drain(
    { round: request.round, getToken: request.getToken, batchSize: request.pageSize, ...(request.signal ? { signal: request.signal } : {}) },
    (entries) => {
      for (const entry of entries) {
        byId.delete(entry.item.id);
        byId.set(entry.item.id, entry);
      }
    },
  );
  return { entries: [...byId.values()], end: position };
}

/** Reads a round to its end keeping nothing: how a poller starts "from now" (memory stays flat). */
export async function skipRound(engine: DeltaEngine, request: PollRoundRequest): Promise<DeltaPosition> {
  const { position } = await engine.drain({
    round: request.round,
    getToken: request.getToken,
    batchSize: request.pageSize,
    ...(request.signal ? { signal: request.signal } : {}),
  });
  return position;
}

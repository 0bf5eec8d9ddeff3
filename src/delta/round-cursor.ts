import type { Principal } from '../auth/types.js';
import type { CursorCodec } from '../cursor/index.js';
import { gatewayError } from '../errors.js';
import type { ResourceName, RoundOptions } from './resources/types.js';
import type { Position, RoundState } from './round.js';

const VERSION = 1;

interface SealedRound {
  v: typeof VERSION;
  o: RoundOptions;
  s: string[] | null;
  p: string[];
  /** Page size (`first`) of the round's last page; absent in cursors sealed before it existed. */
  n?: number | undefined;
  at: Position;
}

/** Cursors are bound to the caller and the field: another principal or resource cannot open them. */
export function cursorBinding(principal: Principal, resource: ResourceName): string {
  return `${principal.key}|${resource}`;
}

export function sealRound(codec: CursorCodec, binding: string, round: RoundState): string {
  return sealRoundAt(codec, binding, round, round.position);
}

/** Seals `round` standing at `position`: every edge cursor of a page is one (no copy of the round per cursor). */
export function sealRoundAt(codec: CursorCodec, binding: string, round: Omit<RoundState, 'position'>, position: Position): string {
  // An undefined `n` is left out by JSON.stringify, as older cursors have it.
  const payload: SealedRound = { v: VERSION, o: round.options, s: round.select, p: round.prefer, n: round.pageSize, at: position };
  return codec.seal(payload, binding);
}

const invalid = () => gatewayError('INVALID_CURSOR', 'The cursor is not valid for this field; start a new round without `after`.');

function isPosition(value: unknown): value is Position {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  switch (p['kind']) {
    case 'link':
      return typeof p['link'] === 'string' && Number.isInteger(p['offset']);
    case 'stash':
      return typeof p['key'] === 'string' && Number.isInteger(p['index']);
    case 'delta':
      return typeof p['link'] === 'string';
    default:
      return false;
  }
}

/** Opens a cursor of this caller and field (INVALID_CURSOR otherwise). */
export function openRound(codec: CursorCodec, binding: string, cursor: string): RoundState {
  const payload = codec.open(cursor, binding) as Partial<SealedRound> | null;
  if (
    typeof payload !== 'object' ||
    payload === null ||
    payload.v !== VERSION ||
    typeof payload.o !== 'object' ||
    payload.o === null ||
    !(payload.s === null || Array.isArray(payload.s)) ||
    !Array.isArray(payload.p) ||
    !(payload.n === undefined || (Number.isInteger(payload.n) && payload.n > 0)) ||
    !isPosition(payload.at)
  ) {
    throw invalid();
  }
  return {
    options: payload.o,
    select: payload.s ?? null,
    prefer: payload.p,
    ...(payload.n !== undefined ? { pageSize: payload.n } : {}),
    position: payload.at,
  };
}

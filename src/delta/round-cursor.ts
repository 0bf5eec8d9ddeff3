import type { Principal } from '../auth/types.js';
import type { CursorCodec, PageSeal } from '../cursor/index.js';
import { gatewayError } from '../errors.js';
import type { ResourceName, RoundOptions } from './resources/types.js';
import type { Position, RoundState } from './round.js';

const VERSION = 1;

/** Cursors sealed whole by `CursorCodec.seal` (still opened; no longer sealed). */
interface SealedRound {
  v: typeof VERSION;
  o: RoundOptions;
  s: string[] | null;
  p: string[];
  /** Page size (`first`) of the round's last page; absent in cursors sealed before it existed. */
  n?: number | undefined;
  at: Position;
}

/**
 * The page part of a page cursor (`CursorCodec.sealPage`), a JSON array without keys: options, select,
 * prefer, page size, then the position without its offset. The offset (a link's or stash's index; 0 for
 * a deltaLink) is each edge's own.
 */
type PagePart =
  | [o: RoundOptions, s: string[] | null, p: string[], n: number | null, kind: 'l', link: string, size: number | null, repeats: number | null]
  | [o: RoundOptions, s: string[] | null, p: string[], n: number | null, kind: 's', key: string]
  | [o: RoundOptions, s: string[] | null, p: string[], n: number | null, kind: 'd', link: string];

/** Cursors are bound to the caller and the field: another principal or resource cannot open them. */
export function cursorBinding(principal: Principal, resource: ResourceName): string {
  return `${principal.key}|${resource}`;
}

type RoundParts = Omit<RoundState, 'position'>;

function pagePart(round: RoundParts, position: Position): PagePart {
  const head = [round.options, round.select, round.prefer, round.pageSize ?? null] as const;
  switch (position.kind) {
    case 'link':
      return [...head, 'l', position.link, position.size ?? null, position.repeats ?? null];
    case 'stash':
      return [...head, 's', position.key];
    case 'delta':
      return [...head, 'd', position.link];
    case 'initial':
      throw new Error('A round is never sealed before its first request.');
  }
}

const offsetOf = (position: Position): number => (position.kind === 'link' ? position.offset : position.kind === 'stash' ? position.index : 0);

/** Same page part (the position without its offset)? Links are compared by reference first: a page's edges share theirs. */
function samePage(a: Position, b: Position): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'link': {
      const other = b as typeof a;
      return a.link === other.link && a.size === other.size && a.repeats === other.repeats;
    }
    case 'stash':
      return a.key === (b as typeof a).key;
    case 'delta':
      return a.link === (b as typeof a).link;
    case 'initial':
      return false;
  }
}

/**
 * Seals positions of one round for one caller: each page part once (a page's edges share it; its last edge
 * and endCursor share the next link's), each position its offset under a keyed tag.
 */
export function createRoundSealer(codec: CursorCodec, binding: string, round: RoundParts): (position: Position) => string {
  // A page touches two page parts (its own link and the next); a read over several Graph pages a few more.
  const seals: { position: Position; seal: PageSeal }[] = [];
  return (position) => {
    let entry = seals.find((s) => samePage(s.position, position));
    if (entry === undefined) {
      entry = { position, seal: codec.sealPage(pagePart(round, position), binding) };
      if (seals.length >= 8) seals.shift();
      seals.push(entry);
    }
    return entry.seal.at(offsetOf(position));
  };
}

export function sealRound(codec: CursorCodec, binding: string, round: RoundState): string {
  return sealRoundAt(codec, binding, round, round.position);
}

/** Seals `round` standing at `position` (one cursor; a page's edges use {@link createRoundSealer}). */
export function sealRoundAt(codec: CursorCodec, binding: string, round: RoundParts, position: Position): string {
  return createRoundSealer(codec, binding, round)(position);
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

const isPageSize = (n: unknown): n is number => Number.isInteger(n) && (n as number) > 0;
const isOptions = (o: unknown): o is RoundOptions => typeof o === 'object' && o !== null && !Array.isArray(o);
const isStrings = (xs: unknown): xs is string[] => Array.isArray(xs) && xs.every((x) => typeof x === 'string');

function positionOf(part: unknown[], offset: number): Position | undefined {
  const [, , , , kind, a, size, repeats] = part;
  if (typeof a !== 'string') return undefined;
  switch (kind) {
    case 'l': {
      if (part.length !== 8 || !(size === null || isPageSize(size)) || !(repeats === null || Number.isInteger(repeats))) return undefined;
      return { kind: 'link', link: a, offset, ...(size !== null ? { size } : {}), ...(repeats !== null ? { repeats: repeats as number } : {}) };
    }
    case 's':
      return part.length === 6 ? { kind: 'stash', key: a, index: offset } : undefined;
    case 'd':
      return part.length === 6 && offset === 0 ? { kind: 'delta', link: a } : undefined;
    default:
      return undefined;
  }
}

function roundOfPage(payload: unknown, offset: number): RoundState | undefined {
  if (!Array.isArray(payload)) return undefined;
  const [o, s, p, n] = payload as unknown[];
  if (!isOptions(o) || !(s === null || isStrings(s)) || !isStrings(p) || !(n === null || isPageSize(n))) return undefined;
  const position = positionOf(payload, offset);
  if (position === undefined) return undefined;
  return { options: o, select: s, prefer: p, ...(n !== null ? { pageSize: n } : {}), position };
}

function roundOfWhole(value: unknown): RoundState | undefined {
  const payload = value as Partial<SealedRound> | null;
  if (
    typeof payload !== 'object' ||
    payload === null ||
    payload.v !== VERSION ||
    !isOptions(payload.o) ||
    !(payload.s === null || Array.isArray(payload.s)) ||
    !Array.isArray(payload.p) ||
    !(payload.n === undefined || isPageSize(payload.n)) ||
    !isPosition(payload.at)
  ) {
    return undefined;
  }
  return {
    options: payload.o,
    select: payload.s ?? null,
    prefer: payload.p,
    ...(payload.n !== undefined ? { pageSize: payload.n } : {}),
    position: payload.at,
  };
}

/** Opens a cursor of this caller and field (INVALID_CURSOR otherwise): page cursors and whole-round ones alike. */
export function openRound(codec: CursorCodec, binding: string, cursor: string): RoundState {
  const { payload, offset } = codec.openPage(cursor, binding);
  const round = offset === undefined ? roundOfWhole(payload) : roundOfPage(payload, offset);
  if (round === undefined) throw invalid();
  return round;
}

import { isLatestAt, versionAt, type ChangeLog, type ItemRecord, type LogEntry } from './change-log.js';
import { graphError, syncStateNotFound } from '../http/graph-error.js';
import type { DeltaOptions, DeltaRequest, DeltaResource } from '../graph/query-options.js';
import { instancesOf, type Instance } from '../calendar/series.js';
import { createTokenRegistry } from './tokens.js';

/** One change-tracked collection: a folder's messages or contacts, a user's calendars, a calendar's events. */
export interface Collection {
  readonly resource: DeltaResource;
  /** Identity for tokens: a token is only valid on the collection it was issued for. */
  readonly key: string;
  readonly log: ChangeLog;
}

/** What a page holds before it is rendered with the request's Prefer headers. */
export type OutItem =
  | { readonly kind: 'item'; readonly record: ItemRecord; readonly instance?: Instance | undefined }
  | { readonly kind: 'removed'; readonly record: ItemRecord; readonly instance?: Instance | undefined };

/** Realism knobs the engine reads per page. */
export interface PageShaping {
  readonly overDeliver: number;
  readonly emptyPages: number;
  readonly repeatItems: number;
  /** Tokens older than this many generations of their lineage answer 410 (0 = kept until evicted). */
  readonly tokenGenerations: number;
}

/** The chain of tokens one client follows (rounds and their pages); Graph keeps only its latest generations. */
interface Lineage {
  latest: number;
}

interface Common {
  readonly lineage: Lineage;
  /** Position of this token in its lineage. */
  readonly generation: number;
  readonly collectionKey: string;
  readonly resource: DeltaResource;
  readonly options: DeltaOptions;
  /** The initial request's path and query (without tokens), for the Location header of a 410. */
  readonly initialUrl: string;
}

interface RoundState extends Common {
  readonly kind: 'skip';
  readonly initial: boolean;
  readonly fromSeq: number;
  readonly snapshotSeq: number;
  /** Present when the round's order differs from the log's ($orderby): the round's entries, sorted once. */
  readonly list: readonly LogEntry[] | undefined;
  readonly index: number;
  readonly sub: number;
  readonly emitted: number;
  readonly repeat: readonly OutItem[];
  readonly emptyLeft: number;
  readonly final: boolean;
  /** Memo: the same link fetched again with the same page size answers the same next token. */
  readonly memo: Map<string, string>;
}

interface DeltaLinkState extends Common {
  readonly kind: 'delta';
  readonly sinceSeq: number;
}

type TokenState = RoundState | DeltaLinkState;

export interface Page {
  readonly items: readonly OutItem[];
  /** The round's options (from the token on later pages), for rendering $select/$expand. */
  readonly options: DeltaOptions;
  readonly skipToken?: string;
  readonly deltaToken?: string;
}

export interface ServeRequest {
  readonly collection: Collection;
  readonly request: DeltaRequest;
  /** Path and query of the request as a new round would send it (used for a 410's Location). */
  readonly initialUrl: string;
  readonly pageSize: number;
  readonly shaping: PageShaping;
}

export interface DeltaEngine {
  serve(req: ServeRequest): Page;
  /** Marks one token expired; false if unknown. */
  expire(token: string, code: string): boolean;
  expireAll(code: string): void;
  clear(): void;
}

/** Graph caps a round that uses $filter at 5,000 messages (delta-query-messages.md). */
const FILTER_ROUND_CAP = 5000;

function isSeries(rec: ItemRecord): boolean {
  const r = rec.json['recurrence'];
  return rec.json['type'] === 'seriesMaster' || (r !== null && r !== undefined);
}

function overlaps(rec: ItemRecord, w: { startMs: number; endMs: number }): boolean {
  const s = rec.startMs as number;
  const e = rec.endMs as number;
  if (s === e) return s >= w.startMs && s < w.endMs;
  return s < w.endMs && e > w.startMs;
}

/** What one event version contributes to a calendarView window: itself, or its master and instances. */
function eventItems(rec: ItemRecord, w: { startMs: number; endMs: number }, exceptionsOf: ExceptionsOf): OutItem[] {
  if (isSeries(rec)) {
    const instances = instancesOf(rec, w.startMs, w.endMs, exceptionsOf(rec.restId));
    if (instances.length === 0) return [];
    return [{ kind: 'item', record: rec }, ...instances.map((instance) => ({ kind: 'item' as const, record: rec, instance }))];
  }
  return overlaps(rec, w) ? [{ kind: 'item', record: rec }] : [];
}

/** Original starts of a series' exceptions; those are events of their own, not expanded from the master. */
export type ExceptionsOf = (masterRestId: string) => ReadonlySet<number>;

const itemKey = (o: OutItem): string => (o.instance === undefined ? 'm' : `o${o.instance.originalStartMs}`);

export function createDeltaEngine(currentSeq: () => number, exceptionsOf: ExceptionsOf): DeltaEngine {
  const tokens = createTokenRegistry<TokenState>();

  function lookup(token: string, collection: Collection, kind: 'skip' | 'delta', keep: number): TokenState {
    const found = tokens.get(token);
    if (!found || found.state.kind !== kind || found.state.collectionKey !== collection.key) throw syncStateNotFound();
    const { lineage, generation } = found.state;
    if (keep > 0 && lineage.latest - generation >= keep) {
      // Graph's own wording when the token cache moved on (microsoft-graph-docs#2162).
      throw graphError(410, 'syncStateNotFound', `The sync state generation is not found; generation=${generation};[highest=${lineage.latest}]`);
    }
    if (found.expiredCode !== undefined) {
      const e = syncStateNotFound(found.expiredCode);
      const sep = found.state.initialUrl.includes('?') ? '&' : '?';
      throw graphError(e.status, e.code, e.message, { Location: `${found.state.initialUrl}${sep}$deltatoken=` });
    }
    return found.state;
  }

  function passesFilter(state: RoundState, rec: ItemRecord): boolean {
    const f = state.options.filter;
    if (f === undefined) return true;
    const r = rec.receivedMs;
    if (r === undefined) return false;
    return f.op === 'ge' ? r >= f.valueMs : r > f.valueMs;
  }

  function visible(state: RoundState, e: LogEntry): boolean {
    if (!isLatestAt(e, state.snapshotSeq)) return false;
    const ct = state.options.changeType;
    if (state.initial) {
      if (e.kind === 'delete' || (ct !== undefined && ct !== 'created')) return false;
    } else if (e.kind === 'delete') {
      // Created and deleted since the client last synced: it never saw the item.
      if (e.bornSeq > state.fromSeq || (ct !== undefined && ct !== 'deleted')) return false;
    } else {
      const created = e.bornSeq > state.fromSeq;
      if (ct === 'deleted' || (ct === 'created' && !created) || (ct === 'updated' && created)) return false;
    }
    return passesFilter(state, e.record);
  }

  function expand(state: RoundState, e: LogEntry): OutItem[] {
    const w = state.options.window;
    if (state.resource !== 'events' || w === undefined) {
      return [{ kind: e.kind === 'delete' ? 'removed' : 'item', record: e.record }];
    }
    if (state.initial) return eventItems(e.record, w, exceptionsOf);
    // calendarView: anything changed outside the window, or deleted, comes as @removed (event-delta docs).
    const cur = e.kind === 'upsert' ? e.record : undefined;
    const prev = versionAt(e, state.fromSeq);
    const curItems = cur ? eventItems(cur, w, exceptionsOf) : [];
    const curKeys = new Set(curItems.map(itemKey));
    const removed = new Map<string, OutItem>();
    if (curItems.length === 0) removed.set('m', { kind: 'removed', record: cur ?? e.record });
    for (const p of prev ? eventItems(prev, w, exceptionsOf) : []) {
      const k = itemKey(p);
      if (!curKeys.has(k) && !removed.has(k)) removed.set(k, { kind: 'removed', record: p.record, instance: p.instance });
    }
    return [...removed.values(), ...curItems];
  }

  function startRound(collection: Collection, common: Common, initial: boolean, fromSeq: number): RoundState {
    const snapshotSeq = currentSeq();
    const base: RoundState = {
      ...common,
      kind: 'skip',
      initial,
      fromSeq,
      snapshotSeq,
      list: undefined,
      index: initial ? 0 : collection.log.indexAfter(fromSeq),
      sub: 0,
      emitted: 0,
      repeat: [],
      emptyLeft: 0,
      final: false,
      memo: new Map(),
    };
    if (!common.options.orderByReceivedDesc) return base;
    // $orderby=receivedDateTime desc: sort the round's entries once; pages then slice the list.
    const list: LogEntry[] = [];
    const entries = collection.log.entries;
    for (let i = base.index; i < entries.length; i += 1) {
      const e = entries[i] as LogEntry;
      if (e.seq > snapshotSeq) break;
      if (visible(base, e)) list.push(e);
    }
    list.sort((a, b) => (b.record.receivedMs ?? 0) - (a.record.receivedMs ?? 0));
    return { ...base, list, index: 0 };
  }

  function source(state: RoundState, collection: Collection): readonly LogEntry[] {
    return state.list ?? collection.log.entries;
  }

  /** The entry at index i if it contributes to the round, undefined past the end, null if skipped. */
  function at(state: RoundState, collection: Collection, i: number): LogEntry | undefined | null {
    const e = source(state, collection)[i];
    if (e === undefined) return undefined;
    if (state.list !== undefined) return e;
    if (e.seq > state.snapshotSeq) return undefined;
    return visible(state, e) ? e : null;
  }

  function buildPage(state: RoundState, collection: Collection, pageSize: number, shaping: PageShaping): { items: OutItem[]; next: RoundState | undefined } {
    if (state.final) return { items: [], next: undefined };
    if (state.emptyLeft > 0) return { items: [], next: { ...state, emptyLeft: state.emptyLeft - 1, memo: new Map() } };
    const cap = Math.min(state.options.top ?? Infinity, state.options.filter !== undefined ? FILTER_ROUND_CAP : Infinity);
    const room = Math.max(0, Math.min(pageSize + shaping.overDeliver, cap - state.emitted));
    const fresh: OutItem[] = [];
    let i = state.index;
    let sub = state.sub;
    let expansion: OutItem[] | undefined;
    while (fresh.length < room) {
      const e = at(state, collection, i);
      if (e === undefined) break;
      if (e === null) {
        i += 1;
        sub = 0;
        continue;
      }
      expansion ??= expand(state, e);
      const take = expansion.slice(sub, sub + (room - fresh.length));
      fresh.push(...take);
      sub += take.length;
      if (sub >= expansion.length) {
        i += 1;
        sub = 0;
        expansion = undefined;
      }
    }
    // Is anything left? Skip entries that contribute nothing, so the last page carries the deltaLink.
    let more = false;
    for (;;) {
      const e = at(state, collection, i);
      if (e === undefined) break;
      if (e !== null && (sub > 0 ? (expansion ?? expand(state, e)).length > sub : expand(state, e).length > 0)) {
        more = true;
        break;
      }
      i += 1;
      sub = 0;
      expansion = undefined;
    }
    const emitted = state.emitted + fresh.length;
    const items = [...state.repeat, ...fresh];
    if (!more) return { items, next: undefined };
    const repeat = shaping.repeatItems > 0 ? fresh.slice(-shaping.repeatItems) : [];
    const next: RoundState = {
      ...state, index: i, sub, emitted, repeat, emptyLeft: shaping.emptyPages, final: emitted >= cap, memo: new Map(),
    };
    return { items, next };
  }

  return {
    serve({ collection, request, initialUrl, pageSize, shaping }) {
      let state: RoundState;
      if (request.kind === 'initial') {
        const common = { lineage: { latest: 0 }, generation: 0, collectionKey: collection.key, resource: collection.resource, options: request.options, initialUrl };
        state = startRound(collection, common, true, 0);
      } else if (request.kind === 'delta') {
        const d = lookup(request.token, collection, 'delta', shaping.tokenGenerations) as DeltaLinkState;
        state = startRound(collection, d, false, d.sinceSeq);
      } else {
        state = lookup(request.token, collection, 'skip', shaping.tokenGenerations) as RoundState;
      }
      const { items, next } = buildPage(state, collection, pageSize, shaping);
      const memoKey = `${pageSize}/${shaping.overDeliver}/${shaping.emptyPages}/${shaping.repeatItems}`;
      const remembered = state.memo.get(memoKey);
      const { options } = state;
      if (remembered !== undefined) return next ? { items, options, skipToken: remembered } : { items, options, deltaToken: remembered };
      const generation = state.generation + 1;
      state.lineage.latest = Math.max(state.lineage.latest, generation);
      const token = next
        ? tokens.issue({ ...next, generation })
        : tokens.issue({
            kind: 'delta', lineage: state.lineage, generation, collectionKey: state.collectionKey, resource: state.resource,
            options: state.options, initialUrl: state.initialUrl, sinceSeq: state.snapshotSeq,
          });
      // Only skip-token states are re-fetchable pages; a deltaLink starts a new round each time.
      if (request.kind === 'skip') state.memo.set(memoKey, token);
      return next ? { items, options, skipToken: token } : { items, options, deltaToken: token };
    },
    expire: (token, code) => tokens.expire(token, code),
    expireAll: (code) => tokens.expireAll(code),
    clear: () => tokens.clear(),
  };
}

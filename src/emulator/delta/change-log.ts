/**
 * One collection's history: an append-only log of versions, ordered by a store-wide sequence number.
 * A delta round never copies the collection: its snapshot is a sequence number, and a page walks the
 * log forward from an index, keeping only the entries that are the latest for their key at that snapshot.
 */

/** The stored form of one Graph item: its JSON plus what the emulator needs beside it. */
export interface ItemRecord {
  /** Graph JSON without @odata annotations; an `id` in it is ignored (the ids below are the truth). */
  readonly json: Readonly<Record<string, unknown>>;
  /** The default (REST) id; for messages it changes when the item moves between folders. */
  readonly restId: string;
  /** The id returned with `Prefer: IdType="ImmutableId"`. */
  readonly immutableId: string;
  /** Events only: the instant the event (or a series' first instance) starts and ends. */
  readonly startMs?: number | undefined;
  readonly endMs?: number | undefined;
  /** Messages only, for $filter/$orderby. */
  readonly receivedMs?: number | undefined;
}

export interface LogEntry {
  readonly seq: number;
  /** Stable key of the item (its immutable id). */
  readonly key: string;
  readonly kind: 'upsert' | 'delete';
  /** For a delete: the last version before it, so a tombstone can name the id the client knew. */
  readonly record: ItemRecord;
  /** Sequence number at which the key (re)entered this collection. */
  readonly bornSeq: number;
  /** The previous entry for the same key in this collection. */
  readonly prev: LogEntry | undefined;
  /** Sequence number of the next entry for the same key; set once, when that entry is appended. */
  supersededAt: number | undefined;
}

export interface ChangeLog {
  readonly entries: readonly LogEntry[];
  latest(key: string): LogEntry | undefined;
  /** The live record for a key, or undefined if absent or deleted. */
  current(key: string): ItemRecord | undefined;
  upsert(seq: number, key: string, record: ItemRecord): LogEntry;
  remove(seq: number, key: string): LogEntry | undefined;
  /** Index of the first entry whose seq is greater than `seq`. */
  indexAfter(seq: number): number;
  /** Number of live items. */
  readonly size: number;
  /** Live records in log order (for plain listing; costs O(log length)). */
  live(): IterableIterator<LogEntry>;
}

export function createChangeLog(): ChangeLog {
  const entries: LogEntry[] = [];
  const latestByKey = new Map<string, LogEntry>();
  let size = 0;

  function append(entry: LogEntry): LogEntry {
    const last = entries[entries.length - 1];
    if (last !== undefined && last.seq >= entry.seq) throw new Error('change log sequence must grow');
    if (entry.prev !== undefined) entry.prev.supersededAt = entry.seq;
    entries.push(entry);
    latestByKey.set(entry.key, entry);
    return entry;
  }

  return {
    entries,
    get size() {
      return size;
    },
    latest: (key) => latestByKey.get(key),
    current(key) {
      const e = latestByKey.get(key);
      return e !== undefined && e.kind === 'upsert' ? e.record : undefined;
    },
    upsert(seq, key, record) {
      const prev = latestByKey.get(key);
      const alive = prev !== undefined && prev.kind === 'upsert';
      if (!alive) size += 1;
      return append({ seq, key, kind: 'upsert', record, bornSeq: alive ? prev.bornSeq : seq, prev, supersededAt: undefined });
    },
    remove(seq, key) {
      const prev = latestByKey.get(key);
      if (prev === undefined || prev.kind === 'delete') return undefined;
      size -= 1;
      return append({ seq, key, kind: 'delete', record: prev.record, bornSeq: prev.bornSeq, prev, supersededAt: undefined });
    },
    indexAfter(seq) {
      let lo = 0;
      let hi = entries.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((entries[mid] as LogEntry).seq <= seq) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    },
    *live() {
      for (const e of entries) if (e.supersededAt === undefined && e.kind === 'upsert') yield e;
    },
  };
}

/** True if `entry` is the latest version of its key as of snapshot `seq`. */
export function isLatestAt(entry: LogEntry, seq: number): boolean {
  return entry.seq <= seq && (entry.supersededAt === undefined || entry.supersededAt > seq);
}

/** The version of the key that entry belongs to as of `seq` (walking back), or undefined if none or deleted. */
export function versionAt(entry: LogEntry, seq: number): ItemRecord | undefined {
  let e: LogEntry | undefined = entry;
  while (e !== undefined && e.seq > seq) e = e.prev;
  if (e === undefined || e.kind === 'delete') return undefined;
  return e.record;
}

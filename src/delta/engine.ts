import type { Keyv } from 'keyv';
import { gatewayError } from '../errors.js';
import type { GraphClient } from '../graph/client.js';
import { parseDeltaPage, type PageEnd } from './delta-page.js';
import { createPageStash, DEFAULT_STASH_TTL_MS } from './page-stash.js';
import type { Prefetcher } from './prefetch.js';
import { maxPageSize } from './resources/query-options.js';
import { removedReasonOf, type GraphItem, type Position, type RemovedReason, type RoundState } from './round.js';

export interface DeltaEngineOptions {
  graph: GraphClient;
  /** Keeps the rest of pages that cannot be fetched again. */
  store: Keyv;
  /** @default 3600000 (1 h) */
  stashTtlMs?: number;
  /** Most Graph pages fetched for one read, to fill `limit` when Graph under-delivers. @default 20 */
  maxPagesPerRead?: number;
  /** Fetches each page's nextLink ahead of the read that asks for it (reads that give a `prefetchScope`). */
  prefetch?: Prefetcher;
}

export interface DeltaReadRequest {
  round: RoundState;
  /** Most items to return (before de-duplication). */
  limit: number;
  getToken(): Promise<string>;
  signal?: AbortSignal;
  /**
   * How a page is fetched: an operation's loader, so that the pages of several fields share
   * `$batch`es (CONTRACT §7). @default the engine's Graph client
   */
  get?: GraphClient['get'];
  /** Who reads (principal and resource): pages are prefetched for this caller only. Absent: no prefetch. */
  prefetchScope?: string;
}

export interface DeltaEntry {
  item: GraphItem;
  /** Set when Graph listed the item under `@removed`. */
  removed: RemovedReason | undefined;
  /** The position right after this item (may store the rest of a page that cannot be fetched again). */
  positionAfter(): Promise<Position>;
  /** The same position when it needs no store write (so a cursor can be sealed without waiting); undefined otherwise. */
  knownPositionAfter(): Position | undefined;
}

export interface DeltaRead {
  /** Graph's items in Graph's order, each id once (the last version wins). */
  entries: DeltaEntry[];
  /** True when the read reached the round's deltaLink: `nextPosition()` is then a `delta` position. */
  roundEnded: boolean;
  /** The position after the last item read. */
  nextPosition(): Promise<Position>;
}

export interface DeltaEngine {
  /** Reads up to `limit` items from `round.position` on, following nextLinks; independent of GraphQL. */
  read(request: DeltaReadRequest): Promise<DeltaRead>;
  /**
   * Reads from `round.position` to the end of the round in batches of `batchSize`, handing each batch
   * to `onBatch` (memory stays flat), and returns the round-end position (a deltaLink).
   */
  drain(
    request: Omit<DeltaReadRequest, 'limit'> & { batchSize?: number },
    onBatch?: (entries: DeltaEntry[]) => void | Promise<void>,
  ): Promise<{ position: Extract<Position, { kind: 'delta' }>; count: number }>;
}

/** How often Graph may answer with a nextLink it already gave before the round is declared stuck. */
const MAX_REPEATS = 1;
const DEFAULT_MAX_PAGES = 20;

type Source =
  | { kind: 'link'; link: string; size: number; repeats: number }
  | { kind: 'stash'; key: string }
  /** Fetched once (a round's first request or a deltaLink): asking again would start another snapshot. */
  | { kind: 'fresh' };

interface Page {
  source: Source;
  /** Absolute index of items[0] in Graph's page (stashes keep a page's tail). */
  base: number;
  items: GraphItem[];
  end: PageEnd;
  /** First index read by this request. */
  start: number;
  /** Position after the page's last item, once the page is consumed. */
  after?: Position;
  stashKey?: Promise<string>;
}

export function createDeltaEngine(options: DeltaEngineOptions): DeltaEngine {
  const { graph, maxPagesPerRead = DEFAULT_MAX_PAGES } = options;
  const stash = createPageStash(options.store, options.stashTtlMs ?? DEFAULT_STASH_TTL_MS);

  async function fetchPage(url: string, size: number, request: DeltaReadRequest) {
    // The prefetch of the next page goes out right after this one, with the token this one used.
    let token: Promise<string> | undefined;
    // The read's own pages go through the operation's loader (shared $batches); a prefetch outlives
    // the operation (the client's next request takes it), so it uses the engine's client, without signal.
    const fetchLink = async (link: string, get: GraphClient['get'], signal: AbortSignal | undefined) => {
      const response = await get({ url: link, token: await (token ??= request.getToken()), prefer: [maxPageSize(size), ...request.round.prefer], ...(signal ? { signal } : {}) });
      return parseDeltaPage(response.body, response.requestId);
    };
    const own = () => fetchLink(url, request.get ?? graph.get, request.signal);
    const { prefetch } = options;
    // Only reads that continue a round prefetch: a client that reads a round's first page (or an
    // incremental round's) and stops would leave every prefetch unused, doubling its Graph requests.
    const continuing = request.round.position.kind === 'link' || request.round.position.kind === 'stash';
    const scope = continuing ? request.prefetchScope : undefined;
    if (prefetch === undefined || scope === undefined) return own();
    // The same caller, page size and Prefer give the same page: that is what a prefetch is kept under.
    const keyOf = (link: string) => `${scope}\n${size}\n${request.round.prefer.join('\n')}\n${link}`;
    return prefetch.load(keyOf(url), own, { keyOf, fetch: (link) => fetchLink(link, graph.get, undefined) });
  }

  async function load(position: Position, request: DeltaReadRequest): Promise<Page> {
    switch (position.kind) {
      case 'initial': {
        const body = await fetchPage(position.url, request.limit, request);
        return { source: { kind: 'fresh' }, base: 0, start: 0, ...body };
      }
      case 'delta': {
        const body = await fetchPage(position.link, request.limit, request);
        return { source: { kind: 'fresh' }, base: 0, start: 0, ...body };
      }
      case 'link': {
        // Resuming inside a page: the same link with the same page size gives the same page.
        const size = position.offset > 0 && position.size !== undefined ? position.size : request.limit;
        const body = await fetchPage(position.link, size, request);
        const source: Source = { kind: 'link', link: position.link, size, repeats: position.repeats ?? 0 };
        return { source, base: 0, start: Math.min(position.offset, body.items.length), ...body };
      }
      case 'stash': {
        const page = await stash.get(position.key);
        const start = Math.max(position.index, page.from);
        return { source: { kind: 'stash', key: position.key }, base: page.from, start, items: page.items, end: page.end };
      }
    }
  }

  /** A position inside a page, unless it needs the page stashed first. */
  function knownInside(page: Page, index: number): Position | undefined {
    const { source } = page;
    switch (source.kind) {
      case 'link':
        return source.repeats > 0
          ? { kind: 'link', link: source.link, offset: index, size: source.size, repeats: source.repeats }
          : { kind: 'link', link: source.link, offset: index, size: source.size };
      case 'stash':
        return { kind: 'stash', key: source.key, index };
      case 'fresh':
        return undefined;
    }
  }

  function inside(page: Page, index: number): Promise<Position> {
    const known = knownInside(page, index);
    if (known !== undefined) return Promise.resolve(known);
    // One stash per page, written only when a cursor inside it is asked for.
    page.stashKey ??= stash.put({ from: page.start + 1, items: page.items.slice(page.start + 1 - page.base), end: page.end });
    return page.stashKey.then((key) => ({ kind: 'stash', key, index }));
  }

  /** After item `index`: at the page's end that is where the page led (its nextLink or deltaLink). */
  const atPageEnd = (page: Page, index: number) => index + 1 >= page.base + page.items.length && page.after !== undefined;

  async function read(request: DeltaReadRequest): Promise<DeltaRead> {
    const { limit } = request;
    const collected: { item: GraphItem; page: Page; index: number }[] = [];
    const fetched = new Set<string>();
    const startPosition = request.round.position;
    const startRepeats = startPosition.kind === 'link' ? (startPosition.repeats ?? 0) : 0;
    let position = startPosition;
    let pages = 0;
    let next: () => Promise<Position>;
    let roundEnded = false;

    for (;;) {
      const page = await load(position, request);
      pages += 1;
      if (position.kind === 'link' || position.kind === 'delta') fetched.add(position.link);
      if (position.kind === 'initial') fetched.add(position.url);

      const pageEnd = page.base + page.items.length;
      const take = Math.min(limit - collected.length, pageEnd - page.start);
      for (let index = page.start; index < page.start + take; index += 1) {
        collected.push({ item: page.items[index - page.base] as GraphItem, page, index });
      }
      const stoppedAt = page.start + take;
      if (stoppedAt < pageEnd) {
        next = () => inside(page, stoppedAt);
        break;
      }

      let after: Position;
      if (page.end.kind === 'delta') {
        after = { kind: 'delta', link: page.end.link };
      } else if (fetched.has(page.end.link)) {
        // Graph handed out a nextLink it already gave: stop here; if it keeps doing so, the round is stuck.
        const repeats = startRepeats + 1;
        if (repeats > MAX_REPEATS) {
          throw gatewayError('UPSTREAM_ERROR', 'Graph keeps answering this delta round with the same page (its nextLink repeats); start a new round without `after`.');
        }
        after = { kind: 'link', link: page.end.link, offset: 0, repeats };
      } else {
        after = { kind: 'link', link: page.end.link, offset: 0 };
      }
      page.after = after;
      const done = after;
      next = () => Promise.resolve(done);
      if (after.kind === 'delta') {
        roundEnded = true;
        break;
      }
      if (collected.length >= limit || pages >= maxPagesPerRead || after.repeats !== undefined) break;
      position = after;
    }

    const lastIndexOf = new Map<string, number>();
    collected.forEach((entry, i) => lastIndexOf.set(entry.item.id, i));
    const entries = collected
      .filter((entry, i) => lastIndexOf.get(entry.item.id) === i)
      .map(({ item, page, index }): DeltaEntry => ({
        item,
        removed: removedReasonOf(item),
        // Methods, not arrow properties: no per-item function naming (tsx keeps names) on a hot path.
        positionAfter() {
          return atPageEnd(page, index) ? Promise.resolve(page.after as Position) : inside(page, index + 1);
        },
        knownPositionAfter() {
          return atPageEnd(page, index) ? page.after : knownInside(page, index + 1);
        },
      }));
    return { entries, roundEnded, nextPosition: next };
  }

  async function drain(request: Omit<DeltaReadRequest, 'limit'> & { batchSize?: number }, onBatch?: (entries: DeltaEntry[]) => void | Promise<void>) {
    const { batchSize = 1000, ...rest } = request;
    let round = rest.round;
    let count = 0;
    for (;;) {
      const result = await read({ ...rest, round, limit: batchSize });
      count += result.entries.length;
      if (onBatch && result.entries.length > 0) await onBatch(result.entries);
      const position = await result.nextPosition();
      if (result.roundEnded && position.kind === 'delta') return { position, count };
      round = { ...round, position };
    }
  }

  return { read, drain };
}

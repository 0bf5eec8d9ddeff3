import { metrics } from '../telemetry/metrics.js';
import type { DeltaPageBody } from './delta-page.js';

/**
 * Fetches Graph's next delta page while the client is still reading this one. When a page that ends
 * with a nextLink arrives, the request for that link starts at once (same caller, page size and Prefer);
 * the read that asks for it next takes the answer instead of asking Graph again. This hides one Graph
 * round trip per page of a round read to its end.
 *
 * Bounded: one prefetch per caller and link, at most `maxEntries` in flight or waiting (the oldest is
 * dropped), each kept `ttlMs`. A prefetch nobody takes (the client stopped, or asked with another
 * `first`) is counted as unused; a failed one is dropped and the read asks Graph itself.
 */
export interface Prefetcher {
  /**
   * Loads a page through the prefetcher: a prefetched answer for `key` if there is one, `fetch()` otherwise;
   * then, if the page continues, starts fetching its nextLink (`keyOf(link)`, `fetchNext(link)`).
   */
  load(
    key: string,
    fetch: () => Promise<DeltaPageBody>,
    next: { keyOf(link: string): string; fetch(link: string): Promise<DeltaPageBody> },
  ): Promise<DeltaPageBody>;
  /** Entries in flight or waiting (for tests). */
  readonly size: number;
}

export interface PrefetchOptions {
  /** How long a prefetched page waits for its read. @default 10000 */
  ttlMs?: number;
  /** Most prefetched pages kept at once (all callers). @default 256 */
  maxEntries?: number;
}

interface Entry {
  page: Promise<DeltaPageBody | undefined>;
  timer: NodeJS.Timeout;
}

export function createPrefetcher(options: PrefetchOptions = {}): Prefetcher {
  const ttlMs = options.ttlMs ?? 10_000;
  const maxEntries = options.maxEntries ?? 256;
  const entries = new Map<string, Entry>();

  const drop = (key: string, outcome: 'used' | 'unused') => {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    clearTimeout(entry.timer);
    entries.delete(key);
    if (outcome === 'unused') metrics.prefetches.inc({ outcome: 'unused' });
    return entry;
  };

  const start = (key: string, fetch: () => Promise<DeltaPageBody>) => {
    if (entries.has(key)) return;
    if (entries.size >= maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) drop(oldest, 'unused');
    }
    const page = fetch().catch(() => {
      // The read will ask Graph itself (and get the error, if it is one, with its retries and codes).
      metrics.prefetches.inc({ outcome: 'failed' });
      if (entries.get(key)?.page === page) drop(key, 'used');
      return undefined;
    });
    const timer = setTimeout(() => drop(key, 'unused'), ttlMs);
    timer.unref();
    entries.set(key, { page, timer });
  };

  return {
    async load(key, fetch, next) {
      const taken = drop(key, 'used');
      let page = taken && (await taken.page);
      if (page !== undefined) metrics.prefetches.inc({ outcome: 'used' });
      page ??= await fetch();
      if (page.end.kind === 'next') {
        const link = page.end.link;
        start(next.keyOf(link), () => next.fetch(link));
        // Let the prefetch reach Graph's socket before this read goes on to build its answer (milliseconds
        // of synchronous work): otherwise each page's Graph round trip starts that much later.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      return page;
    },
    get size() {
      return entries.size;
    },
  };
}

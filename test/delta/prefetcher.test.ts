import { describe, expect, it } from 'vitest';
import type { DeltaPageBody } from '../../src/delta/delta-page.js';
import { createPrefetcher } from '../../src/delta/prefetch.js';
import { metrics } from '../../src/telemetry/metrics.js';

const page = (next?: string): DeltaPageBody => ({ items: [{ id: next ?? 'last' }], end: next ? { kind: 'next', link: next } : { kind: 'delta', link: 'd' } });
const outcome = async (name: string) => (await metrics.prefetches.get()).values.find((v) => v.labels['outcome'] === name)?.value ?? 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('prefetcher', () => {
  it('serves a prefetched next page once, counts what nobody took, bounds its entries, and falls back when a prefetch failed', async () => {
    const prefetcher = createPrefetcher({ ttlMs: 50, maxEntries: 2 });
    const asked: string[] = [];
    const next = { keyOf: (link: string) => `k:${link}`, fetch: async (link: string) => (asked.push(link), page(link === 'p2' ? 'p3' : undefined)) };
    const [used0, unused0, failed0] = [await outcome('used'), await outcome('unused'), await outcome('failed')];

    // Page 1 leads to p2: p2 is fetched at once, and the read of p2 takes it without fetching.
    await prefetcher.load('k:p1', async () => page('p2'), next);
    expect(asked).toEqual(['p2']);
    const fallback = async () => {
      throw new Error('must not be fetched again');
    };
    expect((await prefetcher.load('k:p2', fallback, next)).end).toEqual({ kind: 'next', link: 'p3' });
    expect(await outcome('used')).toBe(used0 + 1);
    // p3 was prefetched in turn; nobody reads it: after the TTL it is dropped and counted unused.
    expect(prefetcher.size).toBe(1);
    await sleep(80);
    expect(prefetcher.size).toBe(0);
    expect(await outcome('unused')).toBe(unused0 + 1);

    // At most two entries: a third drops the oldest (unused).
    for (const link of ['a', 'b', 'c']) await prefetcher.load(`k:${link}-first`, async () => page(link), { keyOf: (l) => `k:${l}`, fetch: async () => page() });
    expect(prefetcher.size).toBe(2);
    expect(await outcome('unused')).toBe(unused0 + 2);

    // A failed prefetch is dropped; the read asks Graph itself.
    await prefetcher.load('k:x', async () => page('y'), { keyOf: (l) => `k:${l}`, fetch: async () => Promise.reject(new Error('429')) });
    await sleep(5);
    expect(await outcome('failed')).toBe(failed0 + 1);
    expect((await prefetcher.load('k:y', async () => page(), next)).end.kind).toBe('delta');
  });
});

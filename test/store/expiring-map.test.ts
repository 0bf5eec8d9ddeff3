import { Keyv } from 'keyv';
import { describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/create-store.js';
import { ExpiringMap } from '../../src/store/expiring-map.js';
import { createLogger } from '../../src/log.js';
import { createPageStash } from '../../src/delta/page-stash.js';

describe('memory:// drops expired entries that nobody reads again', () => {
  it('Keyv on the map: an expired entry is gone from memory after a sweep, without a get', async () => {
    let now = 1_000_000;
    const map = new ExpiringMap(0, () => now);
    const store = new Keyv({ store: map });
    await store.set('short', { big: 'x'.repeat(1000) }, 1_000);
    await store.set('long', 'kept', 60_000);
    await store.set('forever', 'kept');
    expect(map.size).toBe(3);
    now += 999;
    expect(map.sweep()).toBe(0);
    now += 2;
    expect(map.sweep()).toBe(1);
    expect(map.size).toBe(2);
    expect(await store.get('short')).toBeUndefined();
    expect(await store.get('long')).toBe('kept');
    now += 10 * 60_000;
    map.sweep();
    expect([...map.keys()].map((k) => k.replace(/^keyv:/, ''))).toEqual(['forever']);
    expect(await store.get('forever')).toBe('kept');
  });

  it('a set without TTL clears an earlier TTL; delete and clear forget it', async () => {
    let now = 0;
    const map = new ExpiringMap(0, () => now);
    const store = new Keyv({ store: map });
    await store.set('k', 1, 10);
    await store.set('k', 2);
    now = 100;
    expect(map.sweep()).toBe(0);
    expect(await store.get('k')).toBe(2);
    await store.set('d', 1, 10);
    await store.delete('d');
    await store.set('c', 1, 10);
    await store.clear();
    now = 1_000;
    expect(map.sweep()).toBe(0);
  });

  it('createStore("memory://") sweeps on its timer: a stashed page leaves memory after its TTL', async () => {
    const store = createStore('memory://', { logger: createLogger('silent'), sweepIntervalMs: 20 });
    const map = store.opts.store as unknown as ExpiringMap;
    expect(map).toBeInstanceOf(ExpiringMap);
    const stash = createPageStash(store, 30);
    await stash.put({ from: 1, items: [{ id: 'a' }], end: { kind: 'delta', link: 'https://graph.microsoft.com/v1.0/x' } });
    expect(map.size).toBe(1);
    await expect.poll(() => map.size, { timeout: 2_000, interval: 10 }).toBe(0);
    map.stop();
  });
});

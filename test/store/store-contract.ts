import type { Keyv } from 'keyv';
import { afterAll, expect, it } from 'vitest';

export interface StoreUnderTest {
  /** A new store on the same backend and the given namespace. */
  open(namespace: string): Keyv;
  /** Whether two stores opened with the same namespace see each other's keys (false for memory://). */
  shared: boolean;
}

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`never happened: ${what}`);
}

let run = 0;

/** The behaviour every store adapter must have (after keyv's own core/test-suite idea). */
export function storeContract(subject: StoreUnderTest): void {
  const opened: Keyv[] = [];
  // Fresh namespaces per run so a shared Redis or an old SQLite file cannot leak between runs.
  const ns = (name: string) => `test-${process.pid}-${Date.now()}-${(run += 1)}-${name}`;
  const open = (namespace: string) => {
    const store = subject.open(namespace);
    opened.push(store);
    return store;
  };
  afterAll(async () => {
    // Leave nothing behind in a Redis given by REDIS_URL.
    for (const store of opened) await store.clear();
    await Promise.all(opened.map((store) => store.disconnect()));
  });

  it('sets and gets JSON values; a missing key is undefined', async () => {
    const store = open(ns('values'));
    const values = { object: { link: 'https://x/y?$deltatoken=a', offset: 3, nested: [1, 'two', null, true] }, text: 'é ✓', zero: 0, no: false };
    for (const [key, value] of Object.entries(values)) await store.set(key, value);
    for (const [key, value] of Object.entries(values)) expect(await store.get(key)).toEqual(value);
    expect(await store.get('missing')).toBeUndefined();
    expect(await store.has('text')).toBe(true);
    expect(await store.has('missing')).toBe(false);
  });

  it('overwrites and deletes', async () => {
    const store = open(ns('delete'));
    await store.set('k', 1);
    await store.set('k', 2);
    expect(await store.get('k')).toBe(2);
    expect(await store.delete('k')).toBe(true);
    expect(await store.get('k')).toBeUndefined();
    expect(await store.delete('k')).toBe(false);
  });

  it('expires entries after their TTL and keeps the others', async () => {
    const store = open(ns('ttl'));
    await store.set('short', 'soon gone', 50);
    await store.set('long', 'stays', 60_000);
    await store.set('forever', 'stays');
    await eventually(async () => (await store.get('short')) === undefined, 'short TTL entry expired');
    expect(await store.get('long')).toBe('stays');
    expect(await store.get('forever')).toBe('stays');
  });

  it('isolates namespaces, clear() included', async () => {
    const a = open(ns('a'));
    const b = open(ns('b'));
    await a.set('same-key', 'from a');
    await b.set('same-key', 'from b');
    expect(await a.get('same-key')).toBe('from a');
    expect(await b.get('same-key')).toBe('from b');
    await a.clear();
    expect(await a.get('same-key')).toBeUndefined();
    expect(await b.get('same-key')).toBe('from b');
  });

  it(subject.shared ? 'shares keys between stores of one namespace (instances)' : 'keeps each memory store private to its instance', async () => {
    const namespace = ns('shared');
    const first = open(namespace);
    const second = open(namespace);
    await first.set('checkpoint', { link: 'https://x/?$deltatoken=1' });
    expect(await second.get('checkpoint')).toEqual(subject.shared ? { link: 'https://x/?$deltatoken=1' } : undefined);
  });
}


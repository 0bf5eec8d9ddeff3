/**
 * The `memory://` store's map: Keyv's own Map, plus the one thing Keyv leaves out. Keyv checks an
 * entry's expiry only when the entry is read, so an entry that is never read again (a round's stashed
 * first page, a token nobody asks for) would stay for the life of the process. This map remembers the
 * TTL Keyv passes to `set` and drops expired entries on a timer (unref'd: it never keeps a process up).
 */
export class ExpiringMap<V = unknown> extends Map<string, V> {
  private readonly expiresAt = new Map<string, number>();
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(sweepIntervalMs = 60_000, private readonly now: () => number = Date.now) {
    super();
    if (sweepIntervalMs > 0) {
      this.timer = setInterval(() => this.sweep(), sweepIntervalMs);
      this.timer.unref();
    }
  }

  /** Keyv calls `store.set(key, value, ttl)`; a missing or zero TTL never expires. */
  override set(key: string, value: V, ttlMs?: number): this {
    super.set(key, value);
    if (typeof ttlMs === 'number' && ttlMs > 0) this.expiresAt.set(key, this.now() + ttlMs);
    else this.expiresAt.delete(key);
    return this;
  }

  override delete(key: string): boolean {
    this.expiresAt.delete(key);
    return super.delete(key);
  }

  override clear(): void {
    this.expiresAt.clear();
    super.clear();
  }

  /** Drops every entry whose TTL has passed; returns how many. */
  sweep(): number {
    const now = this.now();
    let dropped = 0;
    for (const [key, at] of this.expiresAt) {
      if (at <= now) {
        this.delete(key);
        dropped += 1;
      }
    }
    return dropped;
  }

  /** Stops the sweep timer (tests; a process that exits needs nothing). */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }
}

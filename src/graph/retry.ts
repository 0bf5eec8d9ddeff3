import { setTimeout as delay } from 'node:timers/promises';

/** Statuses the Graph SDKs retry; everything else is answered at once. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 503, 504]);

/** Back-off without Retry-After: full jitter over an exponential ceiling. */
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 30_000;

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/**
 * Milliseconds a `Retry-After` value asks for: delta-seconds (Graph also sends fractions such as
 * `2.128`) or an HTTP date. `undefined` when absent or unreadable, so back-off applies instead.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(?:\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  if (!/[a-z]/i.test(text)) return undefined; // "-1", "1e3": not a date either
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Full-jitter exponential back-off for retry number `attempt` (1 = first retry). */
export function backoffDelay(
  attempt: number,
  random: () => number,
  baseMs: number = BACKOFF_BASE_MS,
  capMs: number = BACKOFF_CAP_MS,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(Math.min(1, Math.max(0, random())) * ceiling);
}

/** Real waiting; rejects with the signal's reason when it aborts. */
export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, signal ? { signal } : {});
}

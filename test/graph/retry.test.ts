import { describe, expect, it } from 'vitest';
import { backoffDelay, defaultSleep, isRetryableStatus, parseRetryAfter } from '../../src/graph/retry.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it.each([
    ['10', 10_000],
    ['2.128', 2_128],
    [' 0 ', 0],
    ['Wed, 01 Jan 2025 00:00:07 GMT', 7_000],
    ['Tue, 31 Dec 2024 23:59:00 GMT', 0],
  ])('%j → %i ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });
  it.each([undefined, '', '-1', '1e3', 'soon', 'NaN'])('%j → undefined (back-off applies)', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it('grows exponentially from 500 ms and is capped at 30 s', () => {
    expect([1, 2, 3, 4, 7, 20].map((n) => backoffDelay(n, () => 1))).toEqual([500, 1_000, 2_000, 4_000, 30_000, 30_000]);
  });
  it('applies full jitter', () => {
    expect(backoffDelay(3, () => 0)).toBe(0);
    expect(backoffDelay(3, () => 0.25)).toBe(500);
  });
});

describe('retry policy', () => {
  it.each([[429, true], [503, true], [504, true], [500, false], [410, false], [400, false], [507, false]])('%i retryable: %s', (status, retryable) => {
    expect(isRetryableStatus(status)).toBe(retryable);
  });
  it('the default sleep rejects when its signal aborts', async () => {
    await expect(defaultSleep(60_000, AbortSignal.abort(new Error('stop')))).rejects.toMatchObject({ name: 'AbortError' });
  });
});

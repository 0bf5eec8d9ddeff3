/** ±10 % so that pollers started together do not hit Graph in lockstep. */
export function jittered(ms: number, random: () => number): number {
  return Math.max(1, Math.round(ms * (0.9 + 0.2 * random())));
}

/** After `failures` failed polls in a row: the interval doubled each time, at most 8 times it (or 5 min). */
export function backoff(intervalMs: number, failures: number, random: () => number): number {
  const factor = Math.min(2 ** Math.max(0, failures - 1), 8);
  return jittered(Math.min(intervalMs * factor, Math.max(intervalMs, 5 * 60_000)), random);
}

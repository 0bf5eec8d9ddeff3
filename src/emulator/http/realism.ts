/** Switches that make the emulator behave like Graph on a bad day (NOTES.md 2, 3). */
export interface RealismSettings {
  /** Page size when the client sends no `Prefer: odata.maxpagesize` (Graph's message delta: 10). */
  defaultPageSize: number;
  /** Largest page served for a maxpagesize hint. */
  maxPageSize: number;
  /** Extra items per page beyond the hint (pages larger than asked). */
  overDeliver: number;
  /** Empty pages, carrying only a nextLink, after every page that has a nextLink. */
  emptyPages: number;
  /** Items of the previous page repeated at the start of the next one. */
  repeatItems: number;
  /** Delay before every Graph answer, in ms. */
  latencyMs: number;
  /** Tokens more than this many generations behind the newest of their chain answer 410 syncStateNotFound (0 = off). */
  tokenGenerations: number;
  /** Outlook's limit of concurrent requests per mailbox (Graph: 4); beyond it, 429 ApplicationThrottled. 0 = off. */
  mailboxConcurrency: number;
}

export const DEFAULT_REALISM: Readonly<RealismSettings> = Object.freeze({
  defaultPageSize: 10,
  maxPageSize: 1000,
  overDeliver: 0,
  emptyPages: 0,
  repeatItems: 0,
  latencyMs: 0,
  mailboxConcurrency: 0,
  tokenGenerations: 0,
});

const LIMITS: Record<keyof RealismSettings, [number, number]> = {
  defaultPageSize: [1, 10_000],
  maxPageSize: [1, 10_000],
  overDeliver: [0, 10_000],
  emptyPages: [0, 100],
  repeatItems: [0, 10_000],
  latencyMs: [0, 60_000],
  mailboxConcurrency: [0, 1000],
  tokenGenerations: [0, 1_000_000],
};

/** Validates a partial update; returns an error message or the merged settings. */
export function mergeRealism(current: RealismSettings, patch: unknown): RealismSettings | string {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return 'The body must be a JSON object.';
  const next = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (!(k in LIMITS)) return `Unknown realism setting '${k}'.`;
    const [min, max] = LIMITS[k as keyof RealismSettings];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) return `'${k}' must be an integer between ${min} and ${max}.`;
    next[k as keyof RealismSettings] = v;
  }
  return next;
}

import { createHash } from 'node:crypto';
import type { ResourceName, RoundOptions } from '../delta/resources/types.js';
import type { Position } from '../delta/round.js';

/** What makes two subscriptions share one upstream poller: who, which delta function, which round options. */
export interface PollKeyParts {
  principalKey: string;
  resource: ResourceName;
  options: RoundOptions;
  select: readonly string[] | null;
  prefer: readonly string[];
}

const sortedEntries = (record: RoundOptions) => Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * The poller key and a short id derived from it. Order does not matter (`$select=id,subject` and
 * `$select=subject,id` select the same). The id names Redis keys and channels, so it carries no user id.
 */
export function pollKeyOf(parts: PollKeyParts): { key: string; id: string } {
  const key = JSON.stringify([
    parts.principalKey,
    parts.resource,
    sortedEntries(parts.options),
    parts.select === null ? null : [...parts.select].sort(),
    [...parts.prefer].sort(),
  ]);
  return { key, id: createHash('sha256').update(key).digest('base64url').slice(0, 32) };
}

/** A short fingerprint of a position, to tell whether a subscriber's `after` is where the shared poller stands. */
export function anchorOf(position: Position): string {
  return createHash('sha256').update(JSON.stringify(position)).digest('base64url').slice(0, 32);
}

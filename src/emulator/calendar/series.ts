import type { ItemRecord } from '../delta/change-log.js';
import type { PatternedRecurrence } from '../graph/types.js';
import { expandSeries } from './recurrence.js';
import type { DateTimeTimeZone } from './time-zones.js';

/** One instance of a recurring series inside a window. */
export interface Instance {
  readonly type: 'occurrence' | 'exception';
  readonly startMs: number;
  readonly endMs: number;
  readonly originalStartMs: number;
}

/**
 * Instances of a series master overlapping [startMs, endMs). Exceptions are stored as events of their
 * own (they change on their own in the log), so their original starts are left out here (`skip`).
 */
export function instancesOf(master: ItemRecord, windowStartMs: number, windowEndMs: number, skip: ReadonlySet<number> = new Set()): Instance[] {
  const json = master.json;
  const recurrence = json['recurrence'] as PatternedRecurrence | null | undefined;
  if (!recurrence) return [];
  const cancelled = Array.isArray(json['cancelledOccurrences']) ? (json['cancelledOccurrences'] as string[]) : [];
  try {
    return expandSeries(
      {
        id: master.restId,
        start: json['start'] as DateTimeTimeZone,
        end: json['end'] as DateTimeTimeZone,
        recurrence,
        ...(typeof json['originalStartTimeZone'] === 'string' ? { originalStartTimeZone: json['originalStartTimeZone'] } : {}),
        cancelledOccurrences: [...cancelled, ...skip],
      },
      windowStartMs,
      windowEndMs,
    ).map((o) => ({ type: o.type, startMs: o.startMs, endMs: o.endMs, originalStartMs: o.originalStartMs }));
  } catch {
    // A series the expander cannot read contributes its master only (Graph would have refused it on write).
    return [];
  }
}

import type { ItemRecord } from './change-log.js';

/** One instance of a recurring series inside a window. */
export interface Instance {
  readonly type: 'occurrence' | 'exception';
  readonly startMs: number;
  readonly endMs: number;
  readonly originalStartMs: number;
}

const DAY = 86_400_000;
const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/**
 * Instances of a series master overlapping [startMs, endMs).
 * Interim stand-in (daily/weekly, UTC arithmetic) until recurrence.ts lands.
 */
export function instancesOf(master: ItemRecord, windowStartMs: number, windowEndMs: number, skip: ReadonlySet<number> = new Set()): Instance[] {
  const rec = master.json['recurrence'] as { pattern?: Record<string, unknown>; range?: Record<string, unknown> } | null | undefined;
  if (!rec || !rec.pattern || !rec.range) return [];
  const start = master.startMs as number;
  const duration = (master.endMs as number) - start;
  const interval = Math.max(1, Number(rec.pattern['interval'] ?? 1));
  const type = String(rec.pattern['type']);
  const rangeType = String(rec.range['type']);
  const count = rangeType === 'numbered' ? Number(rec.range['numberOfOccurrences'] ?? 1) : Infinity;
  const endDate = rangeType === 'endDate' ? Date.parse(`${String(rec.range['endDate'])}T23:59:59Z`) : Infinity;
  const days = Array.isArray(rec.pattern['daysOfWeek']) ? (rec.pattern['daysOfWeek'] as string[]).map((d) => DAYS.indexOf(d)) : [];
  const cancelled = new Set(Array.isArray(master.json['cancelledOccurrences']) ? (master.json['cancelledOccurrences'] as string[]) : []);
  const out: Instance[] = [];
  let n = 0;
  for (let t = start, i = 0; i < 20_000 && n < count && t <= endDate && t < windowEndMs; i += 1, t += DAY) {
    const dayIndex = Math.floor((t - start) / DAY);
    const ok =
      type === 'daily'
        ? dayIndex % interval === 0
        : type === 'weekly'
          ? Math.floor(dayIndex / 7) % interval === 0 && (days.length === 0 ? dayIndex % 7 === 0 : days.includes(new Date(t).getUTCDay()))
          : dayIndex === 0;
    if (!ok) continue;
    n += 1;
    if (cancelled.has(new Date(t).toISOString()) || skip.has(t)) continue;
    if (t < windowEndMs && t + duration > windowStartMs) out.push({ type: 'occurrence', startMs: t, endMs: t + duration, originalStartMs: t });
  }
  return out;
}

import type { DateTimeTimeZone, DayOfWeek, GraphEvent, PatternedRecurrence, WeekIndex } from '../graph/types.js';
import { occurrenceId, parseOccurrenceId } from '../data/ids.js';
import { fromLocalMs, parseDateTimeTimeZone, parseIsoDateTime, resolveTimeZone, toLocalMs } from './time-zones.js';

/** How one occurrence of a series differs from the pattern (an exception). */
export interface OccurrenceOverride {
  startMs?: number;
  endMs?: number;
  /** Id of the exception event; default occurrenceId(master, originalStart), as Graph keeps it. */
  id?: string;
}

export interface SeriesMaster {
  id: string;
  start: DateTimeTimeZone;
  end: DateTimeTimeZone;
  recurrence: PatternedRecurrence;
  /** Zone to expand in when recurrence.range.recurrenceTimeZone is absent. */
  originalStartTimeZone?: string;
  /**
   * Deleted occurrences: original start in epoch ms, an occurrence id, an ISO date-time, a local date
   * "2024-07-04", or Graph's "OID.{masterId}.2024-07-04" (local date in the recurrence zone).
   */
  cancelledOccurrences?: readonly (string | number)[];
  /** Exceptions keyed by original start: epoch ms (Map) or epoch-ms/ISO strings (record). */
  exceptions?: ReadonlyMap<number, OccurrenceOverride> | Readonly<Record<string, OccurrenceOverride>>;
}

export interface Occurrence {
  id: string;
  seriesMasterId: string;
  type: 'occurrence' | 'exception';
  startMs: number;
  endMs: number;
  originalStartMs: number;
}

export interface ExpandOptions {
  /** @default 10000 */
  maxOccurrences?: number;
}

const DAY = 86_400_000;
const DEFAULT_MAX_OCCURRENCES = 10_000;
/** Hard cap on periods visited, whatever the pattern: no request can spin the emulator. */
const MAX_PERIODS = 200_000;

const DAYS: readonly DayOfWeek[] = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const INDEXES: readonly WeekIndex[] = ['first', 'second', 'third', 'fourth', 'last'];
const PATTERN_TYPES = ['daily', 'weekly', 'absoluteMonthly', 'relativeMonthly', 'absoluteYearly', 'relativeYearly'];
const RANGE_TYPES = ['endDate', 'noEnd', 'numbered'];

function dayNumberOfDate(date: string | undefined): number | undefined {
  if (date === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) return undefined;
  return ms / DAY;
}

function dowIndex(d: string | undefined): number {
  return d === undefined ? -1 : DAYS.indexOf(d.toLowerCase() as DayOfWeek);
}

/** Day of week of a day number (0 = Sunday); day 0 (1970-01-01) was a Thursday. */
function dow(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

function ymOf(day: number): { y: number; m: number } {
  const d = new Date(day * DAY);
  return { y: d.getUTCFullYear(), m: d.getUTCMonth() };
}

function dayOf(y: number, m: number, d: number): number {
  return Date.UTC(y, m, d) / DAY;
}

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
}

/** The index-th day of the month whose weekday is in `days` ("first weekday", "last friday"…). */
function relativeDay(y: number, m: number, days: ReadonlySet<number>, index: WeekIndex): number {
  const first = dayOf(y, m, 1);
  const count = daysInMonth(y, m);
  if (index === 'last') {
    for (let i = count - 1; i >= 0; i--) if (days.has(dow(first + i))) return first + i;
    return first + count - 1;
  }
  let wanted = INDEXES.indexOf(index) + 1;
  for (let i = 0; i < count; i++) {
    if (days.has(dow(first + i))) {
      wanted -= 1;
      if (wanted === 0) return first + i;
    }
  }
  return first + count - 1;
}

/**
 * Why a patternedRecurrence is unusable, in Graph's words as far as they are known; undefined when valid.
 * The emulator answers 400 with it on writes.
 */
export function validateRecurrence(r: unknown): string | undefined {
  if (typeof r !== 'object' || r === null) return 'recurrence must be an object';
  const { pattern, range } = r as Partial<PatternedRecurrence>;
  if (typeof pattern !== 'object' || pattern === null) return 'recurrence.pattern is required';
  if (typeof range !== 'object' || range === null) return 'recurrence.range is required';
  if (!PATTERN_TYPES.includes(pattern.type)) return `recurrence.pattern.type is invalid: ${String(pattern.type)}`;
  if (!Number.isInteger(pattern.interval) || pattern.interval < 1 || pattern.interval > 99) {
    return 'recurrence.pattern.interval must be an integer from 1 to 99';
  }
  if (pattern.daysOfWeek !== undefined && pattern.daysOfWeek !== null) {
    if (!Array.isArray(pattern.daysOfWeek) || pattern.daysOfWeek.some((d) => dowIndex(d) < 0)) {
      return 'recurrence.pattern.daysOfWeek contains an invalid day';
    }
  }
  if (pattern.firstDayOfWeek !== undefined && pattern.firstDayOfWeek !== null && dowIndex(pattern.firstDayOfWeek) < 0) {
    return 'recurrence.pattern.firstDayOfWeek is invalid';
  }
  if (pattern.index !== undefined && pattern.index !== null && !INDEXES.includes(pattern.index)) {
    return 'recurrence.pattern.index is invalid';
  }
  const needsDays = pattern.type === 'weekly' || pattern.type === 'relativeMonthly' || pattern.type === 'relativeYearly';
  if (needsDays && (pattern.daysOfWeek?.length ?? 0) === 0) return `recurrence.pattern.daysOfWeek is required for ${pattern.type}`;
  const needsDayOfMonth = pattern.type === 'absoluteMonthly' || pattern.type === 'absoluteYearly';
  if (needsDayOfMonth && !(Number.isInteger(pattern.dayOfMonth) && (pattern.dayOfMonth ?? 0) >= 1 && (pattern.dayOfMonth ?? 0) <= 31)) {
    return `recurrence.pattern.dayOfMonth must be 1 to 31 for ${pattern.type}`;
  }
  const needsMonth = pattern.type === 'absoluteYearly' || pattern.type === 'relativeYearly';
  if (needsMonth && !(Number.isInteger(pattern.month) && (pattern.month ?? 0) >= 1 && (pattern.month ?? 0) <= 12)) {
    return `recurrence.pattern.month must be 1 to 12 for ${pattern.type}`;
  }
  if (!RANGE_TYPES.includes(range.type)) return `recurrence.range.type is invalid: ${String(range.type)}`;
  const startDay = dayNumberOfDate(range.startDate);
  if (startDay === undefined) return 'recurrence.range.startDate must be a date (yyyy-MM-dd)';
  if (range.type === 'endDate') {
    const endDay = dayNumberOfDate(range.endDate);
    if (endDay === undefined) return 'recurrence.range.endDate must be a date (yyyy-MM-dd)';
    if (endDay < startDay) return 'recurrence.range.endDate must not be before startDate';
  }
  if (range.type === 'numbered') {
    const n = range.numberOfOccurrences;
    if (!Number.isInteger(n) || (n ?? 0) < 1) return 'recurrence.range.numberOfOccurrences must be a positive integer';
  }
  if (range.recurrenceTimeZone && resolveTimeZone(range.recurrenceTimeZone) === undefined) {
    return `recurrence.range.recurrenceTimeZone is unknown: ${range.recurrenceTimeZone}`;
  }
  return undefined;
}

/** The IANA zone a series is expanded in. */
export function seriesTimeZone(master: Pick<SeriesMaster, 'recurrence' | 'originalStartTimeZone' | 'start'>): string {
  const candidates = [master.recurrence.range.recurrenceTimeZone, master.originalStartTimeZone, master.start.timeZone];
  for (const c of candidates) {
    if (c) {
      const iana = resolveTimeZone(c);
      if (iana) return iana;
    }
  }
  return 'UTC';
}

/** Graph's cancelledOccurrences entry for an occurrence: "OID.{masterId}.{local date}". */
export function cancelledOccurrenceKey(master: SeriesMaster, originalStartMs: number): string {
  const local = toLocalMs(originalStartMs, seriesTimeZone(master));
  return `OID.${master.id}.${new Date(local).toISOString().slice(0, 10)}`;
}

interface Plan {
  /** Local days (day numbers) of period k, ascending. */
  period(k: number): number[];
  /** A period index at or before the one holding `day` (for skipping ahead). */
  periodBefore(day: number): number;
}

function planFor(rec: PatternedRecurrence, startDay: number): Plan {
  const p = rec.pattern;
  const interval = Math.max(1, Math.floor(p.interval || 1));
  const days = [...new Set((p.daysOfWeek ?? []).map(dowIndex).filter((d) => d >= 0))];
  const daySet = new Set(days.length > 0 ? days : [dow(startDay)]);
  const index: WeekIndex = p.index && INDEXES.includes(p.index) ? p.index : 'first';
  const start = ymOf(startDay);
  switch (p.type) {
    case 'daily':
      return {
        period: (k) => [startDay + k * interval],
        periodBefore: (day) => Math.floor((day - startDay) / interval) - 1,
      };
    case 'weekly': {
      const fdw = Math.max(0, dowIndex(p.firstDayOfWeek ?? 'sunday'));
      const week0 = startDay - ((dow(startDay) - fdw + 7) % 7);
      const offsets = [...daySet].map((d) => (d - fdw + 7) % 7).sort((a, b) => a - b);
      return {
        period: (k) => offsets.map((o) => week0 + k * 7 * interval + o),
        periodBefore: (day) => Math.floor((day - week0) / (7 * interval)) - 1,
      };
    }
    case 'absoluteMonthly':
    case 'relativeMonthly': {
      const m0 = start.y * 12 + start.m;
      return {
        period: (k) => {
          const mi = m0 + k * interval;
          const y = Math.floor(mi / 12);
          const m = mi - y * 12;
          if (p.type === 'relativeMonthly') return [relativeDay(y, m, daySet, index)];
          // Outlook puts "day 31" on the last day of shorter months.
          return [dayOf(y, m, Math.min(p.dayOfMonth ?? 1, daysInMonth(y, m)))];
        },
        periodBefore: (day) => {
          const { y, m } = ymOf(day);
          return Math.floor((y * 12 + m - m0) / interval) - 1;
        },
      };
    }
    case 'absoluteYearly':
    case 'relativeYearly': {
      const month = Math.min(12, Math.max(1, p.month ?? start.m + 1)) - 1;
      return {
        period: (k) => {
          const y = start.y + k * interval;
          if (p.type === 'relativeYearly') return [relativeDay(y, month, daySet, index)];
          return [dayOf(y, month, Math.min(p.dayOfMonth ?? 1, daysInMonth(y, month)))];
        },
        periodBefore: (day) => Math.floor((ymOf(day).y - start.y) / interval) - 1,
      };
    }
    default:
      throw new RangeError(`Unsupported recurrence pattern type: ${String(p.type)}`);
  }
}

const LOCAL_MIN = Date.UTC(1601, 0, 1);
const LOCAL_MAX = Date.UTC(9999, 11, 31);

function exceptionEntries(master: SeriesMaster): Map<number, OccurrenceOverride> {
  const out = new Map<number, OccurrenceOverride>();
  const ex = master.exceptions;
  if (!ex) return out;
  if (ex instanceof Map) {
    for (const [k, v] of ex) out.set(k, v);
    return out;
  }
  for (const [k, v] of Object.entries(ex as Readonly<Record<string, OccurrenceOverride>>)) {
    const ms = /^-?\d+$/.test(k) ? Number(k) : parseIsoDateTime(k);
    if (ms !== undefined) out.set(ms, v);
  }
  return out;
}

interface Cancellations {
  instants: Set<number>;
  localDays: Set<number>;
}

function cancellations(master: SeriesMaster): Cancellations {
  const instants = new Set<number>();
  const localDays = new Set<number>();
  for (const c of master.cancelledOccurrences ?? []) {
    if (typeof c === 'number') {
      instants.add(c);
      continue;
    }
    const oid = /^OID\..*\.(\d{4}-\d{2}-\d{2})$/.exec(c);
    const day = dayNumberOfDate(oid ? oid[1] : c);
    if (day !== undefined) {
      localDays.add(day);
      continue;
    }
    const parsed = parseOccurrenceId(c);
    if (parsed) {
      instants.add(parsed.originalStartMs);
      continue;
    }
    const ms = parseIsoDateTime(c);
    if (ms !== undefined) instants.add(ms);
  }
  return { instants, localDays };
}

function overlaps(startMs: number, endMs: number, windowStartMs: number, windowEndMs: number): boolean {
  if (startMs >= windowEndMs) return false;
  return endMs > windowStartMs || (endMs === startMs && startMs >= windowStartMs);
}

/**
 * The occurrences and exceptions of a series that overlap [windowStartMs, windowEndMs), sorted by start.
 * Dates come from the pattern in the recurrence time zone, so a 09:00 meeting stays at 09:00 wall-clock
 * across DST. Work is bounded: at most `maxOccurrences` results and a fixed number of periods visited.
 */
export function expandSeries(
  master: SeriesMaster,
  windowStartMs: number,
  windowEndMs: number,
  options: ExpandOptions = {},
): Occurrence[] {
  const max = Math.max(0, Math.floor(options.maxOccurrences ?? DEFAULT_MAX_OCCURRENCES));
  if (max === 0 || !(windowEndMs > windowStartMs)) return [];
  const rec = master.recurrence;
  const tz = seriesTimeZone(master);
  const masterStart = parseDateTimeTimeZone(master.start);
  const masterEnd = parseDateTimeTimeZone(master.end);
  const localStart = toLocalMs(masterStart, tz);
  const timeOfDay = localStart - Math.floor(localStart / DAY) * DAY;
  const localDuration = Math.max(0, toLocalMs(masterEnd, tz) - localStart);
  const startDay = dayNumberOfDate(rec.range.startDate) ?? Math.floor(localStart / DAY);
  const rangeType = rec.range.type;
  const endDay = rangeType === 'endDate' ? dayNumberOfDate(rec.range.endDate) : undefined;
  const limit = rangeType === 'numbered' ? Math.max(0, Math.floor(rec.range.numberOfOccurrences ?? 0)) : Infinity;
  const plan = planFor(rec, startDay);
  const exceptions = exceptionEntries(master);
  const cancelled = cancellations(master);

  const clampLocal = (ms: number): number => Math.min(LOCAL_MAX, Math.max(LOCAL_MIN, ms));
  const windowEndDay = Number.isFinite(windowEndMs) ? Math.floor(toLocalMs(clampLocal(windowEndMs), tz) / DAY) + 1 : Infinity;
  // Numbered series must count from the first occurrence; the others may skip to the window.
  const firstRelevantDay = Number.isFinite(windowStartMs)
    ? Math.floor(toLocalMs(clampLocal(windowStartMs), tz) / DAY) - Math.ceil(localDuration / DAY) - 2
    : -Infinity;
  let k = 0;
  if (rangeType !== 'numbered' && firstRelevantDay > -Infinity) k = Math.max(0, plan.periodBefore(firstRelevantDay));

  const result: Occurrence[] = [];
  const seenExceptions = new Set<number>();
  let counted = 0;
  const toInstant = (day: number): number => fromLocalMs(day * DAY + timeOfDay, tz);
  const endOf = (day: number): number => fromLocalMs(day * DAY + timeOfDay + localDuration, tz);

  outer: for (let visited = 0; visited < MAX_PERIODS; visited++, k++) {
    const days = plan.period(k);
    const firstOfPeriod = days[0];
    if (firstOfPeriod === undefined) break;
    if (firstOfPeriod > windowEndDay) break;
    if (endDay !== undefined && firstOfPeriod > endDay) break;
    for (const day of days) {
      if (day < startDay) continue;
      if (endDay !== undefined && day > endDay) break outer;
      if (counted >= limit) break outer;
      counted += 1;
      if (day > windowEndDay) break outer;
      if (day < firstRelevantDay) continue; // counted, but ends before the window: skip the Intl work
      const originalStartMs = toInstant(day);
      if (cancelled.instants.has(originalStartMs) || cancelled.localDays.has(day)) continue;
      const override = exceptions.get(originalStartMs);
      if (override) {
        seenExceptions.add(originalStartMs);
        const o = exceptionOccurrence(master.id, originalStartMs, endOf(day) - originalStartMs, override);
        if (overlaps(o.startMs, o.endMs, windowStartMs, windowEndMs)) result.push(o);
      } else {
        const endMs = endOf(day);
        if (overlaps(originalStartMs, endMs, windowStartMs, windowEndMs)) {
          result.push({
            id: occurrenceId(master.id, originalStartMs),
            seriesMasterId: master.id,
            type: 'occurrence',
            startMs: originalStartMs,
            endMs,
            originalStartMs,
          });
        }
      }
      if (result.length >= max) break outer;
    }
  }

  // Exceptions moved into the window from dates the loop above never visited.
  for (const [originalStartMs, override] of exceptions) {
    if (seenExceptions.has(originalStartMs) || cancelled.instants.has(originalStartMs)) continue;
    const duration = masterEnd - masterStart;
    const o = exceptionOccurrence(master.id, originalStartMs, duration, override);
    if (!overlaps(o.startMs, o.endMs, windowStartMs, windowEndMs)) continue;
    const localDay = Math.floor(toLocalMs(originalStartMs, tz) / DAY);
    if (cancelled.localDays.has(localDay)) continue;
    if (!isPatternOccurrence(master, originalStartMs)) continue;
    result.push(o);
  }

  result.sort((a, b) => a.startMs - b.startMs || a.originalStartMs - b.originalStartMs);
  return result.length > max ? result.slice(0, max) : result;
}

function exceptionOccurrence(
  masterId: string,
  originalStartMs: number,
  durationMs: number,
  override: OccurrenceOverride,
): Occurrence {
  const startMs = override.startMs ?? originalStartMs;
  return {
    id: override.id ?? occurrenceId(masterId, originalStartMs),
    seriesMasterId: masterId,
    type: 'exception',
    startMs,
    endMs: override.endMs ?? startMs + durationMs,
    originalStartMs,
  };
}

/** Whether the pattern (ignoring exceptions and cancellations) has an occurrence starting at this instant. */
export function isPatternOccurrence(master: SeriesMaster, originalStartMs: number): boolean {
  const bare: SeriesMaster = { id: master.id, start: master.start, end: master.end, recurrence: master.recurrence };
  if (master.originalStartTimeZone !== undefined) bare.originalStartTimeZone = master.originalStartTimeZone;
  return expandSeries(bare, originalStartMs, originalStartMs + 1, { maxOccurrences: 50 }).some(
    (o) => o.originalStartMs === originalStartMs,
  );
}

/**
 * A SeriesMaster from Graph JSON: the seriesMaster event plus its exception events (type 'exception',
 * with seriesMasterId and originalStart). Exceptions marked isCancelled count as cancelled occurrences.
 * Throws RangeError when the master lacks start, end or recurrence.
 */
export function seriesFromEvents(master: GraphEvent, exceptionEvents: readonly GraphEvent[] = []): SeriesMaster {
  if (!master.start || !master.end || !master.recurrence) {
    throw new RangeError('A series master needs start, end and recurrence');
  }
  const exceptions = new Map<number, OccurrenceOverride>();
  const cancelled: (string | number)[] = [...(master.cancelledOccurrences ?? [])];
  for (const ex of exceptionEvents) {
    if (ex.seriesMasterId !== master.id || !ex.originalStart) continue;
    const originalStartMs = parseIsoDateTime(ex.originalStart);
    if (originalStartMs === undefined) continue;
    if (ex.isCancelled) {
      cancelled.push(originalStartMs);
      continue;
    }
    const override: OccurrenceOverride = { id: ex.id };
    if (ex.start) override.startMs = parseDateTimeTimeZone(ex.start);
    if (ex.end) override.endMs = parseDateTimeTimeZone(ex.end);
    exceptions.set(originalStartMs, override);
  }
  const series: SeriesMaster = {
    id: master.id,
    start: master.start,
    end: master.end,
    recurrence: master.recurrence,
    cancelledOccurrences: cancelled,
    exceptions,
  };
  if (master.originalStartTimeZone !== undefined) series.originalStartTimeZone = master.originalStartTimeZone;
  return series;
}

import { describe, expect, it } from 'vitest';
import type { DayOfWeek, PatternedRecurrence, RecurrencePattern, RecurrenceRange } from '../../../src/emulator/graph/types.js';
import { occurrenceId } from '../../../src/emulator/data/ids.js';
import {
  cancelledOccurrenceKey,
  expandSeries,
  isPatternOccurrence,
  seriesFromEvents,
  validateRecurrence,
  type SeriesMaster,
} from '../../../src/emulator/calendar/recurrence.js';
import { generateSeed } from '../../../src/emulator/data/seed.js';
import { formatInZone, parseDateTimeTimeZone } from '../../../src/emulator/calendar/time-zones.js';

const utc = (s: string): number => Date.parse(s.endsWith('Z') ? s : `${s}Z`);

function series(
  start: string,
  minutes: number,
  tz: string,
  pattern: Partial<RecurrencePattern> & Pick<RecurrencePattern, 'type'>,
  range: Partial<RecurrenceRange> & Pick<RecurrenceRange, 'type'>,
  extra: Partial<SeriesMaster> = {},
): SeriesMaster {
  const startMs = parseDateTimeTimeZone({ dateTime: start, timeZone: tz });
  const recurrence: PatternedRecurrence = {
    pattern: { interval: 1, ...pattern },
    range: { startDate: start.slice(0, 10), recurrenceTimeZone: tz, ...range },
  };
  return {
    id: 'AAMkAGEmaster',
    start: formatInZone(startMs, 'UTC'),
    end: formatInZone(startMs + minutes * 60_000, 'UTC'),
    recurrence,
    ...extra,
  };
}

/** Local wall-clock start of each occurrence, "2024-01-01 09:00". */
function local(occ: { startMs: number }[], tz: string): string[] {
  return occ.map((o) => formatInZone(o.startMs, tz).dateTime.slice(0, 16).replace('T', ' '));
}

const ALL = [utc('1990-01-01T00:00:00'), utc('2100-01-01T00:00:00')] as const;

describe('daily', () => {
  it('repeats every day at the same local time (noEnd)', () => {
    const s = series('2024-01-01T09:00:00', 30, 'UTC', { type: 'daily' }, { type: 'noEnd' });
    const occ = expandSeries(s, utc('2024-01-01T00:00:00'), utc('2024-01-08T00:00:00'));
    expect(local(occ, 'UTC')).toEqual([1, 2, 3, 4, 5, 6, 7].map((d) => `2024-01-0${d} 09:00`));
    expect(occ.every((o) => o.endMs - o.startMs === 30 * 60_000)).toBe(true);
    expect(occ.every((o) => o.type === 'occurrence' && o.seriesMasterId === s.id)).toBe(true);
    expect(occ[0]?.id).toBe(occurrenceId(s.id, utc('2024-01-01T09:00:00')));
  });

  it('honours interval and numbered ranges', () => {
    const s = series('2024-01-30T10:00:00', 60, 'UTC', { type: 'daily', interval: 3 }, { type: 'numbered', numberOfOccurrences: 5 });
    expect(local(expandSeries(s, ...ALL), 'UTC')).toEqual([
      '2024-01-30 10:00',
      '2024-02-02 10:00',
      '2024-02-05 10:00',
      '2024-02-08 10:00',
      '2024-02-11 10:00',
    ]);
  });

  it('keeps wall-clock time across a DST change (spring forward, Pacific)', () => {
    const s = series('2024-03-08T09:00:00', 30, 'Pacific Standard Time', { type: 'daily' }, { type: 'noEnd' });
    const occ = expandSeries(s, utc('2024-03-08T00:00:00'), utc('2024-03-12T00:00:00'));
    expect(local(occ, 'America/Los_Angeles')).toEqual([
      '2024-03-08 09:00',
      '2024-03-09 09:00',
      '2024-03-10 09:00',
      '2024-03-11 09:00',
    ]);
    expect(occ.map((o) => new Date(o.startMs).toISOString())).toEqual([
      '2024-03-08T17:00:00.000Z',
      '2024-03-09T17:00:00.000Z',
      '2024-03-10T16:00:00.000Z',
      '2024-03-11T16:00:00.000Z',
    ]);
  });

  it('moves an occurrence in the DST gap forward (02:30 on spring-forward day)', () => {
    const s = series('2024-03-09T02:30:00', 30, 'Eastern Standard Time', { type: 'daily' }, { type: 'numbered', numberOfOccurrences: 3 });
    const occ = expandSeries(s, ...ALL);
    expect(occ.map((o) => new Date(o.startMs).toISOString())).toEqual([
      '2024-03-09T07:30:00.000Z',
      '2024-03-10T07:30:00.000Z', // 03:30 EDT: 02:30 does not exist
      '2024-03-11T06:30:00.000Z',
    ]);
  });

  it('keeps wall-clock time across fall back in the southern hemisphere (Sydney, April)', () => {
    const s = series('2024-04-05T08:00:00', 60, 'AUS Eastern Standard Time', { type: 'daily' }, { type: 'noEnd' });
    const occ = expandSeries(s, utc('2024-04-04T00:00:00'), utc('2024-04-09T00:00:00'));
    expect(local(occ, 'Australia/Sydney').slice(0, 4)).toEqual([
      '2024-04-05 08:00',
      '2024-04-06 08:00',
      '2024-04-07 08:00',
      '2024-04-08 08:00',
    ]);
    expect(occ[0]?.startMs).toBe(utc('2024-04-04T21:00:00'));
    expect(occ[3]?.startMs).toBe(utc('2024-04-07T22:00:00'));
  });
});

describe('weekly', () => {
  it('expands several days per week, skipping days before startDate', () => {
    // 2024-01-03 is a Wednesday: that week's Monday is not part of the series.
    const s = series(
      '2024-01-03T14:00:00',
      30,
      'UTC',
      { type: 'weekly', daysOfWeek: ['monday', 'wednesday', 'friday'] },
      { type: 'endDate', endDate: '2024-01-15' },
    );
    expect(local(expandSeries(s, ...ALL), 'UTC')).toEqual([
      '2024-01-03 14:00',
      '2024-01-05 14:00',
      '2024-01-08 14:00',
      '2024-01-10 14:00',
      '2024-01-12 14:00',
      '2024-01-15 14:00', // endDate is inclusive
    ]);
  });

  it('uses firstDayOfWeek to group weeks for interval > 1', () => {
    const days: DayOfWeek[] = ['sunday', 'monday'];
    const range = { type: 'numbered' as const, numberOfOccurrences: 4 };
    // 2023-01-01 is a Sunday.
    const sundayWeeks = series('2023-01-01T10:00:00', 30, 'UTC', { type: 'weekly', interval: 2, daysOfWeek: days, firstDayOfWeek: 'sunday' }, range);
    const mondayWeeks = series('2023-01-01T10:00:00', 30, 'UTC', { type: 'weekly', interval: 2, daysOfWeek: days, firstDayOfWeek: 'monday' }, range);
    expect(local(expandSeries(sundayWeeks, ...ALL), 'UTC').map((d) => d.slice(0, 10))).toEqual([
      '2023-01-01',
      '2023-01-02',
      '2023-01-15',
      '2023-01-16',
    ]);
    expect(local(expandSeries(mondayWeeks, ...ALL), 'UTC').map((d) => d.slice(0, 10))).toEqual([
      '2023-01-01',
      '2023-01-09',
      '2023-01-15',
      '2023-01-23',
    ]);
  });

  it('crosses European DST at the same local time (Windows zone name)', () => {
    const s = series('2024-03-22T10:00:00', 30, 'W. Europe Standard Time', { type: 'weekly', daysOfWeek: ['friday'] }, { type: 'noEnd' });
    const occ = expandSeries(s, utc('2024-03-20T00:00:00'), utc('2024-04-10T00:00:00'));
    expect(occ.map((o) => new Date(o.startMs).toISOString())).toEqual([
      '2024-03-22T09:00:00.000Z',
      '2024-03-29T09:00:00.000Z',
      '2024-04-05T08:00:00.000Z',
    ]);
  });

  it('defaults to the start day when daysOfWeek is empty', () => {
    const s = series('2024-01-02T09:00:00', 30, 'UTC', { type: 'weekly', daysOfWeek: [] }, { type: 'numbered', numberOfOccurrences: 2 });
    expect(local(expandSeries(s, ...ALL), 'UTC')).toEqual(['2024-01-02 09:00', '2024-01-09 09:00']);
  });
});

describe('monthly', () => {
  it('absoluteMonthly puts day 31 on the last day of shorter months', () => {
    const s = series('2024-01-31T09:00:00', 60, 'UTC', { type: 'absoluteMonthly', dayOfMonth: 31 }, { type: 'numbered', numberOfOccurrences: 4 });
    expect(local(expandSeries(s, ...ALL), 'UTC').map((d) => d.slice(0, 10))).toEqual([
      '2024-01-31',
      '2024-02-29',
      '2024-03-31',
      '2024-04-30',
    ]);
  });

  it('absoluteMonthly with interval skips months and starts at the first matching day', () => {
    // startDate after the 15th: the first occurrence is in the next period.
    const s = series('2024-01-20T09:00:00', 60, 'UTC', { type: 'absoluteMonthly', interval: 2, dayOfMonth: 15 }, { type: 'endDate', endDate: '2024-09-15' });
    expect(local(expandSeries(s, ...ALL), 'UTC').map((d) => d.slice(0, 10))).toEqual([
      '2024-03-15',
      '2024-05-15',
      '2024-07-15',
      '2024-09-15',
    ]);
  });

  it('relativeMonthly picks the index-th weekday', () => {
    const first = series('2024-01-04T11:00:00', 60, 'UTC', { type: 'relativeMonthly', daysOfWeek: ['thursday'], index: 'first' }, { type: 'numbered', numberOfOccurrences: 3 });
    expect(local(expandSeries(first, ...ALL), 'UTC').map((d) => d.slice(0, 10))).toEqual(['2024-01-04', '2024-02-01', '2024-03-07']);
    const last = series('2024-01-26T13:00:00', 60, 'UTC', { type: 'relativeMonthly', interval: 3, daysOfWeek: ['friday'], index: 'last' }, { type: 'numbered', numberOfOccurrences: 4 });
    expect(local(expandSeries(last, ...ALL), 'UTC').map((d) => d.slice(0, 10))).toEqual(['2024-01-26', '2024-04-26', '2024-07-26', '2024-10-25']);
    const second = series('2024-02-01T08:00:00', 60, 'UTC', { type: 'relativeMonthly', daysOfWeek: ['tuesday'], index: 'second' }, { type: 'numbered', numberOfOccurrences: 2 });
    expect(local(expandSeries(second, ...ALL), 'UTC').map((d) => d.slice(0, 10))).toEqual(['2024-02-13', '2024-03-12']);
  });

  it('relativeMonthly with several days means "the last weekday" and the like', () => {
    const s = series(
      '2024-01-01T17:00:00',
      30,
      'UTC',
      { type: 'relativeMonthly', daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], index: 'last' },
      { type: 'numbered', numberOfOccurrences: 3 },
    );
    // Last weekdays: Wed 2024-01-31, Thu 2024-02-29, Fri 2024-03-29.
    expect(local(expandSeries(s, ...ALL), 'UTC').map((d) => d.slice(0, 10))).toEqual(['2024-01-31', '2024-02-29', '2024-03-29']);
  });
});

describe('yearly', () => {
  it('absoluteYearly repeats on month/day and clamps 29 February', () => {
    const s = series('2024-02-29T00:00:00', 1440, 'UTC', { type: 'absoluteYearly', month: 2, dayOfMonth: 29 }, { type: 'numbered', numberOfOccurrences: 3 });
    expect(local(expandSeries(s, ...ALL), 'UTC').map((d) => d.slice(0, 10))).toEqual(['2024-02-29', '2025-02-28', '2026-02-28']);
  });

  it('relativeYearly picks e.g. the last Monday of May', () => {
    const s = series('2023-05-29T09:00:00', 60, 'Eastern Standard Time', { type: 'relativeYearly', month: 5, daysOfWeek: ['monday'], index: 'last' }, { type: 'endDate', endDate: '2025-12-31' });
    expect(local(expandSeries(s, ...ALL), 'America/New_York')).toEqual(['2023-05-29 09:00', '2024-05-27 09:00', '2025-05-26 09:00']);
  });

  it('absoluteYearly with interval', () => {
    const s = series('2020-09-12T00:00:00', 1440, 'UTC', { type: 'absoluteYearly', interval: 2, month: 9, dayOfMonth: 12 }, { type: 'noEnd' });
    expect(local(expandSeries(s, utc('2021-01-01T00:00:00'), utc('2027-01-01T00:00:00')), 'UTC').map((d) => d.slice(0, 10))).toEqual([
      '2022-09-12',
      '2024-09-12',
      '2026-09-12',
    ]);
  });
});

describe('windows and ranges', () => {
  const s = series('2024-01-01T09:00:00', 120, 'UTC', { type: 'daily' }, { type: 'noEnd' });

  it('returns occurrences overlapping [start, end) only', () => {
    // Starts at 10:00 on Jan 5: the 09:00–11:00 occurrence overlaps; Jan 7 09:00 is excluded (end is exclusive).
    const occ = expandSeries(s, utc('2024-01-05T10:00:00'), utc('2024-01-07T09:00:00'));
    expect(local(occ, 'UTC')).toEqual(['2024-01-05 09:00', '2024-01-06 09:00']);
    expect(expandSeries(s, utc('2024-01-05T11:00:00'), utc('2024-01-05T12:00:00'))).toEqual([]);
    expect(expandSeries(s, utc('2023-01-01T00:00:00'), utc('2023-12-31T00:00:00'))).toEqual([]);
  });

  it('counts numbered occurrences from the series start even when the window is later', () => {
    const n = series('2024-01-01T09:00:00', 60, 'UTC', { type: 'daily' }, { type: 'numbered', numberOfOccurrences: 10 });
    expect(local(expandSeries(n, utc('2024-01-09T00:00:00'), utc('2024-02-01T00:00:00')), 'UTC')).toEqual([
      '2024-01-09 09:00',
      '2024-01-10 09:00',
    ]);
  });

  it('skips far ahead for noEnd series and stays bounded', () => {
    const occ = expandSeries(s, utc('2090-06-01T00:00:00'), utc('2090-06-03T00:00:00'));
    expect(local(occ, 'UTC')).toEqual(['2090-06-01 09:00', '2090-06-02 09:00']);
    expect(expandSeries(s, -Infinity, Infinity, { maxOccurrences: 25 })).toHaveLength(25);
    expect(expandSeries(s, -Infinity, Infinity)).toHaveLength(10_000);
    const huge = series('2000-01-01T09:00:00', 60, 'UTC', { type: 'daily' }, { type: 'numbered', numberOfOccurrences: 1e9 });
    expect(expandSeries(huge, utc('2999-01-01T00:00:00'), utc('2999-01-02T00:00:00'))).toEqual([]);
  });

  it('returns nothing for an empty window or maxOccurrences 0', () => {
    expect(expandSeries(s, utc('2024-01-05T00:00:00'), utc('2024-01-05T00:00:00'))).toEqual([]);
    expect(expandSeries(s, ...ALL, { maxOccurrences: 0 })).toEqual([]);
  });

  it('reads the master start in the recurrence time zone when it is given in UTC', () => {
    const tokyo = series('2024-01-01T09:00:00', 60, 'Tokyo Standard Time', { type: 'daily' }, { type: 'numbered', numberOfOccurrences: 2 });
    expect(tokyo.start.timeZone).toBe('UTC');
    expect(local(expandSeries(tokyo, ...ALL), 'Asia/Tokyo')).toEqual(['2024-01-01 09:00', '2024-01-02 09:00']);
  });
});

describe('exceptions and cancellations', () => {
  const base = series('2024-01-01T09:00:00', 30, 'Pacific Standard Time', { type: 'daily' }, { type: 'numbered', numberOfOccurrences: 10 });
  const jan3 = parseDateTimeTimeZone({ dateTime: '2024-01-03T09:00:00', timeZone: 'Pacific Standard Time' });
  const jan8 = parseDateTimeTimeZone({ dateTime: '2024-01-08T09:00:00', timeZone: 'Pacific Standard Time' });

  it('drops cancelled occurrences in every accepted spelling, and they still count toward the total', () => {
    for (const c of [
      jan3,
      `OID.${base.id}.2024-01-03`,
      '2024-01-03',
      occurrenceId(base.id, jan3),
      new Date(jan3).toISOString(),
      cancelledOccurrenceKey(base, jan3),
    ]) {
      const occ = expandSeries({ ...base, cancelledOccurrences: [c] }, ...ALL);
      expect(occ, String(c)).toHaveLength(9);
      expect(occ.some((o) => o.originalStartMs === jan3)).toBe(false);
      expect(local(occ, 'America/Los_Angeles').at(-1)).toBe('2024-01-10 09:00');
    }
    expect(cancelledOccurrenceKey(base, jan3)).toBe(`OID.${base.id}.2024-01-03`);
  });

  it('applies exceptions, keeping the occurrence id', () => {
    const moved = jan3 + 2 * 3_600_000;
    const occ = expandSeries({ ...base, exceptions: new Map([[jan3, { startMs: moved, endMs: moved + 3_600_000 }]]) }, ...ALL);
    const ex = occ.find((o) => o.originalStartMs === jan3);
    expect(ex).toMatchObject({ type: 'exception', startMs: moved, endMs: moved + 3_600_000, id: occurrenceId(base.id, jan3) });
    expect(occ.filter((o) => o.type === 'exception')).toHaveLength(1);
  });

  it('includes an exception moved into the window from outside it, and excludes one moved out', () => {
    const intoWindow = utc('2024-01-20T18:00:00');
    const master = { ...base, exceptions: { [new Date(jan3).toISOString()]: { startMs: intoWindow, endMs: intoWindow + 1_800_000 } } };
    const occ = expandSeries(master, utc('2024-01-20T00:00:00'), utc('2024-01-21T00:00:00'));
    expect(occ).toEqual([
      {
        id: occurrenceId(base.id, jan3),
        seriesMasterId: base.id,
        type: 'exception',
        startMs: intoWindow,
        endMs: intoWindow + 1_800_000,
        originalStartMs: jan3,
      },
    ]);
    const outOfWindow = { ...base, exceptions: new Map([[jan8, { startMs: utc('2024-03-01T18:00:00') }]]) };
    const jan8Window = expandSeries(outOfWindow, utc('2024-01-08T00:00:00'), utc('2024-01-09T00:00:00'));
    expect(jan8Window).toEqual([]);
  });

  it('ignores exceptions whose original start is not an occurrence of the pattern', () => {
    const bogus = jan3 + 3_600_000;
    const occ = expandSeries({ ...base, exceptions: new Map([[bogus, { startMs: utc('2024-02-01T00:00:00') }]]) }, utc('2024-01-31T00:00:00'), utc('2024-02-02T00:00:00'));
    expect(occ).toEqual([]);
    expect(isPatternOccurrence(base, jan3)).toBe(true);
    expect(isPatternOccurrence(base, bogus)).toBe(false);
  });
});

describe('validateRecurrence', () => {
  const ok: PatternedRecurrence = {
    pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
    range: { type: 'noEnd', startDate: '2024-01-01' },
  };

  it('accepts valid recurrences', () => {
    expect(validateRecurrence(ok)).toBeUndefined();
    expect(validateRecurrence({ ...ok, range: { type: 'numbered', startDate: '2024-01-01', numberOfOccurrences: 3, recurrenceTimeZone: 'Pacific Standard Time' } })).toBeUndefined();
    expect(validateRecurrence({ pattern: { type: 'absoluteYearly', interval: 1, month: 2, dayOfMonth: 29 }, range: { type: 'endDate', startDate: '2024-02-29', endDate: '2030-01-01' } })).toBeUndefined();
  });

  it.each([
    ['not an object', null],
    ['no pattern', { range: ok.range }],
    ['bad type', { ...ok, pattern: { ...ok.pattern, type: 'hourly' } }],
    ['interval 0', { ...ok, pattern: { ...ok.pattern, interval: 0 } }],
    ['weekly without days', { ...ok, pattern: { type: 'weekly', interval: 1, daysOfWeek: [] } }],
    ['bad day', { ...ok, pattern: { type: 'weekly', interval: 1, daysOfWeek: ['funday'] } }],
    ['absoluteMonthly day 0', { ...ok, pattern: { type: 'absoluteMonthly', interval: 1, dayOfMonth: 0 } }],
    ['yearly month 13', { ...ok, pattern: { type: 'absoluteYearly', interval: 1, month: 13, dayOfMonth: 1 } }],
    ['relativeYearly without days', { ...ok, pattern: { type: 'relativeYearly', interval: 1, month: 5, index: 'last' } }],
    ['bad index', { ...ok, pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['monday'], index: 'fifth' } }],
    ['bad range type', { ...ok, range: { type: 'forever', startDate: '2024-01-01' } }],
    ['bad start date', { ...ok, range: { type: 'noEnd', startDate: '2024-02-30' } }],
    ['end before start', { ...ok, range: { type: 'endDate', startDate: '2024-02-01', endDate: '2024-01-01' } }],
    ['numbered 0', { ...ok, range: { type: 'numbered', startDate: '2024-01-01', numberOfOccurrences: 0 } }],
    ['unknown zone', { ...ok, range: { type: 'noEnd', startDate: '2024-01-01', recurrenceTimeZone: 'Mars Standard Time' } }],
  ])('rejects %s', (_name, r) => {
    expect(validateRecurrence(r)).toEqual(expect.any(String));
  });
});

describe('seed series', () => {
  const seed = generateSeed({ preset: 'demo' });
  const masters = seed.events.filter((e) => e.event.type === 'seriesMaster');
  const exceptions = seed.events.filter((e) => e.event.type === 'exception').map((e) => e.event);

  it('every seeded recurrence is valid and expands to occurrences starting at the master start', () => {
    for (const { event } of masters) {
      expect(validateRecurrence(event.recurrence), event.subject).toBeUndefined();
      const s = seriesFromEvents(event, exceptions);
      const [first] = expandSeries(s, -Infinity, Infinity, { maxOccurrences: 1 });
      expect(first?.startMs, event.subject).toBe(parseDateTimeTimeZone(event.start ?? { dateTime: '' }));
    }
  });

  it('the stand-up has its exception and its cancelled holiday', () => {
    const standup = masters.find((m) => m.event.subject === 'Daily stand-up')?.event;
    expect(standup).toBeDefined();
    if (!standup) return;
    const occ = expandSeries(seriesFromEvents(standup, exceptions), utc('2024-06-10T00:00:00'), utc('2024-07-08T00:00:00'));
    const days = local(occ, 'America/Los_Angeles');
    expect(days).toContain('2024-06-12 10:00');
    expect(days).not.toContain('2024-06-12 09:30');
    expect(days.some((d) => d.startsWith('2024-07-04'))).toBe(false);
    expect(days).toContain('2024-07-03 09:30');
    expect(occ).toHaveLength(19);
    expect(occ.filter((o) => o.type === 'exception')).toHaveLength(1);
    expect(seriesFromEvents(standup).cancelledOccurrences).toHaveLength(1);
  });

  it('seriesFromEvents needs start, end and recurrence', () => {
    expect(() => seriesFromEvents({ id: 'x' })).toThrow(RangeError);
  });
});

it('expansion of a yearly series over a century is cheap in periods', () => {
  const s = series('1950-01-01T00:00:00', 60, 'UTC', { type: 'absoluteYearly', month: 1, dayOfMonth: 1 }, { type: 'noEnd' });
  expect(expandSeries(s, utc('2040-01-01T00:00:00'), utc('2042-01-01T00:00:00')).map((o) => new Date(o.startMs).getUTCFullYear())).toEqual([2040, 2041]);
});

import { describe, expect, it } from 'vitest';
import {
  WINDOWS_TIME_ZONES,
  formatInZone,
  fromLocalMs,
  parseDateTimeTimeZone,
  parseIsoDateTime,
  resolveTimeZone,
  toLocalMs,
  toWindowsTimeZone,
  zoneOffsetMs,
} from '../../../src/emulator/calendar/time-zones.js';

const H = 3_600_000;

describe('resolveTimeZone', () => {
  it.each([
    ['Pacific Standard Time', 'America/Los_Angeles'],
    ['W. Europe Standard Time', 'Europe/Berlin'],
    ['UTC', 'UTC'],
    ['GMT Standard Time', 'Europe/London'],
    ['Eastern Standard Time', 'America/New_York'],
    ['Tokyo Standard Time', 'Asia/Tokyo'],
    ['China Standard Time', 'Asia/Shanghai'],
    ['AUS Eastern Standard Time', 'Australia/Sydney'],
    ['pacific standard time', 'America/Los_Angeles'],
    ['  Romance Standard Time ', 'Europe/Paris'],
    ['tzone://Microsoft/Utc', 'UTC'],
    ['America/New_York', 'America/New_York'],
    ['europe/berlin', 'Europe/Berlin'],
  ])('%s → %s', (name, iana) => {
    expect(resolveTimeZone(name)).toBe(iana);
  });

  it('accepts India Standard Time (ICU may spell it Asia/Calcutta)', () => {
    expect(['Asia/Kolkata', 'Asia/Calcutta']).toContain(resolveTimeZone('India Standard Time'));
    expect(['Asia/Kolkata', 'Asia/Calcutta']).toContain(resolveTimeZone('Asia/Kolkata'));
  });

  it('rejects unknown names', () => {
    for (const bad of ['', 'Mars Standard Time', 'Europe/Atlantis', 'PST8PDTX', '+05:00', 'not a zone']) {
      expect(resolveTimeZone(bad)).toBeUndefined();
    }
  });

  it('maps every Windows id in the table to a zone Intl knows', () => {
    expect(WINDOWS_TIME_ZONES.length).toBeGreaterThanOrEqual(60);
    for (const w of WINDOWS_TIME_ZONES) {
      const iana = resolveTimeZone(w);
      expect(iana, w).toBeDefined();
      expect(() => new Intl.DateTimeFormat('en-US', { timeZone: iana })).not.toThrow();
    }
  });

  it('maps IANA back to Windows', () => {
    expect(toWindowsTimeZone('America/Los_Angeles')).toBe('Pacific Standard Time');
    expect(toWindowsTimeZone('Europe/Berlin')).toBe('W. Europe Standard Time');
    expect(toWindowsTimeZone('Asia/Kolkata')).toBe('India Standard Time');
    expect(toWindowsTimeZone('Tokyo Standard Time')).toBe('Tokyo Standard Time');
    expect(toWindowsTimeZone('Nowhere/City')).toBeUndefined();
  });
});

describe('formatInZone', () => {
  const t = Date.UTC(2024, 0, 1, 17, 0, 0);

  it('formats UTC by default with 7 fractional digits', () => {
    expect(formatInZone(t)).toEqual({ dateTime: '2024-01-01T17:00:00.0000000', timeZone: 'UTC' });
    expect(formatInZone(t + 123)).toEqual({ dateTime: '2024-01-01T17:00:00.1230000', timeZone: 'UTC' });
  });

  it('echoes the requested name (Windows or IANA)', () => {
    expect(formatInZone(t, 'Pacific Standard Time')).toEqual({
      dateTime: '2024-01-01T09:00:00.0000000',
      timeZone: 'Pacific Standard Time',
    });
    expect(formatInZone(t, 'Asia/Tokyo')).toEqual({ dateTime: '2024-01-02T02:00:00.0000000', timeZone: 'Asia/Tokyo' });
    expect(formatInZone(t, 'India Standard Time').dateTime).toBe('2024-01-01T22:30:00.0000000');
  });

  it('applies DST', () => {
    expect(formatInZone(Date.UTC(2024, 6, 1, 16), 'Pacific Standard Time').dateTime).toBe('2024-07-01T09:00:00.0000000');
    expect(formatInZone(Date.UTC(2024, 6, 1, 8), 'W. Europe Standard Time').dateTime).toBe('2024-07-01T10:00:00.0000000');
    expect(formatInZone(Date.UTC(2024, 6, 1, 8), 'AUS Eastern Standard Time').dateTime).toBe('2024-07-01T18:00:00.0000000');
    expect(formatInZone(Date.UTC(2024, 0, 1, 8), 'AUS Eastern Standard Time').dateTime).toBe('2024-01-01T19:00:00.0000000');
  });

  it('falls back to UTC for an unknown zone', () => {
    expect(formatInZone(t, 'Nowhere')).toEqual({ dateTime: '2024-01-01T17:00:00.0000000', timeZone: 'UTC' });
  });
});

describe('parseDateTimeTimeZone', () => {
  it('reads UTC by default', () => {
    expect(parseDateTimeTimeZone({ dateTime: '2024-01-01T09:00:00.0000000' })).toBe(Date.UTC(2024, 0, 1, 9));
    expect(parseDateTimeTimeZone({ dateTime: '2024-01-01T09:00:00', timeZone: 'UTC' })).toBe(Date.UTC(2024, 0, 1, 9));
  });

  it('reads wall-clock time in Windows and IANA zones, DST-correct', () => {
    expect(parseDateTimeTimeZone({ dateTime: '2024-01-15T09:00:00.0000000', timeZone: 'Pacific Standard Time' })).toBe(
      Date.UTC(2024, 0, 15, 17),
    );
    expect(parseDateTimeTimeZone({ dateTime: '2024-07-15T09:00:00.0000000', timeZone: 'America/Los_Angeles' })).toBe(
      Date.UTC(2024, 6, 15, 16),
    );
    expect(parseDateTimeTimeZone({ dateTime: '2024-07-15T09:00:00', timeZone: 'W. Europe Standard Time' })).toBe(
      Date.UTC(2024, 6, 15, 7),
    );
  });

  it('moves a time in the spring-forward gap forward and picks the earlier of a repeated hour', () => {
    // US 2024-03-10 02:00 → 03:00; 02:30 does not exist.
    expect(parseDateTimeTimeZone({ dateTime: '2024-03-10T02:30:00', timeZone: 'Eastern Standard Time' })).toBe(
      Date.UTC(2024, 2, 10, 7, 30),
    );
    // US 2024-11-03 01:30 happens twice (EDT then EST); the earlier is EDT.
    expect(parseDateTimeTimeZone({ dateTime: '2024-11-03T01:30:00', timeZone: 'Eastern Standard Time' })).toBe(
      Date.UTC(2024, 10, 3, 5, 30),
    );
    // EU 2024-03-31 02:30 Berlin does not exist.
    expect(parseDateTimeTimeZone({ dateTime: '2024-03-31T02:30:00', timeZone: 'Europe/Berlin' })).toBe(
      Date.UTC(2024, 2, 31, 1, 30),
    );
  });

  it('honours an explicit offset in dateTime over timeZone', () => {
    expect(parseDateTimeTimeZone({ dateTime: '2024-01-01T09:00:00-08:00', timeZone: 'Tokyo Standard Time' })).toBe(
      Date.UTC(2024, 0, 1, 17),
    );
  });

  it('round-trips with formatInZone', () => {
    for (const tz of ['Pacific Standard Time', 'Europe/London', 'AUS Eastern Standard Time', 'Nepal Standard Time']) {
      for (let t = Date.UTC(2024, 0, 1); t < Date.UTC(2025, 0, 1); t += 37 * H + 17 * 60_000) {
        expect(parseDateTimeTimeZone(formatInZone(t, tz))).toBe(t);
      }
    }
  });

  it('throws on malformed input or unknown zones', () => {
    expect(() => parseDateTimeTimeZone({ dateTime: 'yesterday' })).toThrow(RangeError);
    expect(() => parseDateTimeTimeZone({ dateTime: '2024-01-01T09:00:00', timeZone: 'Mars' })).toThrow(RangeError);
  });
});

describe('local ms helpers', () => {
  it('convert both ways and report offsets', () => {
    const t = Date.UTC(2024, 6, 1, 12);
    expect(zoneOffsetMs(t, 'America/Los_Angeles')).toBe(-7 * H);
    expect(zoneOffsetMs(Date.UTC(2024, 0, 1), 'America/Los_Angeles')).toBe(-8 * H);
    expect(fromLocalMs(toLocalMs(t, 'Asia/Kathmandu'), 'Asia/Kathmandu')).toBe(t);
  });
});

describe('parseIsoDateTime', () => {
  it.each([
    ['2024-01-01T09:00:00Z', Date.UTC(2024, 0, 1, 9)],
    ['2024-01-01T09:00:00', Date.UTC(2024, 0, 1, 9)],
    ['2015-11-08T19:00:00.0000000', Date.UTC(2015, 10, 8, 19)],
    ['2019-11-08T19:00:00-08:00', Date.UTC(2019, 10, 9, 3)],
    ['2019-11-08T19:00:00+0530', Date.UTC(2019, 10, 8, 13, 30)],
    ['2024-01-01T09:00:00.1234567Z', Date.UTC(2024, 0, 1, 9, 0, 0, 123)],
    ['2024-01-01T09:00:00.5+01:00', Date.UTC(2024, 0, 1, 8, 0, 0, 500)],
    ['2024-01-01T09:00', Date.UTC(2024, 0, 1, 9)],
    ['2024-02-29', Date.UTC(2024, 1, 29)],
    ['2024-01-01t09:00:00z', Date.UTC(2024, 0, 1, 9)],
  ])('%s', (s, expected) => {
    expect(parseIsoDateTime(s)).toBe(expected);
  });

  it.each([
    '',
    'garbage',
    '2024-13-01T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-01-01T25:00:00Z',
    '2024-01-01T09:60:00Z',
    '2024-01-01T09:00:00.12345678Z',
    '2024-01-01T09:00:00+25:00',
    '24-01-01T09:00:00Z',
    '2024-01-01 09:00:00 08:00',
  ])('rejects %j', (s) => {
    expect(parseIsoDateTime(s)).toBeUndefined();
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { events } from '../../src/delta/resources/events.js';
import { messages } from '../../src/delta/resources/messages.js';
import { encodeQuery, isoInstant, isPlausibleTimeZone, MAX_FIRST, pageSizeOf } from '../../src/delta/resources/query-options.js';
import { parseDateTime } from '../../src/schema/date-time.js';

// Argument translation as properties: what must hold for every input, not only the table's rows.

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as { extensions?: { code?: string } }).extensions?.code;
  }
};

const instant = fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true });

describe('DateTime', () => {
  it('reads back any instant written as ISO 8601 in UTC', () => {
    fc.assert(fc.property(instant, (d) => parseDateTime(d.toISOString())?.getTime() === d.getTime()));
  });

  it('reads any offset as the same instant, and no offset as UTC', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: -14 * 60, max: 14 * 60 }), (d, offset) => {
        const local = new Date(d.getTime() + offset * 60_000).toISOString().slice(0, 23);
        const sign = offset < 0 ? '-' : '+';
        const abs = Math.abs(offset);
        const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        return parseDateTime(`${local}${zone}`)?.getTime() === d.getTime() && parseDateTime(local)?.getTime() === d.getTime() + offset * 60_000;
      }),
    );
  });

  it('reads years before 100 as written (Graph writes 0001-01-01T00:00:00Z for unset times)', () => {
    expect(parseDateTime('0001-01-01T00:00:00Z')?.toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(parseDateTime('0099-12-31T23:59:59.999Z')?.getUTCFullYear()).toBe(99);
  });

  it('rejects impossible dates and non-ISO text', () => {
    for (const text of ['2024-02-30T00:00:00Z', '2023-02-29T00:00:00Z', '2024-13-01T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01', 'yesterday', '2024-01-01T00:00:00+25:00', '']) {
      expect(parseDateTime(text), text).toBeUndefined();
    }
    fc.assert(fc.property(fc.string(), (text) => parseDateTime(text) === undefined || /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}/.test(text)));
  });
});

describe('query options', () => {
  it('first: exactly the integers 1..1000 are page sizes', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5000, max: 5000 }), (n) => {
        const ok = n >= 1 && n <= MAX_FIRST;
        return ok ? pageSizeOf(messages, n) === n : codeOf(() => pageSizeOf(messages, n)) === 'BAD_USER_INPUT';
      }),
    );
    expect(pageSizeOf(messages, undefined)).toBe(50);
  });

  it('a time zone that could break out of its Prefer header is never accepted', () => {
    fc.assert(fc.property(fc.string(), fc.constantFrom('"', ',', ';', '\n', '\r', '\\'), fc.string(), (a, bad, b) => !isPlausibleTimeZone(`${a}${bad}${b}`)));
  });

  it('every IANA zone Node knows is accepted', () => {
    for (const zone of Intl.supportedValuesOf('timeZone')) expect(isPlausibleTimeZone(zone), zone).toBe(true);
  });

  it('encoded query parameters decode to the same names and values', () => {
    const name = fc.stringMatching(/^\$?[a-zA-Z]{1,12}$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(name, fc.string()), { maxLength: 6 }), (params) => {
        const decoded = [...new URLSearchParams(encodeQuery(params).slice(1).replaceAll('+', '%2B'))];
        return JSON.stringify(decoded) === JSON.stringify(params) && !encodeQuery(params).includes(' ');
      }),
    );
  });
});

describe('messages: filter', () => {
  const bound = fc.option(instant, { nil: undefined });
  it('exactly one of gt/ge becomes $filter=receivedDateTime gt|ge <UTC instant>; both or neither is BAD_USER_INPUT', () => {
    fc.assert(
      fc.property(bound, bound, (gt, ge) => {
        const args = { folderId: 'inbox', filter: { receivedDateTime: { gt, ge } } };
        if ((gt === undefined) === (ge === undefined)) return codeOf(() => messages.translate(args)) === 'BAD_USER_INPUT';
        const { query } = messages.translate(args);
        const [op, value] = gt ? ['gt', gt] : ['ge', ge as Date];
        return JSON.stringify(query) === JSON.stringify([['$filter', `receivedDateTime ${op} ${isoInstant(value)}`]]);
      }),
    );
  });
});

describe('events: window', () => {
  it('a new round needs start < end; the window goes out in UTC', () => {
    fc.assert(
      fc.property(instant, instant, (start, end) => {
        const run = () => events.translate({ startDateTime: start, endDateTime: end }, { newRound: true });
        if (start.getTime() >= end.getTime()) return codeOf(run) === 'BAD_USER_INPUT';
        const { query } = run();
        return query.every(([, v]) => v.endsWith('Z')) && parseDateTime(query[0]?.[1] ?? '')?.getTime() === start.getTime();
      }),
    );
  });

  it('without `after` the window is required; with `after` it may be omitted', () => {
    expect(codeOf(() => events.translate({}, { newRound: true }))).toBe('BAD_USER_INPUT');
    expect(events.translate({}, { newRound: false })).toEqual({ options: {}, query: [], prefer: [] });
  });
});

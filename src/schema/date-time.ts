import { GraphQLError, Kind } from 'graphql';
import { gatewayError } from '../errors.js';
import { builder } from './builder.js';

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days in a month of the proleptic Gregorian calendar (the one Date uses, year 0 included). */
function daysIn(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

/** Midnight UTC of a day, in ms. Date.UTC maps years 0–99 to 1900–1999 (Graph writes 0001-01-01 for "unset"). */
function utcDay(year: number, month: number, day: number): number {
  return year >= 100 ? Date.UTC(year, month - 1, day) : new Date(0).setUTCFullYear(year, month - 1, day);
}

/**
 * Reads an ISO 8601 date-time; without an offset it is UTC (as Graph reads startDateTime). Undefined if invalid.
 * Hot: the DateTime scalar checks every date-time it serialises (a page of 100 messages, several each), so no
 * arrays, closures or throwaway Dates here.
 */
export function parseDateTime(text: string): Date | undefined {
  const match = ISO_DATE_TIME.exec(text);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const hour = Number(match[4]);
  const minute = Number(match[5]);
  const second = match[6] === undefined ? 0 : Number(match[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  const zone = match[8];
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || '0');
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  const fraction = match[7];
  const ms = fraction === undefined ? 0 : Number(fraction.padEnd(3, '0').slice(0, 3));
  const date = new Date(utcDay(year, month, day) + ((hour * 60 + minute) * 60 + second) * 1000 + ms - offsetMinutes * 60_000);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

// graphql-js keeps a thrown GraphQLError's extensions for literals, but for variables only those of
// its originalError: wrap the gatewayError so the code survives both paths.
function badDateTime(value: unknown): GraphQLError {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 64)) : typeof value;
  const inner = gatewayError('BAD_USER_INPUT', `DateTime must be an ISO 8601 date-time such as 2024-05-01T08:00:00Z (no offset means UTC); got ${shown}.`);
  return new GraphQLError(inner.message, { originalError: inner, extensions: inner.extensions });
}

function parseInput(value: unknown): Date {
  const date = typeof value === 'string' ? parseDateTime(value) : undefined;
  if (!date) throw badDateTime(value);
  return date;
}

export const DateTime = builder.scalarType('DateTime', {
  description: 'ISO 8601 date-time. Input without an offset is read as UTC.',
  parseValue: parseInput,
  parseLiteral: (node) => parseInput(node.kind === Kind.STRING ? node.value : undefined),
  serialize: (value) => {
    if (value instanceof Date) return value.toISOString();
    // Graph's own values pass through; Graph writes some without an offset, which means UTC.
    if (typeof value === 'string' && parseDateTime(value)) return /(?:[Zz]|[+-]\d{2}:?\d{2})$/.test(value) ? value : `${value}Z`;
    throw new TypeError('DateTime cannot represent this value');
  },
});

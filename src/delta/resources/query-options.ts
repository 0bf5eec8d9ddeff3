import { gatewayError, type ErrorCode } from '../../errors.js';
import type { CommonDeltaArgs, DeltaResource } from './types.js';

/** One query parameter of a first delta request, e.g. `['$select', 'id,subject']`. */
export type QueryParam = readonly [name: string, value: string];

export const DEFAULT_FIRST = 50;
export const MAX_FIRST = 1000;

/**
 * Encodes query parameters the way Graph's docs write them: `$` names stay literal, values are
 * percent-encoded (a space is `%20`, never `+`, which OData would read literally).
 */
export function encodeQuery(params: readonly QueryParam[]): string {
  if (params.length === 0) return '';
  return `?${params.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('&')}`;
}

export const maxPageSize = (first: number) => `odata.maxpagesize=${first}`;
export const IMMUTABLE_ID = 'IdType="ImmutableId"';
export const outlookTimeZone = (zone: string) => `outlook.timezone="${zone}"`;

/** An input error that names the argument and the resource (contract §6). */
export function argumentError(
  code: ErrorCode,
  resource: Pick<DeltaResource, 'name' | 'field'>,
  argument: string,
  problem: string,
) {
  return gatewayError(code, `Argument \`${argument}\` of \`${resource.field}\` (${resource.name}): ${problem}`, {
    argument,
    resource: resource.name,
  });
}

/** `last`/`before` exist in the schema (Relay shape) but delta pages go forward only. */
export function rejectBackwardPaging(resource: Pick<DeltaResource, 'name' | 'field'>, args: CommonDeltaArgs): void {
  for (const argument of ['last', 'before'] as const) {
    if (args[argument] !== undefined && args[argument] !== null) {
      throw argumentError('UNSUPPORTED_QUERY_OPTION', resource, argument, 'not supported: Graph delta pages go forward only; use `first` and `after`.');
    }
  }
}

/** `first` → page size (default 50, 1..1000). */
export function pageSizeOf(resource: Pick<DeltaResource, 'name' | 'field'>, first: number | null | undefined): number {
  if (first === undefined || first === null) return DEFAULT_FIRST;
  if (!Number.isInteger(first) || first < 1 || first > MAX_FIRST) {
    throw argumentError('BAD_USER_INPUT', resource, 'first', `must be between 1 and ${MAX_FIRST}; got ${first}.`);
  }
  return first;
}

/** A Date as Graph writes instants: ISO 8601 in UTC. */
export function isoInstant(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}

// Windows zone ids ("Pacific Standard Time", "UTC-11", "W. Europe Standard Time").
const WINDOWS_ZONE = /^(?:UTC(?:[+-]\d{1,2}(?::?\d{2})?)?|[A-Z][A-Za-z0-9 .'()&+-]{0,60} (?:Standard|Daylight) Time)$/;

function isIanaZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Accepts IANA zone names and Windows zone ids, as Outlook does; rejects junk before it reaches a header. */
export function isPlausibleTimeZone(zone: string): boolean {
  return zone.length > 0 && zone.length <= 64 && (WINDOWS_ZONE.test(zone) || isIanaZone(zone));
}

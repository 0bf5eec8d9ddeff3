import { argumentError } from './query-options.js';
import type { DeltaResource } from './types.js';

/** Longest id accepted (Graph ids are ~150 characters; immutable ids a little more). */
export const MAX_ID_LENGTH = 512;

// Control characters (C0, DEL, C1): no Graph id holds one, and they would end up in a URL or a log.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// A lone UTF-16 surrogate is no text at all (encodeURIComponent throws on it); ES2024's isWellFormed().
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The one check of CONTRACT §6 for id arguments (`userId`, `folderId`, `calendarId`, `id`), before any
 * I/O: no argument may choose which Graph path is requested beyond its own segment. Percent-encoding
 * alone is not enough: `.` and `..` pass `encodeURIComponent` unchanged and URL normalisation then
 * removes or climbs a segment. Returns the value encoded as one path segment.
 */
export function idSegment(resource: Pick<DeltaResource, 'name' | 'field'>, argument: string, value: string): string {
  if (value.length === 0) throw argumentError('BAD_USER_INPUT', resource, argument, 'must not be empty.');
  if (value === '.' || value === '..') throw argumentError('BAD_USER_INPUT', resource, argument, `must be an id, not the path segment \`${value}\`.`);
  if (value.length > MAX_ID_LENGTH) throw argumentError('BAD_USER_INPUT', resource, argument, `must be at most ${MAX_ID_LENGTH} characters; got ${value.length}.`);
  if (CONTROL.test(value)) throw argumentError('BAD_USER_INPUT', resource, argument, 'must not contain control characters.');
  if (LONE_SURROGATE.test(value)) throw argumentError('BAD_USER_INPUT', resource, argument, 'must be well-formed Unicode (it holds a lone surrogate).');
  return encodeURIComponent(value);
}

import { canonicalProperty, MESSAGE_NAVIGATIONS, type EntityType } from './entity-properties.js';
import { badRequest, graphError } from '../http/graph-error.js';
import { parseIsoDateTime } from '../calendar/time-zones.js';

export type DeltaResource = 'calendars' | 'events' | 'contacts' | 'messages';

/** The options of a round, fixed when it starts and kept with its tokens (Prefer headers are not). */
export interface DeltaOptions {
  readonly select: readonly string[] | undefined;
  readonly expand: readonly string[] | undefined;
  readonly changeType: 'created' | 'updated' | 'deleted' | undefined;
  readonly top: number | undefined;
  readonly filter: { readonly op: 'ge' | 'gt'; readonly valueMs: number } | undefined;
  readonly orderByReceivedDesc: boolean;
  readonly window: { readonly startMs: number; readonly endMs: number } | undefined;
}

export type DeltaRequest =
  | { readonly kind: 'initial'; readonly options: DeltaOptions }
  | { readonly kind: 'skip' | 'delta'; readonly token: string };

const ENTITY: Record<DeltaResource, EntityType> = { calendars: 'calendar', events: 'event', contacts: 'contact', messages: 'message' };
/** How Graph's change-tracking errors name each resource. */
const RESOURCE_NAME: Record<DeltaResource, string> = { calendars: 'Calendars', events: 'CalendarView', contacts: 'Contacts', messages: 'Messages' };

const KNOWN_SYSTEM = new Set([
  '$select', '$expand', '$filter', '$orderby', '$search', '$top', '$skip', '$count', '$format', '$levels', '$compute', '$apply',
  '$skiptoken', '$deltatoken', '$id',
]);

/** Options each delta function accepts (besides its tokens); everything else from KNOWN_SYSTEM is refused. */
const SUPPORTED: Record<DeltaResource, ReadonlySet<string>> = {
  calendars: new Set(),
  events: new Set(),
  contacts: new Set(['$select']),
  messages: new Set(['$select', '$expand', '$filter', '$orderby', '$top']),
};

function unsupported(resource: DeltaResource, names: string[]): never {
  if (resource === 'events' && names.length === 1 && names[0] === '$top') {
    throw graphError(
      400,
      'ErrorInvalidUrlQuery',
      "The '$top' parameter is not supported with change tracking over the 'CalendarView' resource as page size cannot be guaranteed. Express page size preferences using the Prefer: odata.maxpagesize= header instead.",
    );
  }
  throw graphError(
    400,
    'ErrorInvalidUrlQuery',
    `The following parameters are not supported with change tracking over the '${RESOURCE_NAME[resource]}' resource: '${names.join(', ')}'.`,
  );
}

/** Reads the query of a delta request: a token (everything else ignored, as Graph does) or the options of a new round. */
export function parseDeltaQuery(resource: DeltaResource, search: URLSearchParams): DeltaRequest {
  const system = new Map<string, string>();
  const custom = new Map<string, string>();
  for (const [rawName, value] of search) {
    const name = rawName.trim().toLowerCase();
    if (name.startsWith('$')) {
      if (system.has(name)) throw badRequest(`Query option '${rawName}' was specified more than once, but it must be specified at most once.`);
      system.set(name, value);
    } else if (!custom.has(name)) custom.set(name, value);
  }

  const skip = system.get('$skiptoken');
  const delta = system.get('$deltatoken');
  if (skip !== undefined && delta !== undefined) throw badRequest("Only one of '$skiptoken' and '$deltatoken' may be given.");
  if (skip !== undefined) return { kind: 'skip', token: skip };
  // An empty $deltatoken is what a 410's Location header carries: a new round.
  if (delta !== undefined && delta !== '') return { kind: 'delta', token: delta };

  const unknown = [...system.keys()].filter((n) => !KNOWN_SYSTEM.has(n));
  if (unknown.length > 0) throw badRequest(`The query parameter '${unknown[0]}' is not supported.`);
  const refused = [...system.keys()].filter((n) => n !== '$skiptoken' && n !== '$deltatoken' && !SUPPORTED[resource].has(n));
  if (refused.length > 0) unsupported(resource, refused);

  const entity = ENTITY[resource];
  const select = parseSelect(entity, system.get('$select'));
  const expand = parseExpand(system.get('$expand'));
  const top = parseTop(system.get('$top'));
  const filter = parseFilter(system.get('$filter'));
  const orderByReceivedDesc = parseOrderBy(system.get('$orderby'));
  const changeType = resource === 'messages' ? parseChangeType(custom.get('changetype')) : undefined;
  const window = resource === 'events' ? parseWindow(custom.get('startdatetime'), custom.get('enddatetime')) : undefined;
  return { kind: 'initial', options: { select, expand, changeType, top, filter, orderByReceivedDesc, window } };
}

/** `$select` of a single-item read (`GET messages/{id}?$select=…`); undefined when absent. */
export function parseItemSelect(entity: EntityType, search: URLSearchParams): string[] | undefined {
  for (const [name, value] of search) if (name.trim().toLowerCase() === '$select') return parseSelect(entity, value);
  return undefined;
}

/** `$top`/`$skip` of a plain list read (folders): Graph's default page is 10. */
export function parseListPaging(search: URLSearchParams, defaultTop: number): { top: number; skip: number } {
  let top = defaultTop;
  let skip = 0;
  for (const [rawName, value] of search) {
    const name = rawName.trim().toLowerCase();
    if (name !== '$top' && name !== '$skip') continue;
    if (!/^\d{1,9}$/.test(value)) throw badRequest(`Invalid value '${value.slice(0, 20)}' for query option '${rawName}'.`);
    if (name === '$top') top = Math.max(1, Number(value));
    else skip = Number(value);
  }
  return { top, skip };
}

function parseSelect(entity: EntityType, raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const out: string[] = [];
  for (const part of raw.split(',')) {
    const name = part.trim();
    if (name === '*') return undefined;
    const canonical = canonicalProperty(entity, name);
    if (canonical === undefined) {
      throw graphError(400, 'RequestBroker--ParseUri', `Could not find a property named '${name}' on type 'microsoft.graph.${entity}'.`);
    }
    if (!out.includes(canonical)) out.push(canonical);
  }
  return out;
}

function parseExpand(raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  const names: string[] = [];
  for (const ch of raw) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (depth < 0) throw badRequest(`Syntax error in '$expand': unbalanced parentheses.`);
    if (ch === ',' && depth === 0) {
      names.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (depth !== 0) throw badRequest(`Syntax error in '$expand': unbalanced parentheses.`);
  names.push(cur);
  for (const n of names) {
    const name = (n.split('(')[0] ?? '').trim();
    const nav = [...MESSAGE_NAVIGATIONS].find((m) => m.toLowerCase() === name.toLowerCase());
    if (nav === undefined) throw graphError(400, 'RequestBroker--ParseUri', `Could not find a property named '${name}' on type 'microsoft.graph.message'.`);
    if (!out.includes(nav)) out.push(nav);
  }
  return out;
}

function parseTop(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\s*\d{1,7}\s*$/.test(raw) || Number(raw) < 1) throw badRequest(`Invalid value '${raw}' for query option '$top': it must be a positive integer.`);
  return Math.min(Number(raw), 1000);
}

const FILTER = /^\s*receivedDateTime\s+(ge|gt)\s+(\S+)\s*$/i;

function parseFilter(raw: string | undefined): DeltaOptions['filter'] {
  if (raw === undefined) return undefined;
  const m = FILTER.exec(raw);
  if (!m) {
    // Well-formed but another property or operator: Graph refuses it on delta; anything else is a syntax error.
    if (/^\s*[A-Za-z_][\w/]*\s+(eq|ne|lt|le|gt|ge)\s+\S+(\s+(and|or)\s+.+)?\s*$/i.test(raw)) {
      throw graphError(
        400,
        'ErrorInvalidUrlQueryFilter',
        "The '$filter' parameter supports only 'receivedDateTime ge {value}' or 'receivedDateTime gt {value}' with change tracking over the 'Messages' resource.",
      );
    }
    throw badRequest(`Invalid filter clause: syntax error in '$filter'.`);
  }
  const op = (m[1] as string).toLowerCase() as 'ge' | 'gt';
  const value = m[2] as string;
  // An OData DateTimeOffset literal needs an offset or Z.
  const valueMs = /(Z|[+-]\d{2}:\d{2})$/i.test(value) ? parseIsoDateTime(value) : undefined;
  if (valueMs === undefined) {
    throw badRequest(`Invalid filter clause: the value '${value}' of '$filter' is not a valid DateTimeOffset.`);
  }
  return { op, valueMs };
}

function parseOrderBy(raw: string | undefined): boolean {
  if (raw === undefined) return false;
  if (!/^\s*receivedDateTime\s+desc\s*$/i.test(raw)) {
    throw graphError(
      400,
      'ErrorInvalidUrlQuery',
      "The '$orderby' parameter supports only 'receivedDateTime desc' with change tracking over the 'Messages' resource.",
    );
  }
  return true;
}

function parseChangeType(raw: string | undefined): DeltaOptions['changeType'] {
  if (raw === undefined) return undefined;
  const v = raw.trim().toLowerCase();
  if (v === 'created' || v === 'updated' || v === 'deleted') return v;
  throw graphError(400, 'ErrorInvalidUrlQuery', `The value '${raw}' of 'changeType' is not supported; use created, updated or deleted.`);
}

function parseWindow(start: string | undefined, end: string | undefined): DeltaOptions['window'] {
  if (start === undefined || end === undefined || start.trim() === '' || end.trim() === '') {
    throw graphError(
      400,
      'ErrorInvalidParameter',
      'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
    );
  }
  const startMs = parseIsoDateTime(start);
  if (startMs === undefined) throw graphError(400, 'ErrorInvalidParameter', `The value '${start}' of parameter 'StartDateTime' is invalid.`);
  const endMs = parseIsoDateTime(end);
  if (endMs === undefined) throw graphError(400, 'ErrorInvalidParameter', `The value '${end}' of parameter 'EndDateTime' is invalid.`);
  if (endMs < startMs) throw graphError(400, 'ErrorInvalidParameter', "The parameter 'EndDateTime' must not be earlier than 'StartDateTime'.");
  return { startMs, endMs };
}

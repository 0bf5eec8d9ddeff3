import { gatewayError } from '../errors.js';
import type { GraphItem } from './round.js';

/** How a Graph delta page ends: more pages in this round, or the round's end. */
export type PageEnd = { kind: 'next'; link: string } | { kind: 'delta'; link: string };

export interface DeltaPageBody {
  items: GraphItem[];
  end: PageEnd;
}

const malformed = (what: string, requestId: string | undefined) =>
  gatewayError('UPSTREAM_ERROR', `Graph answered a delta request with a malformed page (${what}).`, requestId === undefined ? {} : { requestId });

/** Checks the shape Graph promises: `value` items with ids, and exactly one of nextLink / deltaLink. */
export function parseDeltaPage(body: unknown, requestId: string | undefined): DeltaPageBody {
  if (typeof body !== 'object' || body === null) throw malformed('no JSON object', requestId);
  const record = body as Record<string, unknown>;
  const value = record['value'];
  if (!Array.isArray(value)) throw malformed('no value array', requestId);
  for (const item of value) {
    if (typeof item !== 'object' || item === null || typeof (item as { id?: unknown }).id !== 'string') {
      throw malformed('an item without id', requestId);
    }
  }
  const next = record['@odata.nextLink'];
  const delta = record['@odata.deltaLink'];
  if (typeof next === 'string' && delta === undefined) return { items: value as GraphItem[], end: { kind: 'next', link: next } };
  if (typeof delta === 'string' && next === undefined) return { items: value as GraphItem[], end: { kind: 'delta', link: delta } };
  throw malformed('not exactly one of @odata.nextLink and @odata.deltaLink', requestId);
}

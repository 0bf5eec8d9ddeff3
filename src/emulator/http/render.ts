import type { ItemRecord } from '../delta/change-log.js';
import type { OutItem } from '../delta/engine.js';
import { occurrenceId } from '../data/ids.js';
import type { Preferences } from './prefer.js';
import { immutableIdFor, type ItemKind } from '../data/store.js';
import { formatInZone, resolveTimeZone } from '../calendar/time-zones.js';

export interface RenderOptions {
  readonly prefs: Preferences;
  readonly select?: readonly string[] | undefined;
  readonly expand?: readonly string[] | undefined;
}

const TYPE: Record<ItemKind, string> = {
  message: '#microsoft.graph.message',
  event: '#microsoft.graph.event',
  contact: '#microsoft.graph.contact',
  calendar: '#microsoft.graph.calendar',
};

/** The id a client sees: the immutable one only when it asked for it (calendars have one id). */
export function idOf(rec: ItemRecord, prefs: Preferences): string {
  return prefs.immutableIds ? rec.immutableId : rec.restId;
}

/** The time zone events are rendered in: the Prefer value if Graph would accept it, else UTC. */
export function effectiveTimeZone(prefs: Preferences): string | undefined {
  return prefs.timeZone !== undefined && resolveTimeZone(prefs.timeZone) !== undefined ? prefs.timeZone : undefined;
}

function stripHtml(html: string): string {
  return html.replace(/<[^>]*>/g, ' ').replace(/&nbsp;/g, ' ').replace(/\s+/g, ' ').trim();
}

function bodyFor(json: Record<string, unknown>, prefs: Preferences): Record<string, unknown> {
  const body = json['body'] as { contentType?: string; content?: string } | undefined;
  if (prefs.bodyContentType !== 'text' || !body || body.contentType !== 'html') return json;
  return { ...json, body: { contentType: 'text', content: stripHtml(String(body.content ?? '')) } };
}

/** Renders a stored item as Graph JSON for one request. */
export function renderRecord(kind: ItemKind, rec: ItemRecord, opts: RenderOptions, instance?: OutItem['instance']): Record<string, unknown> {
  const { prefs } = opts;
  let json: Record<string, unknown> = rec.json;
  let id = idOf(rec, prefs);
  if (kind === 'event') {
    const tz = effectiveTimeZone(prefs) ?? 'UTC';
    const allDay = json['isAllDay'] === true;
    if (instance) {
      const masterId = id;
      id = occurrenceId(masterId, instance.originalStartMs);
      json = {
        ...json,
        type: instance.type,
        seriesMasterId: masterId,
        recurrence: null,
        originalStart: new Date(instance.originalStartMs).toISOString().replace(/\.000Z$/, 'Z'),
        start: allDay ? json['start'] : formatInZone(instance.startMs, tz),
        end: allDay ? json['end'] : formatInZone(instance.endMs, tz),
      };
    } else if (!allDay) {
      json = { ...json, start: formatInZone(rec.startMs as number, tz), end: formatInZone(rec.endMs as number, tz) };
    }
    if (!instance && json['type'] === 'exception' && prefs.immutableIds && typeof json['seriesMasterId'] === 'string') {
      json = { ...json, seriesMasterId: immutableIdFor('event', json['seriesMasterId']) };
    }
  }
  if (kind === 'message' || kind === 'event') json = bodyFor(json, prefs);
  const out: Record<string, unknown> = { '@odata.type': TYPE[kind] };
  if (typeof json['changeKey'] === 'string') out['@odata.etag'] = `W/"${json['changeKey']}"`;
  out['id'] = id;
  if (opts.select !== undefined) {
    for (const p of opts.select) if (p !== 'id') out[p] = json[p] ?? null;
  } else {
    for (const k in json) if (k !== 'id' && k !== 'attachments' && k !== 'wellKnownName') out[k] = json[k];
  }
  for (const nav of opts.expand ?? []) out[nav] = Array.isArray(json[nav]) ? json[nav] : [];
  return out;
}

export function renderOut(kind: ItemKind, item: OutItem, opts: RenderOptions): Record<string, unknown> {
  if (item.kind === 'item') return renderRecord(kind, item.record, opts, item.instance);
  const base = idOf(item.record, opts.prefs);
  const id = item.instance ? occurrenceId(base, item.instance.originalStartMs) : base;
  return { '@odata.type': TYPE[kind], id, '@removed': { reason: 'deleted' } };
}

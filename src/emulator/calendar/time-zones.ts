import type { DateTimeTimeZone } from '../graph/types.js';

export type { DateTimeTimeZone };

// Windows time zone ids (what Outlook stores and Graph accepts in `Prefer: outlook.timezone`,
// `originalStartTimeZone`, `recurrenceTimeZone`) → IANA, from CLDR windowsZones.xml (territory "001").
const WINDOWS_TO_IANA: readonly (readonly [string, string])[] = [
  ['Dateline Standard Time', 'Etc/GMT+12'],
  ['UTC-11', 'Etc/GMT+11'],
  ['Aleutian Standard Time', 'America/Adak'],
  ['Hawaiian Standard Time', 'Pacific/Honolulu'],
  ['Marquesas Standard Time', 'Pacific/Marquesas'],
  ['Alaskan Standard Time', 'America/Anchorage'],
  ['UTC-09', 'Etc/GMT+9'],
  ['Pacific Standard Time (Mexico)', 'America/Tijuana'],
  ['UTC-08', 'Etc/GMT+8'],
  ['Pacific Standard Time', 'America/Los_Angeles'],
  ['US Mountain Standard Time', 'America/Phoenix'],
  ['Mountain Standard Time (Mexico)', 'America/Mazatlan'],
  ['Mountain Standard Time', 'America/Denver'],
  ['Yukon Standard Time', 'America/Whitehorse'],
  ['Central America Standard Time', 'America/Guatemala'],
  ['Central Standard Time', 'America/Chicago'],
  ['Easter Island Standard Time', 'Pacific/Easter'],
  ['Central Standard Time (Mexico)', 'America/Mexico_City'],
  ['Canada Central Standard Time', 'America/Regina'],
  ['SA Pacific Standard Time', 'America/Bogota'],
  ['Eastern Standard Time (Mexico)', 'America/Cancun'],
  ['Eastern Standard Time', 'America/New_York'],
  ['Haiti Standard Time', 'America/Port-au-Prince'],
  ['Cuba Standard Time', 'America/Havana'],
  ['US Eastern Standard Time', 'America/Indiana/Indianapolis'],
  ['Turks And Caicos Standard Time', 'America/Grand_Turk'],
  ['Paraguay Standard Time', 'America/Asuncion'],
  ['Atlantic Standard Time', 'America/Halifax'],
  ['Venezuela Standard Time', 'America/Caracas'],
  ['Central Brazilian Standard Time', 'America/Cuiaba'],
  ['SA Western Standard Time', 'America/La_Paz'],
  ['Pacific SA Standard Time', 'America/Santiago'],
  ['Newfoundland Standard Time', 'America/St_Johns'],
  ['Tocantins Standard Time', 'America/Araguaina'],
  ['E. South America Standard Time', 'America/Sao_Paulo'],
  ['SA Eastern Standard Time', 'America/Cayenne'],
  ['Argentina Standard Time', 'America/Argentina/Buenos_Aires'],
  ['Greenland Standard Time', 'America/Nuuk'],
  ['Montevideo Standard Time', 'America/Montevideo'],
  ['Magallanes Standard Time', 'America/Punta_Arenas'],
  ['Saint Pierre Standard Time', 'America/Miquelon'],
  ['Bahia Standard Time', 'America/Bahia'],
  ['UTC-02', 'Etc/GMT+2'],
  ['Azores Standard Time', 'Atlantic/Azores'],
  ['Cape Verde Standard Time', 'Atlantic/Cape_Verde'],
  ['UTC', 'UTC'],
  ['GMT Standard Time', 'Europe/London'],
  ['Greenwich Standard Time', 'Atlantic/Reykjavik'],
  ['Sao Tome Standard Time', 'Africa/Sao_Tome'],
  ['Morocco Standard Time', 'Africa/Casablanca'],
  ['W. Europe Standard Time', 'Europe/Berlin'],
  ['Central Europe Standard Time', 'Europe/Budapest'],
  ['Romance Standard Time', 'Europe/Paris'],
  ['Central European Standard Time', 'Europe/Warsaw'],
  ['W. Central Africa Standard Time', 'Africa/Lagos'],
  ['Jordan Standard Time', 'Asia/Amman'],
  ['GTB Standard Time', 'Europe/Bucharest'],
  ['Middle East Standard Time', 'Asia/Beirut'],
  ['Egypt Standard Time', 'Africa/Cairo'],
  ['E. Europe Standard Time', 'Europe/Chisinau'],
  ['Syria Standard Time', 'Asia/Damascus'],
  ['West Bank Standard Time', 'Asia/Hebron'],
  ['South Africa Standard Time', 'Africa/Johannesburg'],
  ['FLE Standard Time', 'Europe/Kiev'],
  ['Israel Standard Time', 'Asia/Jerusalem'],
  ['South Sudan Standard Time', 'Africa/Juba'],
  ['Kaliningrad Standard Time', 'Europe/Kaliningrad'],
  ['Sudan Standard Time', 'Africa/Khartoum'],
  ['Libya Standard Time', 'Africa/Tripoli'],
  ['Namibia Standard Time', 'Africa/Windhoek'],
  ['Arabic Standard Time', 'Asia/Baghdad'],
  ['Turkey Standard Time', 'Europe/Istanbul'],
  ['Arab Standard Time', 'Asia/Riyadh'],
  ['Belarus Standard Time', 'Europe/Minsk'],
  ['Russian Standard Time', 'Europe/Moscow'],
  ['E. Africa Standard Time', 'Africa/Nairobi'],
  ['Volgograd Standard Time', 'Europe/Volgograd'],
  ['Iran Standard Time', 'Asia/Tehran'],
  ['Arabian Standard Time', 'Asia/Dubai'],
  ['Astrakhan Standard Time', 'Europe/Astrakhan'],
  ['Azerbaijan Standard Time', 'Asia/Baku'],
  ['Russia Time Zone 3', 'Europe/Samara'],
  ['Mauritius Standard Time', 'Indian/Mauritius'],
  ['Saratov Standard Time', 'Europe/Saratov'],
  ['Georgian Standard Time', 'Asia/Tbilisi'],
  ['Caucasus Standard Time', 'Asia/Yerevan'],
  ['Afghanistan Standard Time', 'Asia/Kabul'],
  ['West Asia Standard Time', 'Asia/Tashkent'],
  ['Ekaterinburg Standard Time', 'Asia/Yekaterinburg'],
  ['Pakistan Standard Time', 'Asia/Karachi'],
  ['Qyzylorda Standard Time', 'Asia/Qyzylorda'],
  ['India Standard Time', 'Asia/Kolkata'],
  ['Sri Lanka Standard Time', 'Asia/Colombo'],
  ['Nepal Standard Time', 'Asia/Kathmandu'],
  ['Central Asia Standard Time', 'Asia/Bishkek'],
  ['Bangladesh Standard Time', 'Asia/Dhaka'],
  ['Omsk Standard Time', 'Asia/Omsk'],
  ['Myanmar Standard Time', 'Asia/Yangon'],
  ['SE Asia Standard Time', 'Asia/Bangkok'],
  ['Altai Standard Time', 'Asia/Barnaul'],
  ['W. Mongolia Standard Time', 'Asia/Hovd'],
  ['North Asia Standard Time', 'Asia/Krasnoyarsk'],
  ['N. Central Asia Standard Time', 'Asia/Novosibirsk'],
  ['Tomsk Standard Time', 'Asia/Tomsk'],
  ['China Standard Time', 'Asia/Shanghai'],
  ['North Asia East Standard Time', 'Asia/Irkutsk'],
  ['Singapore Standard Time', 'Asia/Singapore'],
  ['W. Australia Standard Time', 'Australia/Perth'],
  ['Taipei Standard Time', 'Asia/Taipei'],
  ['Ulaanbaatar Standard Time', 'Asia/Ulaanbaatar'],
  ['Aus Central W. Standard Time', 'Australia/Eucla'],
  ['Transbaikal Standard Time', 'Asia/Chita'],
  ['Tokyo Standard Time', 'Asia/Tokyo'],
  ['North Korea Standard Time', 'Asia/Pyongyang'],
  ['Korea Standard Time', 'Asia/Seoul'],
  ['Yakutsk Standard Time', 'Asia/Yakutsk'],
  ['Cen. Australia Standard Time', 'Australia/Adelaide'],
  ['AUS Central Standard Time', 'Australia/Darwin'],
  ['E. Australia Standard Time', 'Australia/Brisbane'],
  ['AUS Eastern Standard Time', 'Australia/Sydney'],
  ['West Pacific Standard Time', 'Pacific/Port_Moresby'],
  ['Tasmania Standard Time', 'Australia/Hobart'],
  ['Vladivostok Standard Time', 'Asia/Vladivostok'],
  ['Lord Howe Standard Time', 'Australia/Lord_Howe'],
  ['Bougainville Standard Time', 'Pacific/Bougainville'],
  ['Russia Time Zone 10', 'Asia/Srednekolymsk'],
  ['Magadan Standard Time', 'Asia/Magadan'],
  ['Norfolk Standard Time', 'Pacific/Norfolk'],
  ['Sakhalin Standard Time', 'Asia/Sakhalin'],
  ['Central Pacific Standard Time', 'Pacific/Guadalcanal'],
  ['Russia Time Zone 11', 'Asia/Kamchatka'],
  ['New Zealand Standard Time', 'Pacific/Auckland'],
  ['UTC+12', 'Etc/GMT-12'],
  ['Fiji Standard Time', 'Pacific/Fiji'],
  ['Chatham Islands Standard Time', 'Pacific/Chatham'],
  ['UTC+13', 'Etc/GMT-13'],
  ['Tonga Standard Time', 'Pacific/Tongatapu'],
  ['Samoa Standard Time', 'Pacific/Apia'],
  ['Line Islands Standard Time', 'Pacific/Kiritimati'],
];

/** Every Windows time zone id the emulator understands, in CLDR order. */
export const WINDOWS_TIME_ZONES: readonly string[] = WINDOWS_TO_IANA.map(([w]) => w);

const windowsByLower = new Map<string, string>(WINDOWS_TO_IANA.map(([w, iana]) => [w.toLowerCase(), iana]));
// Outlook also writes these ids into originalStartTimeZone.
windowsByLower.set('tzone://microsoft/utc', 'UTC');
windowsByLower.set('greenwich mean time', 'UTC');

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(iana: string): Intl.DateTimeFormat {
  let f = formatters.get(iana);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: iana,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(iana, f);
  }
  return f;
}

const ianaCache = new Map<string, string | undefined>();

function validIana(name: string): string | undefined {
  if (ianaCache.has(name)) return ianaCache.get(name);
  let result: string | undefined;
  try {
    result = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    result = undefined;
  }
  ianaCache.set(name, result);
  return result;
}

/**
 * The IANA zone for a Windows time zone id or an IANA name (both case-insensitive); undefined when unknown.
 * @example resolveTimeZone('Pacific Standard Time') // 'America/Los_Angeles'
 */
export function resolveTimeZone(name: string): string | undefined {
  const trimmed = name.trim();
  if (trimmed === '') return undefined;
  const windows = windowsByLower.get(trimmed.toLowerCase());
  if (windows) return windows;
  // Intl also takes offsets like "+05:00" on some builds; Graph only takes names.
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(trimmed)) return undefined;
  return validIana(trimmed);
}

let windowsByIana: Map<string, string> | undefined;

/** The Windows id Outlook would store for a zone name (Windows or IANA); undefined when none maps. */
export function toWindowsTimeZone(name: string): string | undefined {
  const iana = resolveTimeZone(name);
  if (iana === undefined) return undefined;
  if (!windowsByIana) {
    // Built on first use: validating 139 zones with Intl costs tens of ms at import.
    windowsByIana = new Map();
    for (const [w, zone] of WINDOWS_TO_IANA) {
      const canonical = validIana(zone) ?? zone;
      if (!windowsByIana.has(canonical)) windowsByIana.set(canonical, w);
      if (!windowsByIana.has(zone)) windowsByIana.set(zone, w);
    }
  }
  return windowsByIana.get(iana);
}

/**
 * Wall-clock time of an instant in a zone, as "local milliseconds": the epoch ms of the same
 * wall-clock reading in UTC. Recurrence arithmetic happens on these.
 */
export function toLocalMs(epochMs: number, iana: string): number {
  if (iana === 'UTC' || iana === 'Etc/UTC') return epochMs;
  const whole = Math.floor(epochMs / 1000) * 1000;
  const parts = formatterFor(iana).formatToParts(new Date(whole));
  let y = 0;
  let mo = 0;
  let d = 0;
  let h = 0;
  let mi = 0;
  let s = 0;
  for (const p of parts) {
    switch (p.type) {
      case 'year': y = Number(p.value); break;
      case 'month': mo = Number(p.value); break;
      case 'day': d = Number(p.value); break;
      case 'hour': h = Number(p.value); break;
      case 'minute': mi = Number(p.value); break;
      case 'second': s = Number(p.value); break;
      default: break;
    }
  }
  return Date.UTC(y, mo - 1, d, h, mi, s) + (epochMs - whole);
}

/** The zone's UTC offset at an instant, in ms (positive east of Greenwich). */
export function zoneOffsetMs(epochMs: number, iana: string): number {
  return toLocalMs(epochMs, iana) - epochMs;
}

/**
 * The instant at which a zone's clocks read `localMs` (see {@link toLocalMs}). DST is resolved like
 * Temporal's "compatible": a reading skipped by a spring-forward gap moves forward by the gap
 * (02:30 → 03:30), an ambiguous fall-back reading takes the earlier instant.
 */
export function fromLocalMs(localMs: number, iana: string): number {
  if (iana === 'UTC' || iana === 'Etc/UTC') return localMs;
  const DAY = 86_400_000;
  const before = zoneOffsetMs(localMs - DAY, iana);
  const after = zoneOffsetMs(localMs + DAY, iana);
  const candidates: number[] = [];
  for (const off of before === after ? [before] : [before, after]) {
    const t = localMs - off;
    if (toLocalMs(t, iana) === localMs) candidates.push(t);
  }
  if (candidates.length > 0) return Math.min(...candidates);
  // In a gap: read the wall clock with the offset in force before the transition.
  return localMs - before;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** "2024-01-01T09:00:00.0000000" for local ms. */
export function formatLocalMs(localMs: number): string {
  const d = new Date(localMs);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}0000`
  );
}

/**
 * Graph's dateTimeTimeZone for an instant, read in `tzName` (Windows or IANA). `timeZone` echoes the
 * name as asked (Graph echoes the `Prefer: outlook.timezone` value); an unknown name falls back to UTC.
 */
export function formatInZone(epochMs: number, tzName = 'UTC'): { dateTime: string; timeZone: string } {
  const iana = resolveTimeZone(tzName);
  if (iana === undefined) return { dateTime: formatLocalMs(epochMs), timeZone: 'UTC' };
  return { dateTime: formatLocalMs(toLocalMs(epochMs, iana)), timeZone: tzName };
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

interface IsoParts {
  localMs: number;
  /** Offset in ms when the string carried one (Z or ±hh:mm). */
  offsetMs: number | undefined;
}

function parseIsoParts(s: string): IsoParts | undefined {
  const m = ISO.exec(s.trim());
  if (!m) return undefined;
  const [, ys, mos, ds, hs, mis, ss, frac, z, sign, ohs, omis] = m;
  const y = Number(ys);
  const mo = Number(mos);
  const d = Number(ds);
  const h = Number(hs ?? 0);
  const mi = Number(mis ?? 0);
  const sec = Number(ss ?? 0);
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return undefined;
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d > daysInMonth) return undefined;
  // Graph sends 7 fractional digits; JS keeps milliseconds, so the rest is truncated.
  const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, sec, ms);
  const localMs = date.getTime();
  let offsetMs: number | undefined;
  if (z) offsetMs = 0;
  else if (sign) {
    const oh = Number(ohs);
    const om = Number(omis ?? 0);
    if (oh > 23 || om > 59) return undefined;
    offsetMs = (sign === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  return { localMs, offsetMs };
}

/**
 * Epoch ms of a query-parameter date-time such as startDateTime: ISO 8601 with or without offset
 * (none means UTC, whatever `Prefer: outlook.timezone` says), up to 7 fractional digits, or a bare date.
 * Undefined when invalid.
 */
export function parseIsoDateTime(s: string): number | undefined {
  const parts = parseIsoParts(s);
  if (!parts) return undefined;
  return parts.localMs - (parts.offsetMs ?? 0);
}

/**
 * Epoch ms of a Graph dateTimeTimeZone. A dateTime without offset is read in `timeZone` (Windows or
 * IANA; default UTC), DST-correct. Throws RangeError for a malformed dateTime or an unknown zone.
 */
export function parseDateTimeTimeZone(v: DateTimeTimeZone): number {
  const parts = parseIsoParts(v.dateTime);
  if (!parts) throw new RangeError(`Invalid dateTime: ${JSON.stringify(v.dateTime)}`);
  if (parts.offsetMs !== undefined) return parts.localMs - parts.offsetMs;
  const tz = v.timeZone === undefined || v.timeZone === '' ? 'UTC' : v.timeZone;
  const iana = resolveTimeZone(tz);
  if (iana === undefined) throw new RangeError(`Unknown time zone: ${JSON.stringify(tz)}`);
  return fromLocalMs(parts.localMs, iana);
}

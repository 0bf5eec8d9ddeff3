/** The Prefer preferences the emulator understands, read from every Prefer header of one request. */
export interface Preferences {
  maxPageSize: number | undefined;
  /** The time zone name as sent (Windows or IANA), without quotes. */
  timeZone: string | undefined;
  immutableIds: boolean;
  trackChanges: boolean;
  bodyContentType: 'text' | 'html' | undefined;
}

function unquote(v: string): string {
  const t = v.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

/** Splits on commas outside double quotes (Windows zone names carry no commas, but be safe). */
function splitPreferences(header: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

export function parsePrefer(headers: readonly string[]): Preferences {
  const prefs: Preferences = { maxPageSize: undefined, timeZone: undefined, immutableIds: false, trackChanges: false, bodyContentType: undefined };
  for (const header of headers) {
    for (const item of splitPreferences(header)) {
      const eq = item.indexOf('=');
      const name = (eq < 0 ? item : item.slice(0, eq)).trim().toLowerCase();
      const value = eq < 0 ? '' : unquote(item.slice(eq + 1).split(';')[0] ?? '');
      switch (name) {
        case 'odata.maxpagesize': {
          // A hint: anything that is not a positive integer is ignored, as Graph does.
          if (/^\d{1,9}$/.test(value) && Number(value) > 0) prefs.maxPageSize = Number(value);
          break;
        }
        case 'outlook.timezone':
          if (value !== '') prefs.timeZone = value;
          break;
        case 'idtype':
          prefs.immutableIds = value.toLowerCase() === 'immutableid';
          break;
        case 'odata.track-changes':
          prefs.trackChanges = true;
          break;
        case 'outlook.body-content-type': {
          const v = value.toLowerCase();
          if (v === 'text' || v === 'html') prefs.bodyContentType = v;
          break;
        }
        default:
          break;
      }
    }
  }
  return prefs;
}

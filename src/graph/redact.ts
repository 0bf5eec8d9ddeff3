// Graph's skip/delta tokens are bearer-like: whoever holds one reads the mailbox's changes
// (with any valid token for it). They must not reach logs or error messages.
const STATE_TOKEN_PARAM = /([?&;](?:\$|%24)?(?:skip|delta)token=)[^&#\s"'<>]*/gi;
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i;

/** The URL with the values of `$skiptoken`/`$deltatoken` (any casing, `$` or `%24` or none) and any userinfo replaced. */
export function redactUrl(url: string): string {
  return url.replace(USERINFO, '$1[redacted]@').replace(STATE_TOKEN_PARAM, '$1[redacted]');
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;
const STATE_TOKEN_IN_TEXT = /((?:\$|%24)?(?:skip|delta)token=)[^&#\s"'<>]*/gi;
const BEARER = /\bbearer\s+[^\s"'<>,;]+/gi;
const JWT_LIKE = /\beyJ[\w-]{6,}\.[\w-]{6,}\.[\w-]*/g;
const MAX_TEXT = 300;

/**
 * Free text from Graph (an error message) made safe to show a client: no URLs, no state tokens,
 * no bearer or JWT-like strings, none of the given secrets; at most 300 characters.
 */
export function scrubText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 8) out = out.split(secret).join('[redacted]');
  out = out
    .replace(URL_IN_TEXT, '[url]')
    .replace(STATE_TOKEN_IN_TEXT, '$1[redacted]')
    .replace(BEARER, 'Bearer [redacted]')
    .replace(JWT_LIKE, '[redacted]')
    .replace(/\s+/g, ' ')
    .trim();
  return out.length > MAX_TEXT ? `${out.slice(0, MAX_TEXT - 1)}…` : out;
}

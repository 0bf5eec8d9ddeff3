import { redactUrl as redactTokens } from '../log.js';

const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i;

/**
 * A Graph link safe to log: the project's `redactUrl` (values of `$skiptoken`, `$deltatoken` and
 * friends, any casing) plus any userinfo replaced with `[redacted]`.
 */
export function redactUrl(url: string): string {
  return redactTokens(url.replace(USERINFO, '$1[redacted]@'));
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
  out = redactTokens(out)
    .replace(URL_IN_TEXT, '[url]')
    .replace(STATE_TOKEN_IN_TEXT, '$1[redacted]')
    .replace(BEARER, 'Bearer [redacted]')
    .replace(JWT_LIKE, '[redacted]')
    .replace(/\s+/g, ' ')
    .trim();
  return out.length > MAX_TEXT ? `${out.slice(0, MAX_TEXT - 1)}…` : out;
}

import { createHash } from 'node:crypto';
import type { ResourceName, RoundOptions } from '../delta/resources/types.js';

/** The Graph subscription a poller's resource needs: one per mailbox and Graph resource. */
export interface PushTarget {
  /** Shares the subscription: the resource, plus the principal for `me/…`. Never leaves the process in clear. */
  key: string;
  /** Names the store records and the coordinator channel (a hash: no user or folder id). */
  channel: string;
  /** What the clientState binds besides the resource: the mailbox (`users/{id}`, or the principal for `me`). */
  mailbox: string;
  /** Graph's `resource`, e.g. `me/mailFolders('inbox')/messages`. */
  resource: string;
}

// OData string literal: a quote inside is doubled.
const literal = (id: string) => `'${id.replace(/'/g, "''")}'`;
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * The subscribable resource of CONTRACT §8 for a poller, or undefined where Graph cannot notify
 * (calendars: Graph offers no subscription on the calendar list).
 */
export function pushTargetOf(resource: ResourceName, options: RoundOptions, principalKey: string): PushTarget | undefined {
  const userId = text(options['userId']);
  const who = userId === undefined ? 'me' : `users/${userId}`;
  let path: string | undefined;
  if (resource === 'messages') {
    const folder = text(options['folderId']);
    path = folder === undefined ? undefined : `${who}/mailFolders(${literal(folder)})/messages`;
  } else if (resource === 'contacts') {
    const folder = text(options['folderId']);
    path = folder === undefined ? `${who}/contacts` : `${who}/contactFolders(${literal(folder)})/contacts`;
  } else if (resource === 'events') {
    const calendar = text(options['calendarId']);
    path = calendar === undefined ? `${who}/events` : `${who}/calendars/${encodeURIComponent(calendar)}/events`;
  }
  if (path === undefined) return undefined;
  const mailbox = userId === undefined ? `me:${principalKey}` : who;
  const key = `${mailbox}\0${path}`;
  return { key, channel: `push-${createHash('sha256').update(key).digest('base64url').slice(0, 32)}`, mailbox, resource: path };
}

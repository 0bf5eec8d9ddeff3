import { graphError } from '../http/graph-error.js';
import { splitPath } from '../http/router.js';
import type { Store, UserState } from '../data/store.js';
import type { Principal } from '../identity/graph-auth.js';
import type { ItemChange } from './observe.js';

/** What a subscription's `resource` covers, resolved against the store when it is created. */
export interface Coverage {
  userId: string;
  kind: ItemChange['kind'];
  /** The one folder or calendar covered; undefined: every folder of the mailbox (`messages`). */
  containerId: string | undefined;
}

const unsupported = (resource: string) =>
  graphError(400, 'ExtensionError', `Operation: Create; Exception: [Status Code: BadRequest; Reason: The value '${resource.slice(0, 200)}' of parameter 'Resource' is not supported.]`);
const invalid = (resource: string) =>
  graphError(400, 'ExtensionError', `Operation: Create; Exception: [Status Code: BadRequest; Reason: The value '${resource.slice(0, 200)}' of parameter 'Resource' is invalid.]`);

/**
 * Parses the Outlook resource forms of SPEC §12 (`me/…` or `users/{id}/…`; `messages`,
 * `mailFolders('{id|well-known}')/messages`, `events`, `calendars/{id}/events`, `contacts`,
 * `contactFolders/{id}/contacts`); anything else is Graph's ExtensionError 400. Query options
 * (`$filter`) are accepted and not applied (a documented simplification).
 */
export function resolveCoverage(store: Store, principal: Principal, resource: string): Coverage {
  if (/^https?:/i.test(resource)) throw invalid(resource);
  const path = resource.split('?', 1)[0] ?? '';
  const segments = splitPath(`/${path.replace(/^\/+/, '')}`);
  if (segments === undefined || segments.length < 2) throw unsupported(resource);
  let user: UserState | undefined;
  let rest: string[];
  if (segments[0]?.toLowerCase() === 'me') {
    if (principal.appOnly || principal.userId === undefined) throw graphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
    user = store.user(principal.userId);
    rest = segments.slice(1);
  } else if (segments[0]?.toLowerCase() === 'users' && segments.length >= 3) {
    user = store.user(segments[1] as string);
    rest = segments.slice(2);
  } else {
    throw unsupported(resource);
  }
  if (!user) throw graphError(404, 'ExtensionError', 'Operation: Create; Exception: [Status Code: NotFound; Reason: The user was not found.]');
  const names = rest.map((s) => s.toLowerCase());
  const attempt = (resolve: () => string) => {
    try {
      return resolve();
    } catch {
      throw invalid(resource);
    }
  };
  const u = user;
  const userId = u.profile.id;
  if (names.length === 1 && names[0] === 'messages') return { userId, kind: 'message', containerId: undefined };
  if (names.length === 3 && names[0] === 'mailfolders' && names[2] === 'messages') {
    return { userId, kind: 'message', containerId: attempt(() => store.mailFolderId(u, rest[1] as string)) };
  }
  if (names.length === 1 && names[0] === 'events') return { userId, kind: 'event', containerId: u.primaryCalendarId };
  if (names.length === 3 && names[0] === 'calendars' && names[2] === 'events') {
    return { userId, kind: 'event', containerId: attempt(() => store.calendarId(u, rest[1] as string)) };
  }
  if (names.length === 1 && names[0] === 'contacts') return { userId, kind: 'contact', containerId: u.defaultContactFolderId };
  if (names.length === 3 && names[0] === 'contactfolders' && names[2] === 'contacts') {
    return { userId, kind: 'contact', containerId: attempt(() => store.contactFolderId(u, rest[1] as string)) };
  }
  throw unsupported(resource);
}

export function covers(coverage: Coverage, change: ItemChange): boolean {
  return coverage.userId === change.userId && coverage.kind === change.kind && (coverage.containerId === undefined || coverage.containerId === change.containerId);
}

export const AREA = { message: 'Mail', event: 'Calendars', contact: 'Contacts' } as const;
export const ODATA_TYPE = { message: '#Microsoft.Graph.Message', event: '#Microsoft.Graph.Event', contact: '#Microsoft.Graph.Contact' } as const;
export const COLLECTION = { message: 'Messages', event: 'Events', contact: 'Contacts' } as const;

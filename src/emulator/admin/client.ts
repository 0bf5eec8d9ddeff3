import type { FaultSpec } from '../http/faults.js';
import type { RealismSettings } from '../http/realism.js';
import type { RequestLogEntry } from '../http/request-log.js';

export type GraphJson = Record<string, unknown> & { id: string };

export interface TokenOptions {
  /** User id or UPN (default: the demo user). */
  user?: string;
  appOnly?: boolean;
  roles?: string[];
  scopes?: string[];
  /** Seconds; negative mints an already expired token. */
  expiresIn?: number;
  tenantId?: string;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

/** Options of the admin write methods. */
export interface WriteOptions {
  /** User id or UPN (default: the demo user). */
  user?: string;
  /** Extra Prefer values, e.g. 'IdType="ImmutableId"' to get immutable ids back. */
  prefer?: string[];
}

export class EmulatorAdminError extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, body: unknown) {
    const code = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    super(`emulator admin call failed: ${status} ${code?.code ?? ''} ${code?.message ?? ''}`.trim());
    this.name = 'EmulatorAdminError';
    this.status = status;
    this.body = body;
  }
}

/** Typed client of the HTTP admin API under /_emulator/ (tests use it, so the API itself is exercised). */
export interface EmulatorAdmin {
  /** A ready bearer token (the access_token of {@link mintToken}). */
  token(options?: TokenOptions): Promise<string>;
  mintToken(options?: TokenOptions): Promise<TokenResponse>;
  reset(options?: { seed?: 'demo' | 'empty'; messages?: number; rngSeed?: number }): Promise<void>;
  injectFault(fault: FaultSpec): Promise<string>;
  clearFaults(): Promise<void>;
  expireTokens(options: { link?: string; all?: boolean; code?: 'syncStateNotFound' | 'resyncRequired' | 'SyncStateNotFound' | 'syncStateInvalid' }): Promise<void>;
  getRealism(): Promise<RealismSettings>;
  setRealism(settings: Partial<RealismSettings>): Promise<RealismSettings>;
  /** The origin written into nextLinks/deltaLinks (null: each request's own). */
  setLinkOrigin(origin: string | null): Promise<{ origin: string | null }>;
  requests(): Promise<RequestLogEntry[]>;
  /** Highest number of Graph requests in flight per mailbox (user id) since the last {@link resetConcurrency}. */
  concurrency(): Promise<Record<string, number>>;
  resetConcurrency(): Promise<void>;
  clearRequests(): Promise<void>;
  users(): Promise<{ tenantId: string; value: Array<{ id: string; userPrincipalName: string; displayName: string }> }>;

  createMessage(folder: string, message: Record<string, unknown>, options?: WriteOptions): Promise<GraphJson>;
  updateMessage(id: string, patch: Record<string, unknown>, options?: WriteOptions): Promise<GraphJson>;
  deleteMessage(id: string, options?: WriteOptions): Promise<void>;
  moveMessage(id: string, destinationId: string, options?: WriteOptions): Promise<GraphJson>;
  createEvent(event: Record<string, unknown>, options?: WriteOptions & { calendarId?: string }): Promise<GraphJson>;
  updateEvent(id: string, patch: Record<string, unknown>, options?: WriteOptions): Promise<GraphJson>;
  deleteEvent(id: string, options?: WriteOptions): Promise<void>;
  createContact(contact: Record<string, unknown>, options?: WriteOptions & { folderId?: string }): Promise<GraphJson>;
  updateContact(id: string, patch: Record<string, unknown>, options?: WriteOptions): Promise<GraphJson>;
  deleteContact(id: string, options?: WriteOptions): Promise<void>;
  createCalendar(calendar: Record<string, unknown>, options?: WriteOptions): Promise<GraphJson>;
  updateCalendar(id: string, patch: Record<string, unknown>, options?: WriteOptions): Promise<GraphJson>;
  deleteCalendar(id: string, options?: WriteOptions): Promise<void>;
  /** Any admin call: `path` below /_emulator/ (e.g. `users/{id}/mailFolders`). */
  request<T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
}

export function createEmulatorAdmin(origin: string, defaultUser: string): EmulatorAdmin {
  async function request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const res = await fetch(`${origin}/_emulator/${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const parsed: unknown = text === '' ? undefined : JSON.parse(text);
    if (!res.ok) throw new EmulatorAdminError(res.status, parsed);
    return parsed as T;
  }
  const u = (o?: WriteOptions) => `users/${encodeURIComponent(o?.user ?? defaultUser)}`;
  const h = (o?: WriteOptions): Record<string, string> => (o?.prefer?.length ? { prefer: o.prefer.join(', ') } : {});
  const e = encodeURIComponent;

  return {
    request,
    mintToken: (options = {}) => request<TokenResponse>('POST', 'tokens', options),
    async token(options = {}) {
      return (await request<TokenResponse>('POST', 'tokens', options)).access_token;
    },
    async reset(options = {}) {
      await request('POST', 'reset', options);
    },
    async injectFault(fault) {
      return (await request<{ id: string }>('POST', 'faults', fault)).id;
    },
    async clearFaults() {
      await request('DELETE', 'faults');
    },
    async expireTokens(options) {
      await request('POST', 'tokens/expire', options);
    },
    getRealism: () => request<RealismSettings>('GET', 'realism'),
    setRealism: (settings) => request<RealismSettings>('PUT', 'realism', settings),
    setLinkOrigin: (origin) => request<{ origin: string | null }>('PUT', 'link-origin', { origin }),
    requests: () => request<RequestLogEntry[]>('GET', 'requests'),
    async concurrency() {
      return (await request<{ mailboxes: Record<string, number> }>('GET', 'concurrency')).mailboxes;
    },
    async resetConcurrency() {
      await request('DELETE', 'concurrency');
    },
    async clearRequests() {
      await request('DELETE', 'requests');
    },
    users: () => request('GET', 'users'),

    createMessage: (folder, message, o) => request('POST', `${u(o)}/mailFolders/${e(folder)}/messages`, message, h(o)),
    updateMessage: (id, patch, o) => request('PATCH', `${u(o)}/messages/${e(id)}`, patch, h(o)),
    async deleteMessage(id, o) {
      await request('DELETE', `${u(o)}/messages/${e(id)}`, undefined, h(o));
    },
    moveMessage: (id, destinationId, o) => request('POST', `${u(o)}/messages/${e(id)}/move`, { destinationId }, h(o)),
    createEvent: (event, o) =>
      request('POST', o?.calendarId ? `${u(o)}/calendars/${e(o.calendarId)}/events` : `${u(o)}/events`, event, h(o)),
    updateEvent: (id, patch, o) => request('PATCH', `${u(o)}/events/${e(id)}`, patch, h(o)),
    async deleteEvent(id, o) {
      await request('DELETE', `${u(o)}/events/${e(id)}`, undefined, h(o));
    },
    createContact: (contact, o) =>
      request('POST', o?.folderId ? `${u(o)}/contactFolders/${e(o.folderId)}/contacts` : `${u(o)}/contacts`, contact, h(o)),
    updateContact: (id, patch, o) => request('PATCH', `${u(o)}/contacts/${e(id)}`, patch, h(o)),
    async deleteContact(id, o) {
      await request('DELETE', `${u(o)}/contacts/${e(id)}`, undefined, h(o));
    },
    createCalendar: (calendar, o) => request('POST', `${u(o)}/calendars`, calendar, h(o)),
    updateCalendar: (id, patch, o) => request('PATCH', `${u(o)}/calendars/${e(id)}`, patch, h(o)),
    async deleteCalendar(id, o) {
      await request('DELETE', `${u(o)}/calendars/${e(id)}`, undefined, h(o));
    },
  };
}

import { randomUUID } from 'node:crypto';

export type LinkKind = 'initial' | 'skip' | 'delta';

export interface FaultSpec {
  status: number;
  code?: string | undefined;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number | undefined;
  /** How many requests it answers (default 1); 0 = until cleared. */
  times?: number | undefined;
  match?: { pathContains?: string | undefined; link?: LinkKind | 'any' | undefined; method?: string | undefined } | undefined;
}

export interface Fault extends FaultSpec {
  readonly id: string;
  remaining: number;
}

export interface FaultAnswer {
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
  extra: Record<string, unknown>;
}

/** Default code and message per status, as Graph words them. */
const DEFAULTS: Record<number, [string, string]> = {
  400: ['BadRequest', 'The request is malformed or incorrect.'],
  401: ['InvalidAuthenticationToken', 'Access token validation failure.'],
  403: ['ErrorAccessDenied', 'Access is denied. Check credentials and try again.'],
  404: ['ErrorItemNotFound', 'The specified object was not found in the store.'],
  409: ['ErrorIrresolvableConflict', 'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.'],
  410: ['syncStateNotFound', 'The sync state generation is not found. The delta token is expired and data must be synchronized again.'],
  429: ['TooManyRequests', 'Please retry again later.'],
  500: ['generalException', 'An unspecified error has occurred.'],
  502: ['BadGateway', 'The server, while acting as a gateway, received an invalid response from the upstream server.'],
  503: ['serviceNotAvailable', 'The service is temporarily unavailable. Please retry again later.'],
  504: ['GatewayTimeout', 'The server, while acting as a proxy, did not receive a timely response from the upstream server.'],
  507: ['ErrorQuotaExceeded', 'The mailbox quota has been exceeded.'],
};

const MESSAGES_BY_CODE: Record<string, string> = {
  resyncRequired: 'The delta token is no longer valid, and the app must reset the sync state.',
  syncStateNotFound: DEFAULTS[410]?.[1] ?? '',
  SyncStateNotFound: DEFAULTS[410]?.[1] ?? '',
  syncStateInvalid: 'The sync state is invalid.',
  ErrorQuotaExceeded: 'The mailbox quota has been exceeded.',
};

export interface FaultRegistry {
  add(spec: FaultSpec): Fault;
  clear(): void;
  list(): Fault[];
  /** The fault that answers this request, if any (its count is used up). */
  take(req: { method: string; path: string; link: LinkKind | undefined }): FaultAnswer | undefined;
}

export function validateFault(body: unknown): FaultSpec | string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'The body must be a JSON object.';
  const b = body as Record<string, unknown>;
  if (typeof b['status'] !== 'number' || !Number.isInteger(b['status']) || b['status'] < 400 || b['status'] > 599) return "'status' must be an HTTP error status (400-599).";
  if (b['code'] !== undefined && typeof b['code'] !== 'string') return "'code' must be a string.";
  if (b['retryAfter'] !== undefined && (typeof b['retryAfter'] !== 'number' || b['retryAfter'] < 0 || !Number.isFinite(b['retryAfter']))) return "'retryAfter' must be a number of seconds.";
  if (b['times'] !== undefined && (typeof b['times'] !== 'number' || !Number.isInteger(b['times']) || b['times'] < 0)) return "'times' must be a non-negative integer.";
  const m = b['match'];
  if (m !== undefined) {
    if (m === null || typeof m !== 'object' || Array.isArray(m)) return "'match' must be an object.";
    const mm = m as Record<string, unknown>;
    if (mm['pathContains'] !== undefined && typeof mm['pathContains'] !== 'string') return "'match.pathContains' must be a string.";
    if (mm['method'] !== undefined && typeof mm['method'] !== 'string') return "'match.method' must be a string.";
    if (mm['link'] !== undefined && !['initial', 'skip', 'delta', 'any'].includes(String(mm['link']))) return "'match.link' must be initial, skip, delta or any.";
  }
  return b as unknown as FaultSpec;
}

export function createFaultRegistry(): FaultRegistry {
  let faults: Fault[] = [];
  return {
    add(spec) {
      const fault: Fault = { ...spec, id: randomUUID(), remaining: spec.times ?? 1 };
      faults.push(fault);
      return fault;
    },
    clear() {
      faults = [];
    },
    list: () => [...faults],
    take(req) {
      const fault = faults.find((f) => {
        const m = f.match;
        if (!m) return true;
        if (m.method !== undefined && m.method.toUpperCase() !== req.method.toUpperCase()) return false;
        if (m.pathContains !== undefined && !req.path.toLowerCase().includes(m.pathContains.toLowerCase())) return false;
        if (m.link !== undefined && m.link !== 'any' && m.link !== req.link) return false;
        if (m.link === 'any' && req.link === undefined) return false;
        return true;
      });
      if (!fault) return undefined;
      if (fault.remaining > 0) {
        fault.remaining -= 1;
        if (fault.remaining === 0) faults = faults.filter((f) => f !== fault);
      }
      return answerFor(fault);
    },
  };
}

function answerFor(f: FaultSpec): FaultAnswer {
  const [defaultCode, defaultMessage] = DEFAULTS[f.status] ?? ['UnknownError', 'An error occurred.'];
  let code = f.code ?? defaultCode;
  let message = MESSAGES_BY_CODE[code] ?? defaultMessage;
  const extra: Record<string, unknown> = {};
  // Outlook's per-mailbox concurrency limit (4 requests) comes as a 429 of its own flavour.
  if (f.status === 429 && code === 'MailboxConcurrency') {
    code = 'ApplicationThrottled';
    message = 'Application is over its MailboxConcurrency limit.';
  }
  if (f.status === 429) Object.assign(extra, { code: '429', status: '429', message: 'Please retry after' });
  const headers: Record<string, string> = {};
  const retryAfter = f.retryAfter ?? (f.status === 429 ? 1 : undefined);
  if (retryAfter !== undefined) headers['Retry-After'] = String(retryAfter);
  return { status: f.status, code, message, headers, extra };
}

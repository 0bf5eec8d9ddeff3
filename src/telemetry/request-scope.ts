import { AsyncLocalStorage } from 'node:async_hooks';
import { createHmac, randomUUID } from 'node:crypto';

/**
 * What belongs to one incoming request (or one poll cycle): the request id, the operation type and
 * the principal's hash for log lines, and the count of Graph requests it made for its access line.
 * Carried by AsyncLocalStorage, so the Graph client and the logger find it without parameters.
 */
export interface RequestScope {
  readonly requestId: string;
  readonly startedAt: number;
  operationType?: string | undefined;
  /** Salted hash of the principal's key; never the key, a user id or an upn. */
  principal?: string | undefined;
  graphRequests: number;
  /** Turns a principal key into its log hash (the gateway's salt). */
  readonly hashPrincipal?: ((key: string) => string) | undefined;
}

const storage = new AsyncLocalStorage<RequestScope>();

export function currentScope(): RequestScope | undefined {
  return storage.getStore();
}

export function runInScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** A new scope (`requestId` made unless given). */
export function newScope(fields: { requestId?: string | undefined; hashPrincipal?: ((key: string) => string) | undefined } = {}): RequestScope {
  return { requestId: fields.requestId ?? randomUUID(), startedAt: performance.now(), graphRequests: 0, hashPrincipal: fields.hashPrincipal };
}

const MAX_REQUEST_ID = 200;

/** An incoming `x-request-id` if usable (1–200 printable ASCII characters), else undefined. */
export function acceptRequestId(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const id = value.trim();
  return id.length > 0 && id.length <= MAX_REQUEST_ID && /^[\x20-\x7e]+$/.test(id) ? id : undefined;
}

/**
 * The log hash of principals: HMAC-SHA256 under a key derived from `secret` (the cursor secret), so
 * the same caller has the same hash on every instance, and nobody without the secret can test a guess.
 */
export function principalHasher(secret: string): (key: string) => string {
  const salt = createHmac('sha256', secret).update('delta-gateway log principal').digest();
  return (key) => createHmac('sha256', salt).update(key).digest('base64url').slice(0, 22);
}

/** Notes the request's principal (as its hash) once auth resolves; returns what it was given. */
export function notePrincipal<T extends { principal: { key: string } }>(result: T): T {
  const scope = storage.getStore();
  if (scope?.hashPrincipal) scope.principal = scope.hashPrincipal(result.principal.key);
  return result;
}

/** Counts a Graph request (an attempt, or an inner request of a $batch) towards the request's access line. */
export function countGraphRequest(): void {
  const scope = storage.getStore();
  if (scope) scope.graphRequests += 1;
}

/** Fields the logger adds to every line written inside a scope. */
export function scopeLogFields(): Record<string, unknown> {
  const scope = storage.getStore();
  if (!scope) return {};
  const fields: Record<string, unknown> = { requestId: scope.requestId };
  if (scope.operationType !== undefined) fields['operationType'] = scope.operationType;
  if (scope.principal !== undefined) fields['principal'] = scope.principal;
  return fields;
}

/** Runs `fn` outside any request scope (work that outlives the request that started it, such as a poller). */
export function outsideScope<T>(fn: () => T): T {
  return storage.exit(fn);
}

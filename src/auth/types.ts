/** Who is calling: tenant id + user object id (tid.oid), the key cursors are bound to. */
export interface Principal {
  tenantId: string;
  objectId: string;
  /** `${tenantId}.${objectId}`. */
  key: string;
}

export interface AuthResult {
  principal: Principal;
  /** The token to send to Graph for this caller (pass-through: the caller's own). */
  getGraphToken(): Promise<string>;
  /** Pass-through with a JWT: when the caller's own token expires (ms since epoch); nothing can renew it. */
  tokenExpiresAt?: number | undefined;
  /** App mode: throws `FORBIDDEN` when this caller may not read the mailbox `userId` (absent: any mailbox). */
  authorizeMailbox?(userId: string): void;
}

/** One per auth mode (passthrough, demo, obo, app). */
export interface AuthProvider {
  /** Throws `gatewayError('UNAUTHENTICATED', …)` when the request carries no usable credentials. */
  authenticate(request: Request): Promise<AuthResult>;
}

export function principalOf(tenantId: string, objectId: string): Principal {
  return { tenantId, objectId, key: `${tenantId}.${objectId}` };
}

import { gatewayError } from '../errors.js';
import { createApiKeyVerifier, mailboxAllowed, type ApiKeyEntry, type AppCallerEntry } from './api-keys.js';
import { bearerToken } from './bearer.js';
import type { JwtValidator } from './jwt-validator.js';
import { reuseUntilRenewal, type GraphTokens } from './msal/graph-tokens.js';
import { principalOf, type AuthProvider, type AuthResult, type Principal } from './types.js';

export interface AppOnlyAuthOptions {
  tokens: GraphTokens;
  /** Callers with API keys (`X-API-Key: <key>` or `Authorization: ApiKey <key>`). */
  apiKeys: readonly ApiKeyEntry[];
  /** Callers with their own JWT for the gateway's API, by object id. */
  callers: readonly AppCallerEntry[];
  /** Validates the callers' JWTs; needed when `callers` is not empty. */
  validator?: JwtValidator | undefined;
}

/** The tenant part of an API-key caller's principal: never a tenant id, so it cannot collide with a JWT caller. */
export const API_KEY_TENANT = 'api-key';

function apiKeyOf(request: Request): string | undefined {
  const header = request.headers.get('x-api-key');
  if (header !== null) return header.trim();
  const match = /^ApiKey\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
  return match?.[1];
}

/**
 * App-only mode: the gateway reads mailboxes with its own application permissions (client
 * credentials). Callers prove who they are with an API key or their own JWT; each may be limited
 * to some mailboxes. The principal (cursors' binding) is the caller, not the app.
 */
export function createAppOnlyAuth(options: AppOnlyAuthOptions): AuthProvider {
  const { tokens, validator } = options;
  const keys = createApiKeyVerifier(options.apiKeys);
  const callers = new Map(options.callers.map((caller) => [caller.objectId, caller]));
  // One app token serves every caller: remembered in-process, refreshed through MSAL and the shared store.
  const getGraphToken = reuseUntilRenewal(() => tokens.appOnly());

  async function identify(request: Request): Promise<{ principal: Principal; mailboxes: readonly string[] | undefined }> {
    const key = apiKeyOf(request);
    if (key !== undefined) {
      const entry = key === '' ? undefined : keys.verify(key);
      if (!entry) throw gatewayError('UNAUTHENTICATED', 'The API key is not valid.');
      return { principal: principalOf(API_KEY_TENANT, entry.name), mailboxes: entry.mailboxes };
    }
    const token = bearerToken(request);
    if (token === undefined) throw gatewayError('UNAUTHENTICATED', "Send `X-API-Key: <key>` or `Authorization: Bearer <access token for the gateway's API>`.");
    if (validator === undefined || callers.size === 0) throw gatewayError('UNAUTHENTICATED', 'This gateway accepts API keys only (`X-API-Key: <key>`).');
    const caller = await validator.validate(token);
    const entry = callers.get(caller.principal.objectId);
    if (!entry) throw gatewayError('FORBIDDEN', 'This caller is not allowed to use the gateway.');
    return { principal: caller.principal, mailboxes: entry.mailboxes };
  }

  return {
    async authenticate(request): Promise<AuthResult> {
      const { principal, mailboxes } = await identify(request);
      return {
        principal,
        getGraphToken,
        authorizeMailbox(userId) {
          if (!mailboxAllowed(mailboxes, userId)) throw gatewayError('FORBIDDEN', `This caller may not read the mailbox ${JSON.stringify(userId)}.`, { argument: 'userId' });
        },
      };
    },
  };
}

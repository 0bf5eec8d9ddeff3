import { createHash } from 'node:crypto';
import { AuthError, InteractionRequiredAuthError, type AuthenticationResult } from '@azure/msal-node';
import { GraphQLError } from 'graphql';
import type { Keyv } from 'keyv';
import type { Logger } from 'pino';
import { gatewayError } from '../../errors.js';
import type { Principal } from '../types.js';
import type { CacheCipher } from './cache-cipher.js';
import { createKeyvCachePlugin } from './cache-plugin.js';
import type { MsalFactory } from './client-factory.js';

export interface GraphAccessToken {
  token: string;
  /** Epoch milliseconds. */
  expiresOn: number;
}

/** Graph tokens obtained through MSAL, cached in Keyv per partition. */
export interface GraphTokens {
  /** An app-only token (client credentials) of the configured tenant; partition `clientId.tenantId`. */
  appOnly(): Promise<GraphAccessToken>;
  /** Trades a caller's validated API token for a Graph token of that user (on-behalf-of); partition per user. */
  onBehalfOf(assertion: string, user: Principal): Promise<GraphAccessToken>;
}

export interface GraphTokensOptions {
  factory: MsalFactory;
  clientId: string;
  /** Tenant of app-only tokens (undefined when app-only is not used). */
  tenantId: string | undefined;
  /** `https://<graph host>/.default`. */
  scope: string;
  store: Keyv;
  cipher: CacheCipher;
  logger?: Logger | undefined;
}

const CONSENT_OR_SIGN_IN = new Set(['invalid_grant', 'interaction_required', 'consent_required', 'login_required', 'bad_token']);

/** A contract error for a failed acquisition; the log line has MSAL's code and AADSTS number, never a token or secret. */
function tokenFailure(error: unknown, flow: 'obo' | 'app', logger: Logger | undefined): GraphQLError {
  if (error instanceof GraphQLError) return error;
  const code = error instanceof AuthError ? error.errorCode : undefined;
  const description = error instanceof AuthError ? error.errorMessage : error instanceof Error ? error.message : String(error);
  const aadsts = /AADSTS\d+/.exec(description)?.[0];
  logger?.warn({ flow, errorCode: code, aadsts, subError: error instanceof AuthError ? error.subError : undefined, description: description.slice(0, 400) }, 'Graph token acquisition failed');
  const reason = aadsts ?? code ?? 'network error';
  if (flow === 'obo' && (error instanceof InteractionRequiredAuthError || (code !== undefined && CONSENT_OR_SIGN_IN.has(code)))) {
    return gatewayError('UNAUTHENTICATED', `The identity platform refused to trade the caller's token for a Graph token (${reason}); sign in again, or have the gateway's permissions consented.`, { cause: error });
  }
  return gatewayError('UPSTREAM_ERROR', `The gateway could not obtain a Graph token from the login host (${reason}).`, { cause: error });
}

function tokenOf(result: AuthenticationResult | null): GraphAccessToken {
  if (!result?.accessToken) throw gatewayError('UPSTREAM_ERROR', 'The login host returned no access token.');
  return { token: result.accessToken, expiresOn: result.expiresOn?.getTime() ?? Date.now() + 60_000 };
}

export function createGraphTokens(options: GraphTokensOptions): GraphTokens {
  const { factory, clientId, tenantId, scope, store, cipher, logger } = options;
  // Concurrent requests of one partition (and assertion) share one acquisition instead of racing to the token endpoint.
  const inFlight = new Map<string, Promise<GraphAccessToken>>();
  function once(key: string, acquire: () => Promise<GraphAccessToken>): Promise<GraphAccessToken> {
    let pending = inFlight.get(key);
    if (pending === undefined) {
      pending = acquire().finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  }
  const plugin = (partition: string) => createKeyvCachePlugin({ store, cipher, partition, requestedScope: scope, logger });

  return {
    appOnly() {
      if (tenantId === undefined) return Promise.reject(new Error('createGraphTokens: app-only tokens need a tenant id'));
      const partition = `${clientId}.${tenantId}`;
      return once(partition, async () => {
        try {
          return tokenOf(await factory.create(tenantId, plugin(partition)).acquireTokenByClientCredential({ scopes: [scope] }));
        } catch (error) {
          throw tokenFailure(error, 'app', logger);
        }
      });
    },
    onBehalfOf(assertion, user) {
      const partition = `obo.${user.key}`;
      const key = `${partition}|${createHash('sha256').update(assertion).digest('base64url')}`;
      return once(key, async () => {
        try {
          const client = factory.create(user.tenantId, plugin(partition));
          // On-behalf-of reads MSAL's cache without calling the plugin: load the partition first.
          await client.getTokenCache().getAllAccounts();
          return tokenOf(await client.acquireTokenOnBehalfOf({ oboAssertion: assertion, scopes: [scope] }));
        } catch (error) {
          throw tokenFailure(error, 'obo', logger);
        }
      });
    },
  };
}

/** MSAL's own renewal window: a token this close to expiry is acquired again. */
export const RENEW_BEFORE_MS = 5 * 60_000;

/**
 * Remembers the last token until it enters MSAL's renewal window, so repeated calls (every Graph
 * page of a request, every request of app mode) skip the store; a failed acquisition is not remembered.
 */
export function reuseUntilRenewal(acquire: () => Promise<GraphAccessToken>): () => Promise<string> {
  let current: Promise<GraphAccessToken> | undefined;
  return async () => {
    const held = current ? await current.catch(() => undefined) : undefined;
    if (held && held.expiresOn - RENEW_BEFORE_MS > Date.now()) return held.token;
    const next = acquire();
    current = next;
    return (await next).token;
  };
}

import { gatewayError } from '../errors.js';
import { bearerToken } from './bearer.js';
import type { JwtValidator } from './jwt-validator.js';
import { reuseUntilRenewal, type GraphTokens } from './msal/graph-tokens.js';
import type { AuthProvider, AuthResult } from './types.js';

export interface OboAuthOptions {
  validator: JwtValidator;
  tokens: GraphTokens;
}

/**
 * On-behalf-of mode: the caller's token for the gateway's API is validated (issuer, audience,
 * expiry, signature, tenant) before anything else, then traded for a Graph token of the same user.
 * The principal is the token's tid.oid.
 */
export function createOboAuth(options: OboAuthOptions): AuthProvider {
  const { validator, tokens } = options;
  return {
    async authenticate(request): Promise<AuthResult> {
      const token = bearerToken(request);
      if (token === undefined) throw gatewayError('UNAUTHENTICATED', "Send `Authorization: Bearer <access token for the gateway's API>`.");
      const caller = await validator.validate(token);
      if (caller.appOnly) throw gatewayError('UNAUTHENTICATED', 'On-behalf-of needs a token issued to a signed-in user; this is an application token.');
      return { principal: caller.principal, getGraphToken: reuseUntilRenewal(() => tokens.onBehalfOf(token, caller.principal)) };
    },
  };
}

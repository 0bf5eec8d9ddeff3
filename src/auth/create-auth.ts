import type { Keyv } from 'keyv';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { GraphClient } from '../graph/client.js';
import { createAppOnlyAuth } from './app-only.js';
import { createDemoAuth } from './demo.js';
import { createJwtValidator, type JwtValidator } from './jwt-validator.js';
import { createCacheCipher } from './msal/cache-cipher.js';
import { createMsalFactory } from './msal/client-factory.js';
import { createGraphTokens } from './msal/graph-tokens.js';
import { createOboAuth } from './obo.js';
import { createPassthroughAuth } from './passthrough.js';
import type { AuthProvider } from './types.js';

export interface CreateAuthOptions {
  config: Config;
  /** Pass-through's `GET /me` for opaque tokens. */
  graph: GraphClient;
  /** Shared Keyv store: MSAL's token cache lives here (encrypted), so instances share tokens. */
  store: Keyv;
  logger?: Logger | undefined;
  /** Demo mode: the embedded emulator's origin. */
  emulatorUrl?: string | undefined;
}

/** The auth provider of `config.authMode`. Assumes a config from `loadConfig`, which checked every variable the mode needs. */
export function createAuth(options: CreateAuthOptions): AuthProvider {
  const { config, graph, store, logger, emulatorUrl } = options;
  const passthrough = () => createPassthroughAuth({ graph, graphBaseUrl: config.graph.baseUrl });
  const { auth } = config;
  switch (config.authMode) {
    case 'passthrough':
      return passthrough();
    case 'demo':
      return emulatorUrl === undefined ? passthrough() : createDemoAuth({ emulatorUrl, passthrough: passthrough() });
    case 'obo':
    case 'app': {
      const { clientId, tenantId, credential } = auth;
      if (clientId === undefined || tenantId === undefined || credential === undefined) {
        throw new Error(`createAuth: AUTH_MODE=${config.authMode} needs AUTH_CLIENT_ID, AUTH_TENANT_ID and a client credential.`);
      }
      const secret = auth.tokenCacheSecret ?? config.cursor.secrets[0];
      if (secret === undefined) throw new Error('createAuth: no TOKEN_CACHE_SECRET or CURSOR_SECRET to encrypt the token cache with.');
      const factory = createMsalFactory({ clientId, credential, loginAuthority: config.graph.loginAuthority, logger });
      const tokens = createGraphTokens({
        factory,
        clientId,
        tenantId: config.authMode === 'app' ? tenantId : undefined,
        scope: config.graph.scope,
        store,
        cipher: createCacheCipher(secret),
        logger,
      });
      const validator: JwtValidator = createJwtValidator({
        loginAuthority: config.graph.loginAuthority,
        cloud: config.graph.cloud,
        tenantId,
        allowedTenants: auth.allowedTenants,
        audiences: auth.audiences,
      });
      if (config.authMode === 'obo') return createOboAuth({ validator, tokens });
      return createAppOnlyAuth({ tokens, apiKeys: auth.apiKeys, callers: auth.appCallers, validator });
    }
  }
}

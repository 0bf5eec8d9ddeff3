import { ConfidentialClientApplication, LogLevel, type Configuration, type ICachePlugin, type INetworkModule, type NodeAuthOptions } from '@azure/msal-node';
import type { Logger } from 'pino';
import type { ClientCredential } from '../../config/index.js';
import { createMsalNetworkClient } from './network-client.js';

export interface MsalFactoryOptions {
  /** The gateway's application (client) id. */
  clientId: string;
  credential: ClientCredential;
  /** Login host root without tenant (`AUTH_AUTHORITY` or the cloud's), e.g. `https://login.microsoftonline.com`; http only on loopback. */
  loginAuthority: string;
  logger?: Logger | undefined;
  /** Replaces the fetch-based network client (tests of refusals). */
  networkClient?: INetworkModule | undefined;
}

export interface MsalFactory {
  /** The origin MSAL sees (always https). */
  readonly msalOrigin: string;
  /**
   * A confidential client for `tenant` whose token cache is `cachePlugin`. Build one per acquisition:
   * MSAL's in-memory cache then holds one partition only, and costs nothing to drop.
   */
  create(tenant: string, cachePlugin: ICachePlugin): ConfidentialClientApplication;
}

// MSAL warns about normal things (e.g. "No client info in response" for client credentials): one level down.
const MSAL_LOG_LEVELS: Record<LogLevel, 'error' | 'warn' | 'info' | 'debug' | 'trace'> = {
  [LogLevel.Error]: 'warn',
  [LogLevel.Warning]: 'debug',
  [LogLevel.Info]: 'debug',
  [LogLevel.Verbose]: 'trace',
  [LogLevel.Trace]: 'trace',
};

function credentialOptions(credential: ClientCredential): Pick<NodeAuthOptions, 'clientSecret' | 'clientCertificate'> {
  if (credential.kind === 'secret') return { clientSecret: credential.secret };
  return {
    clientCertificate: {
      privateKey: credential.privateKey,
      ...(credential.thumbprintSha256 !== undefined ? { thumbprintSha256: credential.thumbprintSha256 } : { thumbprint: credential.thumbprintSha1 ?? '' }),
    },
  };
}

/**
 * Builds MSAL confidential clients that never run discovery: the authority's OpenID metadata and
 * cloud-discovery metadata are given (Entra's well-known endpoint layout), and the network client
 * reaches the login host only. MSAL insists on https authorities, so an http login host on loopback
 * (the emulator) is presented to MSAL as https and mapped back by the network client.
 */
export function createMsalFactory(options: MsalFactoryOptions): MsalFactory {
  const { clientId, credential, logger } = options;
  const real = new URL(options.loginAuthority);
  const msalOrigin = `https://${real.host}`;
  const networkClient = options.networkClient ?? createMsalNetworkClient({ routes: new Map([[msalOrigin, real.origin]]) });
  const cloudDiscoveryMetadata = JSON.stringify({
    tenant_discovery_endpoint: `${msalOrigin}/{tenant}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: real.host, preferred_cache: real.host, aliases: [real.host] }],
  });
  const metadata = new Map<string, string>();
  const authorityMetadata = (tenant: string) => {
    let json = metadata.get(tenant);
    if (json === undefined) {
      const base = `${msalOrigin}/${tenant}`;
      json = JSON.stringify({
        token_endpoint: `${base}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${base}/discovery/v2.0/keys`,
        issuer: `${base}/v2.0`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      });
      if (metadata.size > 1000) metadata.clear();
      metadata.set(tenant, json);
    }
    return json;
  };
  const system: Configuration['system'] = {
    networkClient,
    loggerOptions: {
      piiLoggingEnabled: false,
      logLevel: LogLevel.Warning,
      loggerCallback: (level, message, containsPii) => {
        if (!containsPii && logger) logger[MSAL_LOG_LEVELS[level]]({ component: 'msal' }, message);
      },
    },
  };
  return {
    msalOrigin,
    create(tenant, cachePlugin) {
      return new ConfidentialClientApplication({
        auth: {
          clientId,
          authority: `${msalOrigin}/${tenant}`,
          authorityMetadata: authorityMetadata(tenant),
          cloudDiscoveryMetadata,
          ...credentialOptions(credential),
        },
        cache: { cachePlugin },
        system,
      });
    },
  };
}

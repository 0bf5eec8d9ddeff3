import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { DEFAULT_ROLES, DEFAULT_SCOPES, EMULATOR_CLIENT_ID } from './graph-auth.js';

/** The secret of the emulator's pre-registered app ({@link EMULATOR_CLIENT_ID}). Not a real credential. */
export const EMULATOR_CLIENT_SECRET = 'emulator-client-secret-not-for-production';

/** An app registration as the token endpoint sees it: credentials, granted permissions, API identifiers. */
export interface AppRegistration {
  readonly clientId: string;
  readonly secrets: readonly string[];
  /** Certificate credentials: the public key and, when a certificate was registered, its thumbprints (base64url). */
  readonly certificates: readonly { key: KeyObject; x5t?: string; x5tS256?: string }[];
  /** Application permissions granted (app-only tokens' `roles`). */
  readonly roles: readonly string[];
  /** Delegated permissions consented (on-behalf-of tokens' `scp`). */
  readonly scopes: readonly string[];
  /** Audiences of tokens for this app's own API: `api://{clientId}`, the client id, and any others registered. */
  readonly apiAudiences: readonly string[];
}

export interface AppRegistrationInput {
  clientId: string;
  clientSecret?: string | undefined;
  /** PEM: a certificate (`BEGIN CERTIFICATE`) or a public key. */
  certificate?: string | undefined;
  roles?: readonly string[] | undefined;
  scopes?: readonly string[] | undefined;
  identifierUris?: readonly string[] | undefined;
}

export interface AppRegistry {
  get(clientId: string): AppRegistration | undefined;
  /** Adds or replaces a registration; credentials given again are added to the existing ones. */
  register(input: AppRegistrationInput): AppRegistration;
  list(): AppRegistration[];
}

function certificateOf(pem: string): AppRegistration['certificates'][number] {
  if (pem.includes('BEGIN CERTIFICATE')) {
    const cert = new X509Certificate(pem);
    const der = cert.raw;
    return {
      key: cert.publicKey,
      x5t: createHash('sha1').update(der).digest('base64url'),
      x5tS256: createHash('sha256').update(der).digest('base64url'),
    };
  }
  return { key: createPublicKey(pem) };
}

export function createAppRegistry(): AppRegistry {
  const apps = new Map<string, AppRegistration>();
  const registry: AppRegistry = {
    get: (clientId) => apps.get(clientId.toLowerCase()),
    list: () => [...apps.values()],
    register(input) {
      const previous = apps.get(input.clientId.toLowerCase());
      const app: AppRegistration = {
        clientId: input.clientId,
        secrets: [...(previous?.secrets ?? []), ...(input.clientSecret ? [input.clientSecret] : [])],
        certificates: [...(previous?.certificates ?? []), ...(input.certificate ? [certificateOf(input.certificate)] : [])],
        roles: [...(input.roles ?? previous?.roles ?? DEFAULT_ROLES)],
        scopes: [...(input.scopes ?? previous?.scopes ?? DEFAULT_SCOPES)],
        apiAudiences: [`api://${input.clientId}`, input.clientId, ...(input.identifierUris ?? previous?.apiAudiences.slice(2) ?? [])],
      };
      apps.set(input.clientId.toLowerCase(), app);
      return app;
    },
  };
  registry.register({ clientId: EMULATOR_CLIENT_ID, clientSecret: EMULATOR_CLIENT_SECRET });
  return registry;
}

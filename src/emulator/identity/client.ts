import type { IdentitySettings, TokenRequestLogEntry } from './index.js';

export interface ApiTokenOptions {
  /** Client id of the API the token is for (audience `api://{clientId}`). @default the emulator's app */
  clientId?: string;
  audience?: string;
  issuer?: string;
  /** User id or UPN (default: the demo user). */
  user?: string;
  tenantId?: string;
  scopes?: string[];
  /** Seconds; negative mints an expired token. @default 3600 */
  expiresIn?: number;
  /** An application caller (client credentials of the calling app) instead of a user. */
  appOnly?: boolean;
  /** The calling app's id (`azp`; for app-only also `oid`). */
  callerId?: string;
  roles?: string[];
}

export interface AppRegistrationOptions {
  clientId: string;
  clientSecret?: string;
  /** PEM certificate or public key. */
  certificate?: string;
  roles?: string[];
  scopes?: string[];
  identifierUris?: string[];
}

/** Typed client of `/_emulator/identity/` (tests use it over HTTP). */
export interface IdentityAdmin {
  /** A token for an app's own API (what a signed-in client would send to the gateway in obo mode). */
  apiToken(options?: ApiTokenOptions): Promise<string>;
  registerApp(app: AppRegistrationOptions): Promise<void>;
  setSettings(settings: Partial<IdentitySettings>): Promise<IdentitySettings>;
  /** Requests the token endpoint received (no secrets). */
  tokenRequests(): Promise<TokenRequestLogEntry[]>;
  clearTokenRequests(): Promise<void>;
}

export function createIdentityAdmin(origin: string): IdentityAdmin {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${origin}/_emulator/identity/${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`identity admin ${method} ${path}: ${response.status} ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }
  return {
    apiToken: async (options = {}) => (await call<{ access_token: string }>('POST', 'tokens', options)).access_token,
    registerApp: async (app) => {
      await call('POST', 'apps', app);
    },
    setSettings: (settings) => call('PUT', 'settings', settings),
    tokenRequests: () => call('GET', 'requests'),
    clearTokenRequests: async () => {
      await call('DELETE', 'requests');
    },
  };
}

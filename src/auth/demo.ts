import { gatewayError } from '../errors.js';
import { principalFromJwt } from './passthrough.js';
import type { AuthProvider, AuthResult } from './types.js';

export interface DemoAuthOptions {
  /** Origin of the embedded emulator (its admin API mints tokens). */
  emulatorUrl: string;
  /** Used when a request does carry a token. */
  passthrough: AuthProvider;
  /** Renew the demo token this long before it expires. @default 60000 */
  renewBeforeMs?: number;
}

interface Minted {
  token: string;
  expires: number;
}

/**
 * Demo mode: a request without Authorization acts as the emulator's demo user (so GraphiQL works
 * with no login); a request with a token is passed through.
 */
export function createDemoAuth(options: DemoAuthOptions): AuthProvider {
  const { emulatorUrl, passthrough, renewBeforeMs = 60_000 } = options;
  let current: Promise<Minted> | undefined;

  async function mint(): Promise<Minted> {
    const response = await fetch(new URL('/_emulator/tokens', emulatorUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    if (!response.ok) throw gatewayError('UNAUTHENTICATED', `The demo emulator refused a demo token (${response.status}).`);
    const body = (await response.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string') throw gatewayError('UNAUTHENTICATED', 'The demo emulator returned no token.');
    const lifetimeMs = (typeof body.expires_in === 'number' ? body.expires_in : 3600) * 1000;
    return { token: body.access_token, expires: Date.now() + lifetimeMs };
  }

  async function demoToken(): Promise<string> {
    const minted = current ? await current.catch(() => undefined) : undefined;
    if (minted && minted.expires - renewBeforeMs > Date.now()) return minted.token;
    current = mint();
    return (await current).token;
  }

  return {
    async authenticate(request): Promise<AuthResult> {
      if (request.headers.has('authorization')) return passthrough.authenticate(request);
      const token = await demoToken();
      const principal = principalFromJwt(token);
      if (!principal) throw gatewayError('UNAUTHENTICATED', 'The demo token carries no tenant/user ids.');
      return { principal, getGraphToken: demoToken };
    },
  };
}

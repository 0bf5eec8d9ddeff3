import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

export interface MsalNetworkOptions {
  /**
   * The origins MSAL may call, each mapped to where the request really goes. MSAL accepts only
   * https authorities; an http login host on loopback (the emulator) is given to MSAL as https and
   * mapped back here. Anything else is refused: credentials go to the login host only.
   */
  routes: ReadonlyMap<string, string>;
  /** Per request. @default 10000 */
  timeoutMs?: number;
}

/** MSAL's `system.networkClient`: fetch restricted to the login host. */
export function createMsalNetworkClient(options: MsalNetworkOptions): INetworkModule {
  const { routes, timeoutMs = 10_000 } = options;

  async function send<T>(method: 'GET' | 'POST', url: string, request: NetworkRequestOptions | undefined, timeout?: number): Promise<NetworkResponse<T>> {
    const target = new URL(url);
    const origin = routes.get(target.origin);
    if (origin === undefined) throw new Error(`MSAL network client: ${target.origin} is not the configured login host; request refused.`);
    const response = await fetch(`${origin}${target.pathname}${target.search}`, {
      method,
      headers: request?.headers ?? {},
      ...(method === 'POST' ? { body: request?.body ?? '' } : {}),
      redirect: 'error',
      signal: AbortSignal.timeout(timeout ?? timeoutMs),
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? {} : JSON.parse(text);
    } catch {
      // MSAL reads error fields from the body; a proxy's HTML error page becomes an empty object.
      body = {};
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    return { status: response.status, headers, body: body as T };
  }

  return {
    sendGetRequestAsync: (url, request, timeout) => send('GET', url, request, timeout),
    sendPostRequestAsync: (url, request) => send('POST', url, request),
  };
}

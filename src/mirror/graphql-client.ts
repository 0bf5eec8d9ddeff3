import { createClient, type Client } from 'graphql-sse';

/** A GraphQL answer with errors; `code` is the contract's `extensions.code`. */
export class GraphQLFailure extends Error {
  readonly code: string | undefined;
  readonly retryAfter: number | undefined;
  constructor(errors: readonly { message: string; extensions?: Record<string, unknown> }[]) {
    super(errors.map((e) => e.message).join('; '));
    this.name = 'GraphQLFailure';
    const extensions = errors[0]?.extensions ?? {};
    this.code = typeof extensions['code'] === 'string' ? extensions['code'] : undefined;
    this.retryAfter = typeof extensions['retryAfter'] === 'number' ? extensions['retryAfter'] : undefined;
  }
}

export interface GatewayClientOptions {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql */
  url: string;
  /** Bearer token; none in demo mode. */
  token?: string | undefined;
  /** Told when a request waits (THROTTLED, or a retry after a network or upstream failure). */
  onWait?: (reason: string, ms: number) => void;
  /** Attempts for network and UPSTREAM_ERROR failures before giving up. @default 6 */
  attempts?: number;
}

export interface GatewayClient {
  /** POSTs one operation; THROTTLED waits `retryAfter` and asks again, transient failures retry with back-off. */
  query<T>(document: string, variables: Record<string, unknown>): Promise<T>;
  /** An SSE client (graphql-sse, distinct connections) for the `…Changed` subscriptions. */
  subscriptions(): Client;
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** The gateway's public GraphQL API over HTTP, as any client uses it. */
export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  const headers = (): Record<string, string> => (options.token ? { authorization: `Bearer ${options.token}` } : {});
  const attempts = options.attempts ?? 6;

  async function once<T>(document: string, variables: Record<string, unknown>): Promise<T> {
    const response = await fetch(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers() },
      body: JSON.stringify({ query: document, variables }),
    });
    const text = await response.text();
    let body: { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new Error(`the gateway answered ${response.status} without a GraphQL body`);
    }
    if (body.errors?.length) throw new GraphQLFailure(body.errors);
    return body.data as T;
  }

  return {
    async query<T>(document: string, variables: Record<string, unknown>): Promise<T> {
      for (let failures = 0; ; ) {
        try {
          return await once<T>(document, variables);
        } catch (error) {
          if (error instanceof GraphQLFailure && error.code === 'THROTTLED') {
            // Graph kept throttling beyond the gateway's retry budget: wait as told, then ask again.
            const ms = Math.max(1, error.retryAfter ?? 1) * 1000;
            options.onWait?.('THROTTLED', ms);
            await sleep(ms);
            continue;
          }
          const transient = !(error instanceof GraphQLFailure) || error.code === 'UPSTREAM_ERROR';
          if (!transient || ++failures >= attempts) throw error;
          const ms = Math.min(30_000, 250 * 2 ** failures);
          options.onWait?.(error instanceof GraphQLFailure ? 'UPSTREAM_ERROR' : `network (${(error as Error).message})`, ms);
          await sleep(ms);
        }
      }
    },
    subscriptions: () => createClient({ url: options.url, headers, retryAttempts: 0 }),
  };
}

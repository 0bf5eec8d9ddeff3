import type { Keyv } from 'keyv';
import { loadConfig } from '../../src/config/index.js';
import type { GatewayContext } from '../../src/schema/context.js';
import type { RequestLogEntry, RunningEmulator } from '../../src/emulator/index.js';
import { startGatewayServer } from '../../src/server/gateway-server.js';
import { createLogger } from '../../src/log.js';
import type { Pollers } from '../../src/poll/index.js';
import { TEST_CURSOR_SECRET } from './gateway.js';
import { eventStream, type EventStream } from './sse.js';
import { MESSAGES_PAGE, type BatchEdge, type MessagesPage } from '../fixtures/subscription-documents.js';

export const IMMUTABLE = 'IdType="ImmutableId"';

export interface SubscriptionGateway {
  /** Origin, e.g. http://127.0.0.1:40001 */
  url: string;
  graphqlUrl: string;
  /** ws://…/graphql */
  wsUrl: string;
  emulator: RunningEmulator;
  /** A token of the emulator's demo user. */
  token: string;
  /** This instance's pollers (introspection). */
  pollers: Pollers;
  /** A query over HTTP; fails the test on errors. */
  data<T = Record<string, any>>(document: string, variables?: Record<string, unknown>): Promise<T>;
  /** A subscription over SSE with the demo user's token (unless told otherwise). */
  subscribe<T = Record<string, any>>(document: string, variables?: Record<string, unknown>, token?: string | null): EventStream<T>;
  /** Open HTTP connections of the gateway's server. */
  connections(): Promise<number>;
  close(): Promise<void>;
}

export interface SubscriptionGatewayOptions {
  emulator: RunningEmulator;
  /** Extra environment (POLL_INTERVAL_MS defaults to 100 here). */
  env?: Record<string, string>;
  /** A store shared with another instance (not closed by `close`); default: a new one for STORE_URL. */
  store?: Keyv;
}

/**
 * A gateway as server.ts builds it (yoga + graphql-ws on one HTTP server), in front of an emulator
 * the test owns: several instances can share one emulator (restarts, scale-out).
 */
export async function startSubscriptionGateway(options: SubscriptionGatewayOptions): Promise<SubscriptionGateway> {
  const { emulator } = options;
  const config = loadConfig({
    PORT: '0',
    GRAPH_BASE_URL: emulator.url,
    CURSOR_SECRET: TEST_CURSOR_SECRET,
    GRAPH_RETRY_BUDGET_MS: '2000',
    POLL_INTERVAL_MS: '100',
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const logger = createLogger(config.log.level);
  const gateway = await startGatewayServer({ config, logger, store: options.store });
  const { url, port, server, yoga } = gateway;
  const token = await emulator.admin.token();
  // The services live in the GraphQL context: reach the pollers the way a resolver does.
  const context = (await yoga.getEnveloped({ request: new Request(`${url}/graphql`) }).contextFactory()) as unknown as GatewayContext;

  return {
    url,
    graphqlUrl: `${url}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    emulator,
    token,
    pollers: context.services.pollers,
    async data<T>(document: string, variables?: Record<string, unknown>) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: document, variables }),
      });
      const body = (await response.json()) as { data?: T; errors?: unknown[] };
      if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
      return body.data as T;
    },
    subscribe<T>(document: string, variables?: Record<string, unknown>, bearer: string | null = token) {
      return eventStream<T>(`${url}/graphql`, document, { token: bearer, ...(variables ? { variables } : {}) });
    },
    connections: () => new Promise<number>((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count)))),
    close: gateway.close,
  };
}

export type LinkKind = 'initial' | 'skip' | 'delta';

/** Which kind of delta request a logged Graph request was. */
export function linkKindOf(entry: RequestLogEntry): LinkKind {
  const names = Object.keys(entry.query).map((name) => name.toLowerCase());
  if (names.includes('$deltatoken')) return 'delta';
  if (names.includes('$skiptoken')) return 'skip';
  return 'initial';
}

/** Graph delta requests the emulator received whose path contains `pathContains` (admin routes excluded). */
export async function deltaRequests(emulator: RunningEmulator, pathContains: string): Promise<(RequestLogEntry & { kind: LinkKind })[]> {
  const all = await emulator.admin.requests();
  return all.filter((r) => !r.path.startsWith('/_emulator') && r.path.includes(pathContains) && r.path.endsWith('/delta')).map((r) => ({ ...r, kind: linkKindOf(r) }));
}

/** Polls `condition` until it holds (a guard against hanging, not a timing assertion). */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (await condition()) return;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Reads `messagesDelta` on the inbox to the end of its round; returns the edges and the round-end cursor. */
export async function readInbox(gw: Pick<SubscriptionGateway, 'data'>, after?: string) {
  const edges: BatchEdge[] = [];
  let cursor = after;
  for (let page = 0; page < 1000; page += 1) {
    const { messagesDelta } = await gw.data<MessagesPage>(MESSAGES_PAGE, { after: cursor, first: 200 });
    edges.push(...messagesDelta.edges);
    cursor = messagesDelta.pageInfo.endCursor;
    if (!messagesDelta.pageInfo.hasNextPage) return { edges, endCursor: cursor };
  }
  throw new Error('round did not end');
}

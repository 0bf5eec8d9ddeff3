import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Keyv } from 'keyv';
import { createAuth } from '../../src/auth/create-auth.js';
import { loadConfig } from '../../src/config.js';
import { createCursorCodec } from '../../src/cursor/index.js';
import { EMULATOR_CLIENT_ID } from '../../src/emulator/auth.js';
import { createIdentityAdmin, type IdentityAdmin } from '../../src/emulator/identity/client.js';
import { EMULATOR_CLIENT_SECRET, type TokenRequestLogEntry } from '../../src/emulator/identity/index.js';
import { DEMO_TENANT_ID, startEmulator, type RequestLogEntry, type RunningEmulator } from '../../src/emulator/index.js';
import { createGraphClient } from '../../src/graph/client.js';
import { createLogger } from '../../src/log.js';
import { createStore } from '../../src/store/index.js';
import { attachGraphqlWs } from '../../src/transport/graphql-ws.js';
import { createGateway } from '../../src/yoga.js';
import { TEST_CURSOR_SECRET, type GraphQLResult } from '../helpers/gateway.js';

export { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, DEMO_TENANT_ID };

export interface AuthGatewayOptions {
  emulator: RunningEmulator;
  mode: 'obo' | 'app';
  /** Extra or overriding environment (AUTH_MODE, GRAPH_BASE_URL, AUTH_AUTHORITY and the emulator's app are preset). */
  env?: Record<string, string | undefined>;
  /** Share one store object between instances (not closed by `close`). @default a new store for `STORE_URL` (memory:// unless set), as server.ts builds it */
  store?: Keyv;
}

export interface AuthGateway {
  url: string;
  /** ws://…/graphql (graphql-transport-ws, as server.ts attaches it). */
  wsUrl: string;
  /** Every log line (trace level) as JSON text. */
  logs: string[];
  /** Every response body the gateway sent, as text. */
  responses: string[];
  query<T = Record<string, any>>(document: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResult<T>>;
  close(): Promise<void>;
}

/** Starts a gateway in obo or app mode whose MSAL talks to the emulator's login routes (AUTH_AUTHORITY = the emulator). */
export async function startAuthGateway(options: AuthGatewayOptions): Promise<AuthGateway> {
  const { emulator, mode } = options;
  const env = Object.fromEntries(
    Object.entries({
      GRAPH_BASE_URL: emulator.url,
      AUTH_AUTHORITY: emulator.url,
      AUTH_MODE: mode,
      AUTH_CLIENT_ID: EMULATOR_CLIENT_ID,
      AUTH_TENANT_ID: DEMO_TENANT_ID,
      AUTH_CLIENT_SECRET: EMULATOR_CLIENT_SECRET,
      CURSOR_SECRET: TEST_CURSOR_SECRET,
      GRAPH_RETRY_BUDGET_MS: '2000',
      ...options.env,
    }).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const config = loadConfig(env);
  const logs: string[] = [];
  const responses: string[] = [];
  const logger = createLogger('trace', { destination: { write: (line: string) => void logs.push(line) } });
  const graph = createGraphClient({ graphOrigin: config.graph.origin, retryBudgetMs: config.graph.retryBudgetMs, logger });
  const store = options.store ?? createStore(config.store.url, { logger });
  const auth = createAuth({ config, graph, store, logger });
  const yoga = createGateway({ config, graph, cursors: createCursorCodec(config.cursor.secrets), store, auth, logger });
  const server: Server = createServer(yoga);
  const ws = attachGraphqlWs(server, yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    logs,
    responses,
    async query<T>(document: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: JSON.stringify({ query: document, variables }),
      });
      const text = await response.text();
      responses.push(text);
      return { status: response.status, ...(JSON.parse(text) as Omit<GraphQLResult<T>, 'status'>) };
    },
    close() {
      // Idempotent: tests close an instance early (a restart) and again in afterAll.
      closing ??= (async () => {
        await ws.close();
        await yoga.dispose();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await graph.close();
        if (!options.store) await store.disconnect();
      })();
      return closing;
    },
  };
}

/** Grant types in the emulator's token-request log. */
export const GRANT = { app: 'client_credentials', obo: 'urn:ietf:params:oauth:grant-type:jwt-bearer' } as const;

export interface AuthFixture {
  emulator: RunningEmulator;
  identity: IdentityAdmin;
  /** Graph requests the emulator received (admin routes excluded). */
  graphRequests(): Promise<RequestLogEntry[]>;
  /** The token endpoint's requests of one grant (`GRANT.app` or `GRANT.obo`). */
  grants(grantType: string): Promise<TokenRequestLogEntry[]>;
  /** Resolves once a subscription's poller has finished its initial round (a `$deltatoken` request was made). */
  deltaPolled(): Promise<void>;
  /** Between tests: 1-hour tokens, empty token-request and Graph-request logs. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startIdentityEmulator(): Promise<AuthFixture> {
  const emulator = await startEmulator({ seed: 'demo' });
  const identity = createIdentityAdmin(emulator.url);
  const graphRequests = async () => (await emulator.admin.requests()).filter((r) => !r.path.startsWith('/_emulator'));
  return {
    emulator,
    identity,
    graphRequests,
    grants: async (grantType) => (await identity.tokenRequests()).filter((r) => r.grantType === grantType),
    deltaPolled: () => until(async () => (await graphRequests()).some((r) => r.query['$deltatoken'] !== undefined), 'a delta poll'),
    async reset() {
      await identity.setSettings({ accessTokenLifetime: 3600 });
      await identity.clearTokenRequests();
      await emulator.admin.clearRequests();
    },
    close: () => emulator.close(),
  };
}

/** Polls `check` until it holds (a guard against hanging, not a timing assertion). */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Inbox page of `userId` (omit for /me). */
export const INBOX = `query Inbox($userId: ID, $after: String, $first: Int) {
  messagesDelta(userId: $userId, folderId: "inbox", first: $first, after: $after) {
    edges { node { id subject } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const JWT = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]+/;

/** Fails when any text holds a JWT or one of the secrets. */
export function expectNoSecrets(texts: readonly string[], secrets: readonly string[]): void {
  for (const text of texts) {
    const jwt = JWT.exec(text);
    if (jwt) throw new Error(`a JWT leaked: …${text.slice(Math.max(0, jwt.index - 80), jwt.index + 20)}…`);
    for (const secret of secrets) {
      if (text.includes(secret)) throw new Error(`a secret leaked: …${text.slice(Math.max(0, text.indexOf(secret) - 80), text.indexOf(secret))}[secret]…`);
    }
  }
}

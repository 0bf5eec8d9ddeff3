import { createHash } from 'node:crypto';
import type { Keyv } from 'keyv';
import { loadConfig } from '../../src/config/index.js';
import { EMULATOR_CLIENT_ID } from '../../src/emulator/identity/graph-auth.js';
import { createIdentityAdmin, type IdentityAdmin } from '../../src/emulator/identity/client.js';
import { EMULATOR_CLIENT_SECRET, type TokenRequestLogEntry } from '../../src/emulator/identity/index.js';
import { DEMO_TENANT_ID, startEmulator, type RequestLogEntry, type RunningEmulator } from '../../src/emulator/index.js';
import { startGatewayServer } from '../../src/server/gateway-server.js';
import { createLogger } from '../../src/log.js';
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
  const config = loadConfig({ PORT: '0', ...env });
  const logs: string[] = [];
  const responses: string[] = [];
  const logger = createLogger('trace', { destination: { write: (line: string) => void logs.push(line) } });
  const gateway = await startGatewayServer({ config, logger, store: options.store });
  const { url } = gateway;
  return {
    url,
    wsUrl: `ws://127.0.0.1:${gateway.port}/graphql`,
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
    // Idempotent: tests close an instance early (a restart) and again in afterAll.
    close: gateway.close,
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

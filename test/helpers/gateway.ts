import type { AuthProvider } from '../../src/auth/types.js';
import { loadConfig } from '../../src/config/index.js';
import { startEmulator, type EmulatorOptions, type RequestLogEntry, type RunningEmulator } from '../../src/emulator/index.js';
import { startGatewayServer } from '../../src/server/gateway-server.js';
import { createLogger } from '../../src/log.js';
import type { DestinationStream } from 'pino';

export interface GraphQLResult<T = Record<string, unknown>> {
  status: number;
  /** Response headers. */
  headers?: Headers;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface QueryOptions {
  /** Bearer token; `null` sends no Authorization header. @default the demo user's token */
  token?: string | null;
  /** Extra request headers (e.g. x-request-id, traceparent). */
  headers?: Record<string, string>;
}

export interface TestGateway {
  /** Origin of the gateway, e.g. http://127.0.0.1:40001 */
  url: string;
  /** `…/metrics` on METRICS_PORT, when the env sets METRICS_PORT. */
  metricsUrl: string | undefined;
  emulator: RunningEmulator;
  /** A token of the emulator's demo user. */
  token: string;
  query<T = Record<string, any>>(document: string, variables?: Record<string, unknown>, options?: QueryOptions): Promise<GraphQLResult<T>>;
  /** Like `query`, but fails the test on GraphQL errors and returns `data`. */
  data<T = Record<string, any>>(document: string, variables?: Record<string, unknown>, options?: QueryOptions): Promise<T>;
  /** Graph requests the emulator received (admin routes excluded). */
  graphRequests(): Promise<RequestLogEntry[]>;
  clearGraphRequests(): Promise<void>;
  close(): Promise<void>;
}

export interface StartGatewayOptions {
  emulator?: EmulatorOptions;
  /** Extra environment for loadConfig (GRAPH_BASE_URL and CURSOR_SECRET are set by the helper). */
  env?: Record<string, string>;
  /** Point the gateway at another Graph stand-in (e.g. a scripted peer) instead of the emulator. */
  graphBaseUrl?: string;
  /** Replace the auth provider (default: pass-through against the emulator). */
  auth?: (deps: { graphBaseUrl: string }) => AuthProvider;
  /** Where log lines go (pass LOG_LEVEL in `env` too). @default stdout */
  logDestination?: DestinationStream;
}

export const TEST_CURSOR_SECRET = 'test-cursor-secret-that-is-long-enough-0123456789';

/** Starts an emulator and a gateway in front of it, both on loopback ports chosen by the OS. */
export async function startGateway(options: StartGatewayOptions = {}): Promise<TestGateway> {
  const emulator = await startEmulator({ seed: 'demo', ...options.emulator });
  const config = loadConfig({
    PORT: '0',
    GRAPH_BASE_URL: options.graphBaseUrl ?? emulator.url,
    CURSOR_SECRET: TEST_CURSOR_SECRET,
    GRAPH_RETRY_BUDGET_MS: '2000',
    LOG_LEVEL: 'silent',
    // Tests count Graph requests exactly; the prefetch (one request ahead) has its own tests.
    GRAPH_PREFETCH: 'false',
    ...options.env,
  });
  const gateway = await startGatewayServer({
    config,
    logger: createLogger(config.log.level, options.logDestination ? { destination: options.logDestination } : {}),
    auth: options.auth?.({ graphBaseUrl: config.graph.baseUrl }),
  });
  const { url } = gateway;
  const token = await emulator.admin.token();

  async function query<T>(document: string, variables?: Record<string, unknown>, opts: QueryOptions = {}): Promise<GraphQLResult<T>> {
    const bearer = opts.token === undefined ? token : opts.token;
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }), ...opts.headers },
      body: JSON.stringify({ query: document, variables }),
    });
    const body = (await response.json()) as Omit<GraphQLResult<T>, 'status'>;
    return { status: response.status, headers: response.headers, ...body };
  }

  return {
    url,
    metricsUrl: gateway.metrics ? `${gateway.metrics.url}/metrics` : undefined,
    emulator,
    token,
    query,
    async data<T>(document: string, variables?: Record<string, unknown>, opts?: QueryOptions) {
      const result = await query<T>(document, variables, opts);
      if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
      return result.data as T;
    },
    graphRequests: async () => (await emulator.admin.requests()).filter((r) => !r.path.startsWith('/_emulator')),
    clearGraphRequests: () => emulator.admin.clearRequests(),
    async close() {
      await gateway.close();
      await emulator.close();
    },
  };
}

/** Splits a Prefer header (one or several, comma-joined) into its preferences. */
export function preferencesOf(entry: RequestLogEntry): string[] {
  const header = entry.headers['prefer'] ?? '';
  return header
    .split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

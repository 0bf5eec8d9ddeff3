import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Keyv } from 'keyv';
import type { Logger } from 'pino';
import { createAuth } from '../auth/create-auth.js';
import type { AuthProvider } from '../auth/types.js';
import type { Config } from '../config/index.js';
import { createCursorCodec } from '../cursor/index.js';
import { createGraphClient, type GraphClient } from '../graph/client.js';
import { createMailboxLimiter } from '../graph/mailbox-limiter.js';
import { createPollCoordinator } from '../poll/index.js';
import { createNotificationRoutes, createPushManager, type PushManager } from '../push/index.js';
import { createStore } from '../store/index.js';
import { startMetricsServer, type MetricsServer } from '../telemetry/metrics-server.js';
import { attachGraphqlWs } from './graphql-ws.js';
import { withDemoPage } from './demo-page.js';
import { createGateway, GRAPHQL_PATH } from './yoga.js';

export interface GatewayServerOptions {
  config: Config;
  logger: Logger;
  /** A store shared with another instance; it is not closed by `close()`. @default a new store for `config.store.url` */
  store?: Keyv;
  /** Demo mode: the embedded emulator that mints the demo user's tokens. */
  emulatorUrl?: string;
  /** Replaces the provider `config.authMode` selects (embedding, tests). */
  auth?: AuthProvider;
}

export interface GatewayServer {
  /** Origin the server listens on, e.g. http://127.0.0.1:4000 */
  url: string;
  port: number;
  server: Server;
  yoga: ReturnType<typeof createGateway>;
  graph: GraphClient;
  store: Keyv;
  /** `GET /metrics` on METRICS_PORT; undefined when METRICS_PORT is unset. */
  metrics: MetricsServer | undefined;
  /** Ends WebSocket clients, subscriptions and their pollers, then the server, the Graph pool and an owned store. */
  close(): Promise<void>;
}

/**
 * Builds the gateway from its config (store → Graph client → auth → yoga), serves it over HTTP with
 * graphql-ws on the same port and path, and listens on `config.host:config.port`.
 */
export async function startGatewayServer(options: GatewayServerOptions): Promise<GatewayServer> {
  const { config, logger } = options;
  const store = options.store ?? createStore(config.store.url, { logger });
  // Every Graph request (queries, pollers, token-free or not) holds a slot of its mailbox; shared through Redis when the store is.
  const limiter = createMailboxLimiter({
    limit: config.graph.mailboxConcurrency,
    redisUrl: /^rediss?:\/\//.test(config.store.url) ? config.store.url : undefined,
    logger,
  });
  const graph = createGraphClient({ graphOrigin: config.graph.origin, retryBudgetMs: config.graph.retryBudgetMs, logger, limiter });
  const auth = options.auth ?? createAuth({ config, graph, store, logger, emulatorUrl: options.emulatorUrl });
  const coordinator = createPollCoordinator(config.store.url, logger);
  const push: PushManager | undefined = config.push.notificationUrl
    ? createPushManager({ notificationUrl: config.push.notificationUrl, graphBaseUrl: config.graph.baseUrl, secrets: config.cursor.secrets, store, coordinator, logger })
    : undefined;
  const yoga = createGateway({ config, graph, cursors: createCursorCodec(config.cursor.secrets), store, auth, logger, coordinator, push });

  // Graph's notification routes come first: never through GraphQL, its auth or its body limit.
  const notifications = push ? createNotificationRoutes(push, logger) : undefined;
  const serveYoga = (req: IncomingMessage, res: ServerResponse) => {
    if (notifications?.(req, res)) return;
    void yoga(req, res);
  };
  // The live mailbox page (src/demo/): `/` and `/demo` in demo mode, `/demo` with DEMO_PAGE=true.
  const server = createServer(config.demoPage ? withDemoPage(serveYoga, { demo: config.demo, emulatorUrl: options.emulatorUrl, graphqlPath: GRAPHQL_PATH, logger }) : serveYoga);
  // Subscriptions over WebSocket (graphql-transport-ws) on the same port and path; SSE is yoga's own.
  const ws = attachGraphqlWs(server, yoga);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const metrics =
    config.metrics.port === undefined
      ? undefined
      : await startMetricsServer(config.host, config.metrics.port).catch(async (error: unknown) => {
          await new Promise((resolve) => server.close(resolve));
          throw error;
        });
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // Long-lived streams first (WebSocket clients, SSE subscriptions and their pollers), or the server never closes.
      await ws.close();
      await Promise.resolve(yoga.dispose()).catch((error: unknown) => logger.warn({ err: error }, 'stopping subscriptions failed'));
      // Streams ended by dispose() finish writing first; idle keep-alive sockets go at once; sockets of clients that
      // went away linger until yoga's next SSE ping, so those are cut after a short grace.
      await new Promise<void>((resolve) => {
        const sweep = setInterval(() => server.closeIdleConnections(), 20);
        const force = setTimeout(() => server.closeAllConnections(), 200);
        server.close(() => {
          clearInterval(sweep);
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      await metrics?.close();
      await graph.close().catch((error: unknown) => logger.warn({ err: error }, 'closing the Graph client failed'));
      await limiter.close();
      if (!options.store) await store.disconnect().catch((error: unknown) => logger.warn({ err: error }, 'closing the store failed'));
    })());

  return { url: `http://${host}:${port}`, port, server, yoga, graph, store, metrics, close };
}

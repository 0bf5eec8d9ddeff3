import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAuth } from './auth/create-auth.js';
import { ConfigError, describeConfig, loadConfig, loadDotEnv, withGraphBaseUrl, type Config } from './config.js';
import { createCursorCodec } from './cursor/index.js';
import { createGraphClient } from './graph/client.js';
import { createLogger } from './log.js';
import { createStore } from './store/index.js';
import { attachGraphqlWs } from './transport/graphql-ws.js';
import { createGateway, GRAPHQL_PATH } from './yoga.js';

async function main(): Promise<void> {
  loadDotEnv();
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.log.level);
  const closers: (() => Promise<unknown>)[] = [];

  let emulatorUrl: string | undefined;
  if (config.demo) {
    // Loaded only in demo mode: a real deployment never carries the emulator's code paths.
    const { startEmulator } = await import('./emulator/index.js');
    const emulator = await startEmulator({ port: 0, seed: 'demo' });
    closers.push(() => emulator.close());
    emulatorUrl = emulator.url;
    config = withGraphBaseUrl(config, emulator.url);
    logger.info({ url: emulator.url }, 'demo mode: embedded Graph emulator started');
  }

  const store = createStore(config.store.url, { logger });
  closers.push(() => store.disconnect());
  const graph = createGraphClient({ graphOrigin: config.graph.origin, retryBudgetMs: config.graph.retryBudgetMs, logger });
  closers.push(() => graph.close());
  const auth = createAuth({ config, graph, store, logger, emulatorUrl });
  const yoga = createGateway({ config, graph, cursors: createCursorCodec(config.cursor.secrets), store, auth, logger });

  const server = createServer(yoga);
  // Subscriptions over WebSocket (graphql-transport-ws) on the same port and path; SSE is yoga's own.
  const ws = attachGraphqlWs(server, yoga);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  logger.info({ config: describeConfig(config) }, 'delta-gateway listening');
  console.log(`delta-gateway: GraphiQL at http://${host}:${port}${GRAPHQL_PATH}${config.demo ? ' (demo mode: embedded emulator, no login needed)' : ''}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // Long-lived streams first (WebSocket clients, SSE subscriptions and their pollers), or the server never closes.
    await ws.close();
    await Promise.resolve(yoga.dispose()).catch((error: unknown) => logger.warn({ err: error }, 'stopping subscriptions failed'));
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    for (const close of closers.reverse()) await close().catch((error: unknown) => logger.warn({ err: error }, 'shutdown step failed'));
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`delta-gateway failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

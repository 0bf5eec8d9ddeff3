import { ConfigError, describeConfig, loadConfig, loadDotEnv, withGraphBaseUrl, type Config } from './config/index.js';
import { startGatewayServer } from './server/gateway-server.js';
import { createLogger } from './log.js';
import { GRAPHQL_PATH } from './server/yoga.js';
import { startTracing } from './telemetry/tracing.js';

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
  // Before anything makes a span; a no-op without OTEL_EXPORTER_OTLP_ENDPOINT. Flushed last on shutdown.
  const tracing = await startTracing(config.traces);
  closers.push(() => tracing.shutdown());

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

  const gateway = await startGatewayServer({ config, logger, emulatorUrl });
  logger.info({ config: describeConfig(config), url: gateway.url, metricsUrl: gateway.metrics ? `${gateway.metrics.url}/metrics` : undefined }, 'delta-gateway listening');
  logger.info({ graphiql: `${gateway.url}${GRAPHQL_PATH}` }, `GraphiQL at ${gateway.url}${GRAPHQL_PATH}${config.demo ? ' (demo mode: embedded emulator, no login needed)' : ''}`);
  if (config.demoPage) logger.info({ demoPage: `${gateway.url}${config.demo ? '/' : '/demo'}` }, `live mailbox page at ${gateway.url}${config.demo ? '/' : '/demo'}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await gateway.close();
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

import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, useReadinessCheck, type YogaServerInstance } from 'graphql-yoga';
import type { Keyv } from 'keyv';
import type { Logger } from 'pino';
import type { AuthProvider, AuthResult } from '../auth/types.js';
import type { Config } from '../config/index.js';
import type { GatewayContext, GatewayServices } from '../schema/context.js';
import type { CursorCodec } from '../cursor/index.js';
import { createDeltaEngine } from '../delta/engine.js';
import { createPrefetcher } from '../delta/prefetch.js';
import { MAX_FIRST } from '../delta/resources/query-options.js';
import type { GraphClient } from '../graph/client.js';
import { createGraphLoader } from '../graph/loader.js';
import { crashAt, createPollCoordinator, createPollers, type PollCoordinator } from '../poll/index.js';
import type { PollPush } from '../poll/push-link.js';
import { storeReadiness } from '../store/index.js';
import { usePollers } from './use-pollers.js';
import { schema } from '../schema/index.js';
import { useRequestBodyLimit } from './body-limit.js';
import { useCompiledExecution } from './jit.js';
import { createMaskError, isLoggedByMask, requestError, useRequestErrorCodes, useRequestParseErrors } from './errors.js';
import { notePrincipal, principalHasher } from '../telemetry/request-scope.js';
import { useTelemetry } from '../telemetry/yoga-plugin.js';

export interface GatewayDeps {
  config: Config;
  graph: GraphClient;
  cursors: CursorCodec;
  /** Keyv store (page stashes; later tokens, poll checkpoints, locks). */
  store: Keyv;
  auth: AuthProvider;
  logger: Logger;
  /** @default one for `config.store.url` */
  coordinator?: PollCoordinator;
  /** Change notifications (NOTIFICATION_URL set). */
  push?: PollPush | undefined;
}

export const GRAPHQL_PATH = '/graphql';
/** Readiness probe: 200 when the store (and with Redis the poll coordinator) is connected, else 503 with the reasons. */
export const READY_PATH = '/ready';

const DEFAULT_QUERY = `# The inbox, 10 messages a page. Run it, then pass pageInfo.endCursor as $after
# until hasNextPage is false; keep that last endCursor and run again later: you get
# only what changed since (removed items come with removed { reason }).
query Inbox($after: String) {
  messagesDelta(folderId: "inbox", first: 10, after: $after) {
    edges {
      removed { reason }
      node { id subject receivedDateTime isRead from { emailAddress { name address } } }
    }
    pageInfo { hasNextPage endCursor }
  }
}
`;

const ARMOR_REJECTION = {
  propagateOnRejection: false,
  onReject: [
    (_context: unknown, error: Error) => {
      throw requestError('GRAPHQL_VALIDATION_FAILED', error.message.replace(/^Syntax Error: /, ''));
    },
  ],
};

/** Builds the yoga instance (tests call `yoga.fetch`, or serve it on port 0). */
export function createGateway(deps: GatewayDeps): YogaServerInstance<Record<string, never>, GatewayContext> {
  const { config, logger } = deps;
  const engine = createDeltaEngine({ graph: deps.graph, store: deps.store, ...(config.read.prefetch ? { prefetch: createPrefetcher() } : {}) });
  const services: GatewayServices = {
    settings: {
      graphBaseUrl: config.graph.baseUrl,
      graphCalendarsVersion: config.graph.calendarsVersion,
      graphImmutableIds: config.graph.immutableIds,
      requireUserId: config.authMode === 'app',
    },
    cursors: deps.cursors,
    engine,
    pollers: createPollers({
      engine,
      cursors: deps.cursors,
      store: deps.store,
      intervalMs: config.poll.intervalMs,
      coordinator: deps.coordinator ?? createPollCoordinator(config.store.url, logger),
      push: deps.push,
      backstopMs: config.push.backstopMs,
      maxPollersPerPrincipal: config.poll.maxPollersPerPrincipal,
      maxSubscriptionsPerPrincipal: config.poll.maxSubscriptionsPerPrincipal,
      lockTtlMs: config.poll.lockTtlMs,
      logger,
      atStep: config.poll.crashAt ? crashAt(config.poll.crashAt) : undefined,
    }),
    logger,
  };
  return createYoga<Record<string, never>, GatewayContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    healthCheckEndpoint: '/health',
    // Replaced by useRequestBodyLimit below: the same limit and answers, without a counting stream per request.
    maxRequestBodySize: false,
    landingPage: false,
    context: ({ request }) => {
      let auth: Promise<AuthResult> | undefined;
      // A loader per operation: nothing it caches outlives the operation or reaches another principal.
      const graph = createGraphLoader({ graph: deps.graph, retryBudgetMs: config.graph.retryBudgetMs, logger });
      return { services, request, graph, owners: new WeakMap(), auth: () => (auth ??= deps.auth.authenticate(request).then(notePrincipal)) };
    },
    maskedErrors: { maskError: createMaskError(logger) },
    plugins: [
      // The compiled executor before telemetry: each sets the execute function, and telemetry must wrap
      // whichever one runs (graphql-ws operations get their request scope and span from that wrapper).
      ...(config.read.jit ? [useCompiledExecution()] : []),
      // Then: request id, trace context, the operation's span, metrics and access line around everything else.
      useTelemetry({ logger, hashPrincipal: principalHasher(config.cursor.secrets[0] ?? '') }),
      // Armor's defaults; a rejection is thrown as GRAPHQL_VALIDATION_FAILED (armor's own error carries no code and would be masked).
      // Its cost limit multiplies by a literal `first`: the budget is per item, so `first` up to 1000 fits.
      EnvelopArmorPlugin({
        costLimit: { maxCost: 5000 * MAX_FIRST, ...ARMOR_REJECTION },
        // One more than armor's 6: the Relay shape (edges → node) costs two levels before any entity field.
        maxDepth: { n: 7, flattenFragments: true, ...ARMOR_REJECTION },
        maxAliases: ARMOR_REJECTION,
        maxDirectives: ARMOR_REJECTION,
        maxTokens: ARMOR_REJECTION,
        blockFieldSuggestion: { enabled: true },
      }),
      useRequestErrorCodes(),
      // Readiness apart from liveness (/health): the store, and with Redis the poll coordinator, connected.
      useReadinessCheck({
        endpoint: READY_PATH,
        check: ({ fetchAPI }) => {
          const reasons = [storeReadiness(deps.store), services.pollers.readiness()].flatMap((r) => (r.ok ? [] : [r.reason]));
          return new fetchAPI.Response(JSON.stringify(reasons.length === 0 ? { ready: true } : { ready: false, reasons }), {
            status: reasons.length === 0 ? 200 : 503,
            headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
          });
        },
      }),
      usePollers(services.pollers),
      useRequestParseErrors(),
      // Last: it wraps whichever request parser the plugins before it chose.
      useRequestBodyLimit(),
    ],
    renderGraphiQL,
    graphiql: { defaultQuery: DEFAULT_QUERY, title: 'delta-gateway' },
    logging: {
      debug: (...args: unknown[]) => logger.debug(args.map(String).join(' ')),
      info: (...args: unknown[]) => logger.info(args.map(String).join(' ')),
      warn: (...args: unknown[]) => logger.warn(args.map(String).join(' ')),
      // An error createMaskError logged (with its errorId) is not logged again.
      error: (...args: unknown[]) => args.some(isLoggedByMask) || logger.error({ err: args.find((a) => a instanceof Error) }, args.filter((a) => !(a instanceof Error)).map(String).join(' ') || 'error'),
    },
  });
}

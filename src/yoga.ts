import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError } from 'graphql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Keyv } from 'keyv';
import type { Logger } from 'pino';
import type { AuthProvider, AuthResult } from './auth/types.js';
import type { Config } from './config.js';
import type { GatewayContext, GatewayServices } from './context.js';
import type { CursorCodec } from './cursor/index.js';
import { createDeltaEngine } from './delta/engine.js';
import { ERROR_CODES } from './errors.js';
import type { GraphClient } from './graph/client.js';
import { schema } from './schema/index.js';

export interface GatewayDeps {
  config: Config;
  graph: GraphClient;
  cursors: CursorCodec;
  /** Keyv store (page stashes; later tokens, poll checkpoints, locks). */
  store: Keyv;
  auth: AuthProvider;
  logger: Logger;
}

export const GRAPHQL_PATH = '/graphql';

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

const KNOWN_CODES = new Set<string>(ERROR_CODES);

/** Only the contract's errors reach a client; anything else becomes "Unexpected error." with no details. */
export function maskError(error: unknown, message: string): Error {
  if (error instanceof GraphQLError && typeof error.extensions.code === 'string' && KNOWN_CODES.has(error.extensions.code)) return error;
  return new GraphQLError(message);
}

/** Builds the yoga instance (tests call `yoga.fetch`, or serve it on port 0). */
export function createGateway(deps: GatewayDeps): YogaServerInstance<Record<string, never>, GatewayContext> {
  const { config, logger } = deps;
  const services: GatewayServices = {
    settings: {
      graphBaseUrl: config.graph.baseUrl,
      graphCalendarsVersion: config.graph.calendarsVersion,
      graphImmutableIds: config.graph.immutableIds,
    },
    cursors: deps.cursors,
    engine: createDeltaEngine({ graph: deps.graph, store: deps.store }),
    logger,
  };
  return createYoga<Record<string, never>, GatewayContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    healthCheckEndpoint: '/health',
    landingPage: false,
    context: ({ request }) => {
      let auth: Promise<AuthResult> | undefined;
      return { services, request, auth: () => (auth ??= deps.auth.authenticate(request)) };
    },
    maskedErrors: { maskError },
    plugins: [EnvelopArmorPlugin()],
    renderGraphiQL,
    graphiql: { defaultQuery: DEFAULT_QUERY, title: 'delta-gateway' },
    logging: {
      debug: (...args: unknown[]) => logger.debug(args.map(String).join(' ')),
      info: (...args: unknown[]) => logger.info(args.map(String).join(' ')),
      warn: (...args: unknown[]) => logger.warn(args.map(String).join(' ')),
      error: (...args: unknown[]) => logger.error({ err: args.find((a) => a instanceof Error) }, args.filter((a) => !(a instanceof Error)).map(String).join(' ') || 'error'),
    },
  });
}

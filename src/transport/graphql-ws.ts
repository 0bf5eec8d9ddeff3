import type { IncomingMessage, Server } from 'node:http';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';

export interface GraphqlWsOptions {
  /** Path of the WebSocket endpoint. @default the yoga instance's GraphQL endpoint (`/graphql`) */
  path?: string;
  /** Ping interval; a client that does not answer within it is dropped. @default 12000 */
  keepAliveMs?: number;
}

export interface GraphqlWsServer {
  /** Closes every socket (1001 Going away) and stops accepting new ones. */
  close(): Promise<void>;
}

type Envelope = ReturnType<YogaServerInstance<Record<string, unknown>, Record<string, unknown>>['getEnveloped']>;

/**
 * The `Authorization` a WebSocket client authenticates with: the upgrade request's header (Node
 * clients), else `authorization` in `connectionParams` (browsers cannot set headers on a WebSocket).
 */
function authorizationOf(upgrade: IncomingMessage, connectionParams: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (typeof upgrade.headers.authorization === 'string') return upgrade.headers.authorization;
  const param = connectionParams?.['authorization'] ?? connectionParams?.['Authorization'];
  return typeof param === 'string' ? param : undefined;
}

/**
 * Serves `graphql-transport-ws` on the HTTP server's GraphQL path, through the same yoga instance
 * (schema, context, auth, error masking, armor) as HTTP and SSE. Each operation gets a fetch
 * `Request` carrying the socket's Authorization, aborted when the socket closes.
 */
export function attachGraphqlWs(
  server: Server,
  // biome-ignore lint/suspicious/noExplicitAny: any yoga instance (its context types do not matter here)
  yoga: YogaServerInstance<any, any>,
  options: GraphqlWsOptions = {},
): GraphqlWsServer {
  const path = options.path ?? yoga.graphqlEndpoint;
  const wss = new WebSocketServer({ server, path });
  const disposable = useServer<Record<string, unknown>, { closed: AbortController }>(
    {
      execute: (args) => (args.rootValue as Envelope).execute(args),
      subscribe: (args) => (args.rootValue as Envelope).subscribe(args),
      onConnect: (ctx) => {
        const closed = new AbortController();
        ctx.extra.closed = closed;
        ctx.extra.socket.once('close', () => closed.abort());
      },
      onSubscribe: async (ctx, _id, payload) => {
        const headers = new Headers();
        const authorization = authorizationOf(ctx.extra.request, ctx.connectionParams);
        if (authorization !== undefined) headers.set('authorization', authorization);
        const request = new Request(`http://localhost${path}`, { method: 'POST', headers, ...(ctx.extra.closed ? { signal: ctx.extra.closed.signal } : {}) });
        const envelope = yoga.getEnveloped({ request, req: ctx.extra.request, socket: ctx.extra.socket, params: payload }) as Envelope;
        let document: ExecutionArgs['document'];
        try {
          document = envelope.parse(payload.query);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError('The query could not be parsed.')];
        }
        const errors = envelope.validate(envelope.schema, document);
        if (errors.length > 0) return errors;
        return {
          schema: envelope.schema,
          document,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
          contextValue: await envelope.contextFactory(),
          rootValue: { execute: envelope.execute, subscribe: envelope.subscribe },
        };
      },
    },
    wss,
    options.keepAliveMs,
  );
  return {
    async close() {
      await Promise.resolve(disposable.dispose()).catch(() => undefined);
    },
  };
}

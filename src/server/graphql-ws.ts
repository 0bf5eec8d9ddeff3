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
 * Credentials a client may send in `connectionParams` (browsers cannot set headers on a WebSocket),
 * by name (case-insensitive) and the header each stands for; the first one given wins.
 */
const CREDENTIAL_PARAMS: readonly (readonly [param: string, header: string])[] = [
  ['authorization', 'authorization'],
  ['x-api-key', 'x-api-key'],
  // The JavaScript-style spelling (`connectionParams: { apiKey }`) of X-API-Key.
  ['apikey', 'x-api-key'],
];
// Headers of the upgrade itself, meaningless for the operations run over the socket.
const UPGRADE_ONLY = new Set(['connection', 'upgrade', 'content-length', 'transfer-encoding', 'keep-alive']);

/**
 * The headers operations of this socket authenticate with: the upgrade request's (Node clients can
 * send `Authorization` there), else `authorization` / `x-api-key` (or `apiKey`) from `connectionParams`.
 */
function headersOf(upgrade: IncomingMessage, connectionParams: Readonly<Record<string, unknown>> | undefined): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(upgrade.headers)) {
    if (value === undefined || UPGRADE_ONLY.has(name) || name.startsWith('sec-websocket-')) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const params = Object.fromEntries(Object.entries(connectionParams ?? {}).map(([key, value]) => [key.toLowerCase(), value]));
  for (const [param, header] of CREDENTIAL_PARAMS) {
    const value = params[param];
    if (!headers.has(header) && typeof value === 'string') headers.set(header, value);
  }
  return headers;
}

/**
 * Serves `graphql-transport-ws` on the HTTP server's GraphQL path, through the same yoga instance
 * (schema, context, auth, error masking, armor) as HTTP and SSE. Each operation gets a fetch
 * `Request` carrying the socket's credentials, aborted when the socket closes.
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
        const headers = headersOf(ctx.extra.request, ctx.connectionParams);
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

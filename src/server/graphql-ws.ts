import type { IncomingMessage, Server } from 'node:http';
import type { ExecutionArgs, ExecutionResult, FormattedExecutionResult, GraphQLError, GraphQLFormattedError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer, type WebSocket } from 'ws';
import { requestError } from './errors.js';

export interface GraphqlWsOptions {
  /** Path of the WebSocket endpoint. @default the yoga instance's GraphQL endpoint (`/graphql`) */
  path?: string;
  /** Ping interval; a client that does not answer within it is dropped. @default 12000 */
  keepAliveMs?: number;
  /** Largest message accepted; a larger one closes the socket with 1009 (Message too big). @default 1 MiB */
  maxPayloadBytes?: number;
}

/** A subscription document is small (armor caps its tokens); 1 MiB leaves room for variables. */
export const MAX_WS_MESSAGE_BYTES = 1024 * 1024;

function isGraphQLErrorLike(error: unknown): error is GraphQLError {
  return error instanceof Error && error.name === 'GraphQLError';
}

/** As yoga's HTTP answers: without the internal `http` / `unexpected` extensions. */
function formatError(error: GraphQLError | GraphQLFormattedError): GraphQLFormattedError {
  const formatted: GraphQLFormattedError = isGraphQLErrorLike(error) ? error.toJSON() : error;
  if (!formatted.extensions || !('http' in formatted.extensions || 'unexpected' in formatted.extensions)) return formatted;
  const { http: _http, unexpected: _unexpected, ...extensions } = formatted.extensions;
  const { extensions: _, ...rest } = formatted;
  return Object.keys(extensions).length > 0 ? { ...rest, extensions } : rest;
}

function formatResult(result: ExecutionResult): FormattedExecutionResult | void {
  if (!result.errors?.length) return undefined;
  return { ...result, errors: result.errors.map(formatError) } as FormattedExecutionResult;
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

// Messages only a server sends: graphql-ws accepts their shape, then throws on them (an internal error, 4500).
const SERVER_ONLY_TYPE = /"type"\s*:\s*"(connection_ack|next|error)"/;

function serverOnlyTypeOf(data: unknown): string | undefined {
  const text = String(data);
  if (!SERVER_ONLY_TYPE.test(text)) return undefined;
  try {
    const type = (JSON.parse(text) as { type?: unknown } | null)?.type;
    return typeof type === 'string' && SERVER_ONLY_TYPE.test(`"type":"${type}"`) ? type : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Keeps a client's mistakes from reaching graphql-ws as internal errors (logged, 4500):
 * - a WebSocket protocol violation (a message over `maxPayload` → 1009, invalid UTF-8 → 1007, a bad
 *   opcode → 1002) is emitted as the socket's `error`, and ws closes the socket with that code
 *   itself: such errors (ws's `WS_ERR_*` codes) do not reach graphql-ws's listener;
 * - a message of a type only servers send closes the socket with 4400, as any other message the
 *   protocol does not allow from a client.
 */
function guardSocket(socket: WebSocket): void {
  const once = socket.once.bind(socket);
  socket.once = ((event: string, listener: (...args: unknown[]) => void) =>
    once(event, event !== 'error' ? listener : (error: unknown) => {
      const code = (error as { code?: unknown } | null)?.code;
      if (!(typeof code === 'string' && code.startsWith('WS_ERR_'))) listener(error);
    })) as WebSocket['once'];
  const on = socket.on.bind(socket);
  socket.on = ((event: string, listener: (...args: unknown[]) => void) =>
    on(event, event !== 'message' ? listener : (data: unknown, ...rest: unknown[]) => {
      const type = serverOnlyTypeOf(data);
      if (type === undefined) listener(data, ...rest);
      else socket.close(4400, `Unexpected message of type ${type}`);
    })) as WebSocket['on'];
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
  const wss = new WebSocketServer({ server, path, maxPayload: options.maxPayloadBytes ?? MAX_WS_MESSAGE_BYTES });
  // Before useServer's listener, so that it sees the filtered `once`.
  wss.on('connection', guardSocket);
  const disposable = useServer<Record<string, unknown>, { closed: AbortController }>(
    {
      execute: (args) => (args.rootValue as Envelope).execute(args),
      subscribe: (args) => (args.rootValue as Envelope).subscribe(args),
      onError: (_ctx, _id, _payload, errors) => errors.map(formatError),
      onNext: (_ctx, _id, _payload, _args, result) => formatResult(result),
      onConnect: (ctx) => {
        const closed = new AbortController();
        ctx.extra.closed = closed;
        ctx.extra.socket.once('close', () => closed.abort());
      },
      onSubscribe: async (ctx, _id, payload) => {
        const headers = headersOf(ctx.extra.request, ctx.connectionParams);
        const request = new Request(`http://localhost${path}`, { method: 'POST', headers, ...(ctx.extra.closed ? { signal: ctx.extra.closed.signal } : {}) });
        const envelope = yoga.getEnveloped({ request, req: ctx.extra.request, socket: ctx.extra.socket, params: payload }) as Envelope;
        // Parse and validation (armor's limits included) throw request errors: answered as `error`, never 4500.
        let document: ExecutionArgs['document'];
        try {
          document = envelope.parse(payload.query);
        } catch (error) {
          return [isGraphQLErrorLike(error) ? error : requestError('GRAPHQL_PARSE_FAILED', 'The query could not be parsed.')];
        }
        let errors: readonly GraphQLError[];
        try {
          errors = envelope.validate(envelope.schema, document);
        } catch (error) {
          if (!isGraphQLErrorLike(error)) throw error;
          errors = [error];
        }
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

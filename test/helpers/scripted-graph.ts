import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A stand-in peer for precise retry scenarios: answers each request with the next step of a
 * programmed script and records what it received. The thing under test is the client, not this.
 */
export type ScriptStep =
  | {
      status: number;
      headers?: Record<string, string>;
      /** Sent as JSON (content-type application/json). */
      json?: unknown;
      /** Sent as is (no content-type unless given in headers). */
      raw?: string | Buffer;
    }
  /** Never answer (for timeouts and aborts). */
  | { hang: true }
  /** Cut the connection without an answer. */
  | { destroy: true };

export interface RecordedRequest {
  method: string;
  /** Path and query as received. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Client port of the connection, to tell connections apart. */
  remotePort: number | undefined;
}

export interface ScriptedGraph {
  /** e.g. http://127.0.0.1:40123 */
  origin: string;
  port: number;
  requests: RecordedRequest[];
  /** Appends steps to the script. */
  push(...steps: ScriptStep[]): void;
  /** Resolves once at least `count` requests have arrived. */
  waitForRequests(count: number): Promise<void>;
  close(): Promise<void>;
}

/** A Graph-shaped error body. */
export function graphError(code: string, message = 'error', requestId?: string): unknown {
  return { error: { code, message, innerError: { date: new Date().toISOString(), ...(requestId ? { 'request-id': requestId } : {}) } } };
}

export async function startScriptedGraph(script: ScriptStep[] = []): Promise<ScriptedGraph> {
  const steps = [...script];
  const requests: RecordedRequest[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, remotePort: req.socket.remotePort });
    for (const w of waiters.filter((w) => requests.length >= w.count)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
    req.resume();
    const step = steps.shift() ?? {
      status: 599,
      json: { error: { code: 'ScriptExhausted', message: `no step for request ${requests.length}` } },
    };
    if ('hang' in step) {
      hanging.add(res);
      return;
    }
    if ('destroy' in step) {
      req.socket.destroy();
      return;
    }
    const headers: Record<string, string> = { 'request-id': `scripted-${requests.length}`, ...step.headers };
    let body: string | Buffer = '';
    if (step.json !== undefined) {
      headers['content-type'] ??= 'application/json;odata.metadata=minimal;odata.streaming=true;charset=utf-8';
      body = JSON.stringify(step.json);
    } else if (step.raw !== undefined) {
      body = step.raw;
    }
    res.writeHead(step.status, headers);
    res.end(body);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    push: (...more) => steps.push(...more),
    waitForRequests: (count) =>
      requests.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        hanging.clear();
        server.close(() => resolve());
      }),
  };
}

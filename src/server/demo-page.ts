import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';

/**
 * The live mailbox page (src/demo/): static files plus graphql-sse's browser build, and in demo mode a
 * "simulate" route that changes the embedded emulator's mailbox through its admin API. The page itself
 * uses only the public GraphQL endpoint, like any client.
 */
export interface DemoPageOptions {
  /** Demo mode: the page is also served at `/`, and the simulate route exists. */
  demo: boolean;
  /** Origin of the embedded emulator (demo mode); without it there is no simulate route. */
  emulatorUrl?: string | undefined;
  graphqlPath: string;
  logger: Logger;
}

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

const DEMO_DIR = resolve(import.meta.dirname, '../demo');
const require = createRequire(import.meta.url);
const GRAPHQL_SSE = join(dirname(require.resolve('graphql-sse/package.json')), 'umd/graphql-sse.min.js');

const ASSETS: Record<string, { file: string; type: string }> = {
  '/demo/app.js': { file: join(DEMO_DIR, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/demo/style.css': { file: join(DEMO_DIR, 'style.css'), type: 'text/css; charset=utf-8' },
  '/demo/graphql-sse.js': { file: GRAPHQL_SSE, type: 'text/javascript; charset=utf-8' },
};
const INDEX = { file: join(DEMO_DIR, 'index.html'), type: 'text/html; charset=utf-8' };

// Everything from this origin, nothing from anywhere else.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

const MAX_BODY = 16 * 1024;

/** Serves the page's routes, handing every other request to `next` (yoga). */
export function withDemoPage(next: NodeHandler, options: DemoPageOptions): NodeHandler {
  const cache = new Map<string, Buffer>();
  const read = (file: string) => {
    let body = cache.get(file);
    if (!body) cache.set(file, (body = readFileSync(file)));
    return body;
  };
  const simulate = options.demo && options.emulatorUrl ? createSimulator(options.emulatorUrl) : undefined;
  const settings = JSON.stringify({ demo: options.demo, simulate: simulate !== undefined, graphqlPath: options.graphqlPath });

  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    const asset = path === '/demo' || path === '/demo/' || (options.demo && path === '/') ? INDEX : ASSETS[path];
    if (asset && (method === 'GET' || method === 'HEAD')) {
      const body = read(asset.file);
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': asset.type, 'content-length': body.length });
      res.end(method === 'HEAD' ? undefined : body);
      return;
    }
    if (path === '/demo/settings.json' && method === 'GET') {
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'application/json' });
      res.end(settings);
      return;
    }
    if (path === '/demo/simulate' && simulate) {
      if (method !== 'POST') return answer(res, 405, { error: 'POST only' });
      // JSON only: a cross-site form cannot send it without a CORS preflight, which this route never grants.
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return answer(res, 415, { error: 'expected content-type: application/json' });
      void readJson(req)
        .then((body) => simulate(body))
        .then(
          () => answer(res, 202, { accepted: true }),
          (error: unknown) => {
            const status = error instanceof SimulateError ? error.status : 502;
            if (status >= 500) options.logger.warn({ err: error }, 'demo simulate failed');
            answer(res, status, { error: error instanceof SimulateError ? error.message : 'the emulator refused the change' });
          },
        );
      return;
    }
    next(req, res);
  };
}

class SimulateError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new SimulateError(413, 'body too large');
    chunks.push(chunk);
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new SimulateError(400, 'expected a JSON object');
}

const SENDERS = [
  ['Alex Wilber', 'alexw@contoso.example'],
  ['Diego Siciliani', 'diegos@contoso.example'],
  ['Isaiah Langer', 'isaiahl@contoso.example'],
  ['Lynne Robbins', 'lynner@contoso.example'],
] as const;
const SUBJECTS = ['Quarterly numbers', 'Lunch on Friday?', 'Build is green again', 'Your parcel is on its way', 'Draft agenda for the offsite', 'Re: contract renewal'];
const FOLDERS = new Set(['inbox', 'sentitems', 'drafts', 'deleteditems', 'archive']);

function idOf(body: Record<string, unknown>, key: string): string {
  const value = body[key];
  if (typeof value !== 'string' || value === '' || value.length > 512 || /[\u0000-\u001f]/.test(value)) throw new SimulateError(400, `'${key}' must be an id`);
  return encodeURIComponent(value);
}

/** The simulate actions: each one admin call to the emulator; what it changed reaches the page through its subscription. */
function createSimulator(emulatorUrl: string): (body: Record<string, unknown>) => Promise<void> {
  let user: Promise<string> | undefined;
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(new URL(`/_emulator/${path}`, emulatorUrl), {
      method,
      // Immutable ids, as the gateway asks Graph for by default: the ids the page shows work here too.
      headers: { prefer: 'IdType="ImmutableId"', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (response.status === 404) throw new SimulateError(404, 'no such item (already gone?)');
    if (!response.ok) throw new Error(`emulator admin ${method} answered ${response.status}: ${text.slice(0, 200)}`);
    return text === '' ? undefined : JSON.parse(text);
  };
  const me = async () => {
    user ??= call('GET', 'users').then((body) => {
      const id = (body as { value?: { id?: string }[] }).value?.[0]?.id;
      if (!id) throw new Error('the emulator has no users');
      return encodeURIComponent(id);
    });
    return `users/${await user.catch((error: unknown) => ((user = undefined), Promise.reject(error)))}`;
  };
  const pick = <T>(values: readonly T[]): T => values[Math.floor(Math.random() * values.length)] as T;

  return async (body) => {
    const base = await me();
    switch (body['action']) {
      case 'newMail': {
        const folder = typeof body['folderId'] === 'string' && body['folderId'] !== '' ? idOf(body, 'folderId') : 'inbox';
        const [name, address] = pick(SENDERS);
        await call('POST', `${base}/mailFolders/${folder}/messages`, {
          subject: `${pick(SUBJECTS)} (${new Date().toISOString().slice(11, 19)})`,
          from: { emailAddress: { name, address } },
          body: { contentType: 'text', content: `Sent by the demo page's simulate bar at ${new Date().toISOString()}.` },
          isRead: false,
        });
        return;
      }
      case 'markRead':
        await call('PATCH', `${base}/messages/${idOf(body, 'id')}`, { isRead: body['isRead'] !== false });
        return;
      case 'move': {
        const destination = body['destinationId'];
        if (typeof destination !== 'string' || !FOLDERS.has(destination)) throw new SimulateError(400, `'destinationId' must be one of ${[...FOLDERS].join(', ')}`);
        await call('POST', `${base}/messages/${idOf(body, 'id')}/move`, { destinationId: destination });
        return;
      }
      case 'delete':
        await call('DELETE', `${base}/messages/${idOf(body, 'id')}`);
        return;
      case 'newMeeting': {
        // Today, at the next full hour (UTC), half an hour long: it lands in the page's "today" window.
        const start = new Date();
        start.setUTCMinutes(0, 0, 0);
        start.setUTCHours(Math.min(start.getUTCHours() + 1, 23));
        const end = new Date(start.getTime() + 30 * 60_000);
        const utc = (d: Date) => d.toISOString().slice(0, 19);
        await call('POST', `${base}/events`, {
          subject: `${pick(['Sync', 'Design review', 'Coffee', '1:1'])} with ${pick(SENDERS)[0]}`,
          start: { dateTime: utc(start), timeZone: 'UTC' },
          end: { dateTime: utc(end), timeZone: 'UTC' },
        });
        return;
      }
      default:
        throw new SimulateError(400, "'action' must be newMail, markRead, move, delete or newMeeting");
    }
  };
}

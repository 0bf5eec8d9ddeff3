import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPost {
  path: string;
  validationToken: string | null;
  contentType: string;
  body: string;
}

export interface NotificationReceiver {
  /** http://127.0.0.1:port */
  url: string;
  posts: ReceivedPost[];
  /** How validation requests are answered: echo (correct), wrong body, html content type, or never. */
  mode: 'echo' | 'wrong' | 'html' | 'silent';
  /** Notification bodies' `value` items received so far. */
  items(): Record<string, unknown>[];
  close(): Promise<void>;
}

/** A stand-in notification endpoint (what the gateway serves), to test the emulator's side alone. */
export async function startReceiver(): Promise<NotificationReceiver> {
  const posts: ReceivedPost[] = [];
  const receiver: NotificationReceiver = {
    url: '',
    posts,
    mode: 'echo',
    items: () => posts.filter((p) => p.validationToken === null).flatMap((p) => (JSON.parse(p.body) as { value: Record<string, unknown>[] }).value),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const token = url.searchParams.get('validationToken');
      posts.push({ path: url.pathname, validationToken: token, contentType: req.headers['content-type'] ?? '', body: Buffer.concat(chunks).toString('utf8') });
      if (token === null) return void res.writeHead(202).end();
      if (receiver.mode === 'silent') return;
      if (receiver.mode === 'html') return void res.writeHead(200, { 'content-type': 'text/html' }).end(token);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(receiver.mode === 'wrong' ? encodeURIComponent(token) : token);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { metrics } from '../telemetry/metrics.js';
import type { NotificationItem, PushManager } from './push-manager.js';

export const NOTIFICATIONS_PATH = '/notifications';
export const LIFECYCLE_PATH = '/notifications/lifecycle';

/** Graph batches notifications; a POST of a few hundred items stays far below this. */
export const MAX_NOTIFICATION_BODY_BYTES = 256 * 1024;
/** Graph's tokens are ~100 characters; anything much longer is not Graph's. */
export const MAX_VALIDATION_TOKEN_LENGTH = 1024;
const MAX_ITEMS = 1000;

const PLAIN = { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };

function answer(res: ServerResponse, status: number, body = '', headers: Record<string, string> = {}) {
  if (res.headersSent) return;
  res.writeHead(status, { ...PLAIN, 'content-length': String(Buffer.byteLength(body)), ...headers }).end(body);
}

/** Reads at most `limit` bytes; undefined when the body is larger (the rest is not read). */
function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve(undefined));
  });
}

function itemsOf(body: Buffer): NotificationItem[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  const value = (parsed as { value?: unknown } | null)?.value;
  if (!Array.isArray(value)) return undefined;
  return value.slice(0, MAX_ITEMS).filter((item): item is NotificationItem => item !== null && typeof item === 'object' && !Array.isArray(item));
}

/**
 * `POST /notifications` and `POST /notifications/lifecycle` (CONTRACT §8), outside GraphQL and its
 * auth: the validation echo, else 202 at once (never waiting for a poll) and the items checked after.
 * Bodies are never logged. Returns false for any other path.
 */
export function createNotificationRoutes(push: PushManager, logger: Pick<Logger, 'debug'>) {
  return function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path !== NOTIFICATIONS_PATH && path !== LIFECYCLE_PATH) return false;
    const lifecycle = path === LIFECYCLE_PATH;
    if (req.method !== 'POST') {
      answer(res, 405, '', { allow: 'POST' });
      req.resume();
      return true;
    }
    const token = q < 0 ? null : new URLSearchParams(url.slice(q + 1)).get('validationToken');
    if (token !== null) {
      // Graph's handshake: the decoded token, as plain text, and nothing else happens.
      req.resume();
      const ok = token.length > 0 && token.length <= MAX_VALIDATION_TOKEN_LENGTH;
      metrics.notifications.inc({ kind: 'validation', accepted: String(ok) });
      answer(res, ok ? 200 : 400, ok ? token : '');
      return true;
    }
    void readLimited(req, MAX_NOTIFICATION_BODY_BYTES).then((body) => {
      if (body === undefined) {
        metrics.notifications.inc({ kind: lifecycle ? 'lifecycle' : 'change', accepted: 'false' });
        answer(res, 413, '', { connection: 'close' });
        return;
      }
      // Acknowledged before anything is checked: Graph gives 3 s, and a forger learns nothing.
      answer(res, 202);
      const items = itemsOf(body);
      if (items === undefined || items.length === 0) {
        metrics.notifications.inc({ kind: lifecycle ? 'lifecycle' : 'change', accepted: 'false' });
        return;
      }
      void push.accept(items).then(
        ({ accepted, rejected }) => {
          const kind = lifecycle || items.some((i) => i['lifecycleEvent'] !== undefined) ? 'lifecycle' : 'change';
          if (accepted > 0) metrics.notifications.inc({ kind, accepted: 'true' }, accepted);
          if (rejected > 0) metrics.notifications.inc({ kind, accepted: 'false' }, rejected);
          if (rejected > 0) logger.debug({ accepted, rejected }, 'push: notifications ignored (unknown subscription or clientState)');
        },
        () => undefined,
      );
    });
    return true;
  };
}

import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { Pool, type Dispatcher } from 'undici';
import { GraphRequestError, readGraphErrorBody, toGatewayError, type GraphErrorBody, type GraphRequestErrorDetails, type LocalFailureCode } from './errors.js';
import { redactUrl, scrubText } from './redact.js';
import { backoffDelay, defaultSleep, isRetryableStatus, parseRetryAfter } from './retry.js';
import { mailboxOf, type MailboxLimiter } from './mailbox-limiter.js';
import { countGraphRetry, traceGraphAttempt, type GraphAttemptOutcome } from '../telemetry/graph.js';

export interface GraphClientOptions {
  /**
   * Origin of Microsoft Graph (scheme, host, port; any path is ignored), e.g. `https://graph.microsoft.com`.
   * The only origin that ever receives a token: a URL with any other origin (another host, http
   * instead of https, another port) fails with `UPSTREAM_ERROR` before any request is made.
   */
  graphOrigin: string;
  /**
   * Total time one `get()` may spend on 429/503/504/timeouts/connection errors: waits plus the time of
   * the failed requests. When the next wait would not fit into what is left, retrying stops at once.
   */
  retryBudgetMs: number;
  /** Time for one request, answer body included; a timeout is retried like a 504. @default 30000 */
  requestTimeoutMs?: number;
  /** Keep-alive connections to Graph, shared by all mailboxes (the limit per mailbox is `limiter`'s). No pipelining. @default 128 */
  connections?: number;
  /** Requests are logged at debug (redacted URL, status, duration, attempt), give-ups at warn. Never a token. */
  logger?: Pick<Logger, 'debug' | 'warn'>;
  /** Largest answer body read; a larger one is `UPSTREAM_ERROR`. @default 52428800 (50 MiB) */
  maxBodyBytes?: number;
  /** Most retries of one `get()`, whatever the budget still allows (guards against `Retry-After: 0` loops). @default 10 */
  maxRetries?: number;
  /**
   * For tests only: how to wait between attempts. Must reject when `signal` aborts. The budget
   * counts the requested `ms`, not the time the call took, so an instant fake keeps the accounting.
   * @default real timers (`node:timers/promises`)
   */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** For tests only: source of back-off jitter in [0, 1). @default Math.random */
  random?: () => number;
  /**
   * Per-mailbox limit on requests in flight (CONTRACT §7): each attempt holds its mailbox slots
   * while it is on the wire; the wait counts against the retry budget. @default no limit
   */
  limiter?: MailboxLimiter;
}

export interface GraphGetRequest {
  /** Absolute URL: a resource's first delta URL or a nextLink/deltaLink from Graph. */
  url: string;
  /** Graph access token (sent as `Authorization: Bearer …`, only to `graphOrigin`). */
  token: string;
  /** Preferences such as `odata.maxpagesize=50`, `IdType="ImmutableId"`; sent as one `Prefer` header. */
  prefer?: readonly string[];
  /** Aborts the request and any wait between retries (then `UPSTREAM_ERROR`). */
  signal?: AbortSignal;
  /** Mailbox slots the request occupies (a `$batch`: its inner requests per mailbox). @default the URL's mailbox, one slot */
  slots?: ReadonlyMap<string, number>;
}

export interface GraphPostRequest extends GraphGetRequest {
  /** JSON body (sent with `Content-Type: application/json`). */
  body: unknown;
}

export interface GraphResponse<T> {
  status: number;
  body: T;
  /** Graph's `request-id` header. */
  requestId: string | undefined;
  /** Response headers, lower-case names, repeated ones joined with ", ". */
  headers: Record<string, string>;
}

export interface GraphClient {
  /**
   * GET a Graph URL. Throws `gatewayError`s (the contract's codes), with a {@link GraphRequestError} as
   * `originalError`; a URL whose path normalisation changes is a gateway bug: {@link GraphPathChangedError} (masked).
   */
  get<T = unknown>(request: GraphGetRequest): Promise<GraphResponse<T>>;
  /** POST a JSON body (`$batch`), with the same origin check, retries and error mapping as `get`. */
  post<T = unknown>(request: GraphPostRequest): Promise<GraphResponse<T>>;
  /** Closes the connection pool after in-flight requests finish; later `get()`s fail. */
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
// Enough for many mailboxes at once: the per-mailbox limit is the MailboxLimiter's job, not the pool's.
const DEFAULT_CONNECTIONS = 128;
const DEFAULT_MAX_BODY_BYTES = 50 * 1024 * 1024;
const DEFAULT_MAX_RETRIES = 10;
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

type AttemptResult =
  | { ok: true; response: GraphResponse<unknown> }
  | { ok: false; retryable: boolean; retryAfterMs: number | undefined; details: GraphRequestErrorDetails; message: string };

class BodyTooLargeError extends Error {}

export function createGraphClient(options: GraphClientOptions): GraphClient {
  const origin = new URL(options.graphOrigin).origin;
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  const budgetMs = Math.max(0, options.retryBudgetMs);
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const logger = options.logger;

  const pool = new Pool(origin, {
    connections: options.connections ?? DEFAULT_CONNECTIONS,
    pipelining: 1,
    // Our own timer covers headers and body; undici's are only a backstop.
    headersTimeout: timeoutMs + 1_000,
    bodyTimeout: timeoutMs + 1_000,
  });
  let closing: Promise<void> | undefined;

  async function attemptOnce(
    method: 'GET' | 'POST',
    body: string | undefined,
    path: string,
    headers: Record<string, string>,
    safeUrl: string,
    token: string,
    attempt: number,
    signal: AbortSignal | undefined,
  ): Promise<AttemptResult> {
    const started = performance.now();
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('Graph request timed out'));
    }, timeoutMs);
    const onAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const base = { url: safeUrl, method, attempts: attempt };
    const log = (fields: Record<string, unknown>): void =>
      logger?.debug(
        { method, url: safeUrl, attempt, durationMs: Math.round(performance.now() - started), clientRequestId: headers['client-request-id'], ...fields },
        'graph request',
      );

    try {
      const res = await pool.request({ path, method, headers, signal: controller.signal, ...(body === undefined ? {} : { body }) });
      const status = res.statusCode;
      const resHeaders = flattenHeaders(res.headers);
      let requestId = resHeaders['request-id'] || undefined;
      let raw: Buffer | undefined;
      try {
        raw = await readBody(res.body, maxBodyBytes, resHeaders['content-length']);
      } catch (error) {
        if (!(error instanceof BodyTooLargeError)) throw error;
      }
      log({ status, graphRequestId: requestId });

      if (status >= 200 && status < 300) {
        const body = raw === undefined ? undefined : parseJson(raw, resHeaders['content-type']);
        if (body === undefined) {
          const code: LocalFailureCode = raw === undefined ? 'ResponseTooLarge' : 'InvalidResponseBody';
          return fail(false, undefined, `${method} ${safeUrl} → ${status} with an unreadable body`, { ...base, status, code, requestId });
        }
        return { ok: true, response: { status, body: body.value, requestId, headers: resHeaders } };
      }

      const graphError = raw === undefined ? undefined : readGraphError(raw);
      requestId ??= graphError?.requestId;
      const graphMessage = graphError?.message === undefined ? undefined : scrubText(graphError.message, [token]);
      const retryable = isRetryableStatus(status);
      const retryAfterMs = retryable ? parseRetryAfter(resHeaders['retry-after']) : undefined;
      const code = graphError?.code;
      return fail(retryable, retryAfterMs, `${method} ${safeUrl} → ${status}${code ? ` ${code}` : ''}`, {
        ...base,
        status,
        code,
        graphMessage,
        requestId,
      });
    } catch (error) {
      if (signal?.aborted) {
        log({ error: 'Aborted' });
        return fail(false, undefined, `${method} ${safeUrl} cancelled`, { ...base, code: 'Aborted' });
      }
      const errCode = (error as { code?: unknown } | null)?.code;
      if (timedOut || (typeof errCode === 'string' && TIMEOUT_CODES.has(errCode))) {
        log({ error: 'Timeout' });
        return fail(true, undefined, `${method} ${safeUrl} timed out after ${timeoutMs} ms`, { ...base, code: 'Timeout' });
      }
      if (closing) {
        return fail(false, undefined, `${method} ${safeUrl}: client closed`, { ...base, code: 'ClientClosed' });
      }
      const name = typeof errCode === 'string' ? errCode : error instanceof Error ? error.name : 'unknown';
      log({ error: name });
      // The cause stays internal; undici's connection errors name host and port, never headers.
      return fail(true, undefined, `${method} ${safeUrl} failed: ${name}`, { ...base, code: 'NetworkError', cause: error });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  function get<T>(request: GraphGetRequest): Promise<GraphResponse<T>> {
    return send<T>('GET', request, undefined);
  }

  function post<T>(request: GraphPostRequest): Promise<GraphResponse<T>> {
    return send<T>('POST', request, JSON.stringify(request.body));
  }

  async function send<T>(method: 'GET' | 'POST', request: GraphGetRequest, body: string | undefined): Promise<GraphResponse<T>> {
    const { token, signal } = request;
    const safeUrl = redactUrl(request.url);
    const refuse = (code: LocalFailureCode, message: string): GraphQLError =>
      toGatewayError(new GraphRequestError(message, { code, url: safeUrl, method, attempts: 0 }));

    if (closing) throw refuse('ClientClosed', 'Graph client is closed');
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      throw refuse('InvalidUrl', `Not a URL: ${safeUrl}`);
    }
    if (url.origin !== origin) {
      logger?.warn({ url: safeUrl }, 'graph link to another origin refused');
      throw refuse('OriginNotAllowed', `Refused to send a token to ${url.origin} (only ${origin})`);
    }
    assertPathKept(request.url, url, safeUrl);
    if (typeof token !== 'string' || !/^[\x21-\x7e]+$/.test(token)) {
      throw refuse('MissingToken', 'Missing or malformed access token');
    }
    if (signal?.aborted) throw refuse('Aborted', `${method} ${safeUrl} cancelled before sending`);

    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `Bearer ${token}`,
      'client-request-id': randomUUID(),
    };
    const prefer = (request.prefer ?? []).map((p) => p.trim()).filter((p) => p !== '');
    if (prefer.length > 0) headers['prefer'] = prefer.join(', ');
    if (body !== undefined) headers['content-type'] = 'application/json';
    const path = `${url.pathname}${url.search}`;
    const slots = request.slots ?? new Map([[mailboxOf(url, token), 1]]);

    let spentMs = 0;
    for (let attempt = 1; ; attempt++) {
      let release: (() => void) | undefined;
      if (options.limiter) {
        const waitStarted = performance.now();
        try {
          release = await options.limiter.acquire(slots, Math.max(0, budgetMs - spentMs), signal);
        } catch (error) {
          if (signal?.aborted) throw refuse('Aborted', `${method} ${safeUrl} cancelled while waiting for a mailbox slot`);
          logger?.warn({ url: safeUrl, attempts: attempt }, 'graph mailbox slot wait exceeded the retry budget');
          throw toGatewayError(
            new GraphRequestError(`${method} ${safeUrl}: no mailbox slot within the retry budget`, {
              status: 429,
              code: 'MailboxConcurrency',
              url: safeUrl,
              method,
              attempts: attempt - 1,
              retryAfterMs: 1_000,
              cause: error,
            }),
          );
        }
        spentMs += performance.now() - waitStarted;
      }
      let result: AttemptResult;
      const sent = performance.now();
      try {
        result = await traceGraphAttempt({ method, path: url.pathname, attempt, headers }, () => attemptOnce(method, body, path, headers, safeUrl, token, attempt, signal), outcomeOf);
      } finally {
        release?.();
      }
      spentMs += performance.now() - sent;
      if (result.ok) return result.response as GraphResponse<T>;
      if (!result.retryable) throw toGatewayError(new GraphRequestError(result.message, result.details));

      const waitMs = result.retryAfterMs ?? backoffDelay(attempt, random);
      if (attempt > maxRetries || spentMs + waitMs > budgetMs) {
        logger?.warn(
          { url: safeUrl, attempts: attempt, status: result.details.status, code: result.details.code, graphRequestId: result.details.requestId, nextWaitMs: waitMs },
          'graph retries exhausted',
        );
        throw toGatewayError(new GraphRequestError(result.message, { ...result.details, retryAfterMs: waitMs }));
      }
      logger?.debug({ url: safeUrl, attempt, status: result.details.status, code: result.details.code, waitMs }, 'graph retry scheduled');
      countGraphRetry(outcomeOf(result));
      try {
        await sleep(waitMs, signal);
      } catch (error) {
        if (!signal?.aborted) throw error;
        throw refuse('Aborted', `${method} ${safeUrl} cancelled while waiting to retry`);
      }
      spentMs += waitMs;
    }
  }

  return {
    get,
    post,
    close() {
      closing ??= pool.close();
      return closing;
    },
  };
}

const FAILURE_LABELS: Partial<Record<string, string>> = { Timeout: 'timeout', NetworkError: 'network', Aborted: 'aborted', ClientClosed: 'closed' };

/** An attempt's status and request-id for metrics and spans (a bounded word when no answer came). */
function outcomeOf(result: AttemptResult): GraphAttemptOutcome {
  if (result.ok) return { status: result.response.status, requestId: result.response.requestId };
  const { status, requestId, code } = result.details;
  return { status, requestId, failure: status === undefined ? (FAILURE_LABELS[code ?? ''] ?? 'error') : undefined };
}

/** A URL whose path WHATWG normalisation changed: the gateway built or followed a URL it must not (a bug, masked). */
export class GraphPathChangedError extends Error {
  override readonly name = 'GraphPathChangedError';
}

/**
 * Refuses a URL whose path after WHATWG normalisation (dot segments, `%2e`, `\`, tabs and newlines
 * removed, characters percent-encoded) differs from the path it was given: no argument and no link
 * may choose which Graph path is requested. Ids are checked before (ids.ts); this is the last guard.
 */
export function assertPathKept(given: string, parsed: URL, safeUrl: string): void {
  const raw = /^[a-z][a-z\d+.-]*:\/\/[^/?#\\]*([^?#]*)/i.exec(given)?.[1];
  if (raw !== parsed.pathname) throw new GraphPathChangedError(`Refused a Graph URL whose path normalisation changes: ${safeUrl}`);
}

function fail(
  retryable: boolean,
  retryAfterMs: number | undefined,
  message: string,
  details: GraphRequestErrorDetails,
): AttemptResult {
  return { ok: false, retryable, retryAfterMs, message, details };
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

async function readBody(body: Dispatcher.ResponseData['body'], maxBytes: number, contentLength: string | undefined): Promise<Buffer> {
  if (contentLength !== undefined && Number(contentLength) > maxBytes) {
    body.destroy();
    throw new BodyTooLargeError();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += buf.length;
    if (size > maxBytes) {
      body.destroy();
      throw new BodyTooLargeError();
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}

function parseJson(raw: Buffer, contentType: string | undefined): { value: unknown } | undefined {
  if (contentType !== undefined && !/json/i.test(contentType)) return undefined;
  try {
    return { value: JSON.parse(raw.toString('utf8')) as unknown };
  } catch {
    return undefined;
  }
}

/** Graph's error body read from raw bytes (see {@link readGraphErrorBody}). */
function readGraphError(raw: Buffer): GraphErrorBody | undefined {
  try {
    return readGraphErrorBody(JSON.parse(raw.toString('utf8')));
  } catch {
    return undefined;
  }
}

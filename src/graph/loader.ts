import { performance } from 'node:perf_hooks';
import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { gatewayError } from '../errors.js';
import { countGraphRetry, recordBatchResponses, withGraphSpan } from '../telemetry/graph.js';
import { batchRequestOf, innerError, MAX_BATCH_SIZE, readBatchResponses, splitVersioned, type VersionedUrl } from './batch.js';
import type { GraphClient, GraphGetRequest, GraphResponse } from './client.js';
import { GraphRequestError } from './errors.js';
import { mailboxOf } from './mailbox-limiter.js';
import { backoffDelay, defaultSleep, isRetryableStatus, parseRetryAfter } from './retry.js';

/**
 * One per GraphQL operation (CONTRACT §7): every Graph GET its resolvers start goes through it.
 * Identical requests are made once; what is asked together (in one turn of the event loop) goes
 * out as one plain GET when alone, or as `$batch` POSTs of ≤ 20 per Graph version and token.
 * Inner 429/503/504 are retried after their own Retry-After within the retry budget (re-batched
 * with whatever is due at the same time); other inner failures reject only the load that asked.
 */
export interface GraphLoader {
  get<T = unknown>(request: GraphGetRequest): Promise<GraphResponse<T>>;
}

export interface GraphLoaderOptions {
  graph: GraphClient;
  /** GRAPH_RETRY_BUDGET_MS: what one request may spend on inner retries. */
  retryBudgetMs: number;
  /** Most retries of one inner request. @default 10 */
  maxRetries?: number;
  logger?: Pick<Logger, 'debug' | 'warn'>;
  /** For tests only. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

interface Load {
  request: GraphGetRequest;
  at: VersionedUrl | undefined;
  /** Time spent on this load's inner attempts and waits. */
  spentMs: number;
  attempts: number;
}

type Outcome = GraphResponse<unknown> | Error;

const keyOf = (r: GraphGetRequest) => `${r.token}\n${r.url}\n${(r.prefer ?? []).join(', ')}`;

export function createGraphLoader(options: GraphLoaderOptions): GraphLoader {
  const { graph, logger } = options;
  const budgetMs = Math.max(0, options.retryBudgetMs);
  const maxRetries = options.maxRetries ?? 10;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  // One turn of the event loop: sibling fields that first await their token still land in one batch.
  const schedule = { batchScheduleFn: (run: () => void) => setImmediate(run) };

  // Loads of the operation, deduplicated; retries go through `wire`, which batches without caching.
  const loads = new DataLoader<GraphGetRequest, GraphResponse<unknown>, string>(
    (requests) => dispatch(requests.map((request) => ({ request, at: splitVersioned(request.url), spentMs: 0, attempts: 0 }))),
    { ...schedule, cacheKeyFn: keyOf, maxBatchSize: Infinity },
  );
  const wire = new DataLoader<Load, GraphResponse<unknown>>((pending) => dispatch(pending), { ...schedule, cache: false });

  async function dispatch(pending: readonly Load[]): Promise<Outcome[]> {
    const groups = new Map<string, number[]>();
    pending.forEach((load, index) => {
      // A URL outside a version root (or another origin) goes out alone: the client refuses what it must.
      const group = load.at ? `${load.request.token}\n${load.at.origin}\n${load.at.version}` : `alone\n${index}`;
      const list = groups.get(group) ?? [];
      list.push(index);
      groups.set(group, list);
    });
    const outcomes: Outcome[] = new Array(pending.length);
    const work: Promise<void>[] = [];
    for (const indices of groups.values()) {
      const members = indices.map((i) => pending[i] as Load);
      // A retry stays inside a $batch even alone: its budget is the one it has been spending.
      if (members.length === 1 && (members[0] as Load).attempts === 0) {
        work.push(plain(members[0] as Load).then((o) => void (outcomes[indices[0] as number] = o)));
        continue;
      }
      for (let from = 0; from < members.length; from += MAX_BATCH_SIZE) {
        const chunk = members.slice(from, from + MAX_BATCH_SIZE);
        const where = indices.slice(from, from + MAX_BATCH_SIZE);
        work.push(
          batch(chunk).then((results) => {
            results.forEach((o, k) => void (outcomes[where[k] as number] = o));
          }),
        );
      }
    }
    await Promise.all(work);
    return outcomes;
  }

  async function plain(load: Load): Promise<Outcome> {
    try {
      return await graph.get(load.request);
    } catch (error) {
      return error as Error;
    }
  }

  async function batch(chunk: Load[]): Promise<Outcome[]> {
    const [first] = chunk as [Load, ...Load[]];
    const { origin, version } = first.at as VersionedUrl;
    const slots = new Map<string, number>();
    for (const load of chunk) {
      const mailbox = mailboxOf(new URL(load.request.url), load.request.token);
      slots.set(mailbox, (slots.get(mailbox) ?? 0) + 1);
    }
    const signal = chunk.find((l) => l.request.signal)?.request.signal;
    const started = performance.now();
    // One span for the $batch: its HTTP attempt and each inner response are children (CONTRACT §9).
    const sent = await withGraphSpan('batch', async () => {
      let response: GraphResponse<unknown>;
      try {
        response = await graph.post({
          url: `${origin}/${version}/$batch`,
          token: first.request.token,
          body: { requests: chunk.map((load, i) => batchRequestOf(String(i), (load.at as VersionedUrl).relative, load.request.prefer ?? [])) },
          slots,
          ...(signal ? { signal } : {}),
        });
      } catch (error) {
        // A 400 for the batch itself is Graph's fault, not the caller's input (CONTRACT §7).
        const cause = error instanceof GraphQLError ? error.originalError : undefined;
        const failure =
          cause instanceof GraphRequestError && cause.status === 400
            ? gatewayError('UPSTREAM_ERROR', 'Microsoft Graph refused a $batch request', { ...(cause.requestId ? { requestId: cause.requestId } : {}), cause })
            : (error as Error);
        return { failure, response: undefined, answers: undefined };
      }
      const answers = readBatchResponses(response.body);
      recordBatchResponses(
        chunk.flatMap((load, i) => {
          const answer = answers.get(String(i));
          return answer === undefined ? [] : [{ url: (load.at as VersionedUrl).relative, status: answer.status, requestId: answer.headers['request-id'] }];
        }),
      );
      return { failure: undefined, response, answers };
    });
    if (sent.response === undefined) return chunk.map(() => sent.failure);
    const { response, answers } = sent;
    const tookMs = performance.now() - started;
    return Promise.all(
      chunk.map(async (load, i): Promise<Outcome> => {
        load.attempts += 1;
        load.spentMs += tookMs;
        const answer = answers.get(String(i));
        if (answer !== undefined && answer.status >= 200 && answer.status < 300) {
          if (typeof answer.body !== 'object' || answer.body === null) return innerError({ ...answer, status: 502 }, load.request.url, load.request.token, load.attempts);
          return { status: answer.status, body: answer.body, requestId: answer.headers['request-id'] ?? response.requestId, headers: answer.headers };
        }
        if (answer === undefined || !isRetryableStatus(answer.status)) return innerError(answer, load.request.url, load.request.token, load.attempts);
        const waitMs = parseRetryAfter(answer.headers['retry-after']) ?? backoffDelay(load.attempts, random);
        if (load.attempts > maxRetries || load.spentMs + waitMs > budgetMs) {
          logger?.warn({ status: answer.status, attempts: load.attempts, nextWaitMs: waitMs }, 'graph retries exhausted (inside a $batch)');
          return innerError(answer, load.request.url, load.request.token, load.attempts, waitMs);
        }
        countGraphRetry({ status: answer.status, requestId: undefined });
        logger?.debug({ status: answer.status, attempt: load.attempts, waitMs }, 'graph retry scheduled (inside a $batch)');
        try {
          await sleep(waitMs, load.request.signal);
        } catch (error) {
          return error as Error;
        }
        load.spentMs += waitMs;
        try {
          return await wire.load(load);
        } catch (error) {
          return error as Error;
        }
      }),
    );
  }

  return {
    get<T>(request: GraphGetRequest) {
      return loads.load(request) as Promise<GraphResponse<T>>;
    },
  };
}

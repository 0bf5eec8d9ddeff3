import type { MirrorDatabase } from './database.js';
import { GraphQLFailure, sleep, type GatewayClient } from './graphql-client.js';
import type { Progress } from './progress.js';
import { changedSubscription, deltaQuery, type Edge, type MirrorResource } from './resources.js';

/** How progress names a scope: the folder for messages, the table for mailbox-wide resources. */
export const labelOf = (resource: MirrorResource, scope: string) => (resource.scope ? scope : resource.table);

interface Page {
  page: { edges: Edge[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
}

/** Answers after which the stored cursor is useless and only a new round helps. */
const NEW_ROUND_CODES = new Set(['RESYNC_REQUIRED', 'INVALID_CURSOR', 'CURSOR_ARGS_MISMATCH']);
const needsNewRound = (error: unknown) => error instanceof GraphQLFailure && error.code !== undefined && NEW_ROUND_CODES.has(error.code);

export interface ScopeSyncOptions {
  client: GatewayClient;
  db: MirrorDatabase;
  resource: MirrorResource;
  /** The folder (for messages). */
  scope: string;
  pageSize: number;
  progress: Progress;
  signal: AbortSignal;
}

/**
 * Brings one scope up to date: finishes a stored round or starts one, or reads the changes since the
 * stored round-end cursor; on RESYNC_REQUIRED (or a cursor that no longer opens) a new round.
 */
export async function syncScope(options: ScopeSyncOptions): Promise<void> {
  const { client, db, resource, scope, pageSize, progress, signal } = options;
  const query = deltaQuery(resource);
  const label = labelOf(resource, scope);
  const given = resource.scope ? { scope } : {};
  let fresh = false;
  for (let attempt = 1; ; attempt++) {
    const stored = db.cursor(resource, scope);
    try {
      if (fresh || !stored) await readRound(undefined);
      else if (stored.phase === 'changes') await readChanges(stored.cursor);
      else await readRound(stored.cursor);
      return;
    } catch (error) {
      if (signal.aborted || !needsNewRound(error) || attempt >= 5) throw error;
      progress.note(label, `${(error as GraphQLFailure).code}: starting a new round (the mirrored rows stay until it is complete)`);
      fresh = true;
    }
  }

  async function readRound(after: string | undefined) {
    let cursor = after;
    const before = counts();
    progress.update(label, cursor ? { phase: 'resuming round', ...before } : { phase: 'new round', round: before.round + 1, pages: 0, items: 0 });
    while (!signal.aborted) {
      const { page } = await client.query<Page>(query, { ...given, first: pageSize, ...(cursor ? { after: cursor } : {}) });
      const last = !page.pageInfo.hasNextPage;
      db.writeRoundPage(resource, scope, { edges: page.edges, cursor: page.pageInfo.endCursor, first: cursor === undefined, last });
      progress.update(label, { phase: last ? 'round done' : 'round', ...counts(), added: page.edges.length });
      if (last) return;
      cursor = page.pageInfo.endCursor;
    }
  }

  async function readChanges(after: string) {
    let cursor = after;
    progress.update(label, { phase: 'changes', ...counts() });
    while (!signal.aborted) {
      const { page } = await client.query<Page>(query, { ...given, first: pageSize, after: cursor });
      db.writeChanges(resource, scope, { edges: page.edges, cursor: page.pageInfo.endCursor });
      progress.update(label, { phase: page.pageInfo.hasNextPage ? 'changes' : 'up to date', ...counts(), added: page.edges.length });
      if (!page.pageInfo.hasNextPage) return;
      cursor = page.pageInfo.endCursor;
    }
  }

  function counts() {
    const row = db.cursor(resource, scope);
    return { round: row?.round ?? 0, pages: row?.pages ?? 0, items: row?.items ?? 0 };
  }
}

/**
 * After the first round: follows the `…Changed` subscription from the stored cursor, writing each
 * batch with its cursor; reconnects from the latest stored cursor, and answers RESYNC_REQUIRED with
 * a new round. Ends when `signal` aborts.
 */
export async function watchScope(options: ScopeSyncOptions): Promise<void> {
  const { client, db, resource, scope, progress, signal } = options;
  const document = changedSubscription(resource);
  const label = labelOf(resource, scope);
  let failures = 0;
  while (!signal.aborted) {
    const stored = db.cursor(resource, scope);
    if (stored?.phase !== 'changes') {
      await syncScope(options);
      continue;
    }
    if (signal.aborted) return;
    progress.update(label, { phase: 'watching', round: stored.round, pages: stored.pages, items: stored.items });
    const sse = client.subscriptions();
    try {
      await new Promise<void>((resolve, reject) => {
        const stop = sse.subscribe<{ batch: { cursor: string; edges: Edge[] } }>(
          { query: document, variables: { ...(resource.scope ? { scope } : {}), after: stored.cursor } },
          {
            next(result) {
              if (result.errors?.length) return reject(new GraphQLFailure(result.errors as unknown as { message: string; extensions?: Record<string, unknown> }[]));
              const batch = result.data?.batch;
              if (!batch) return;
              db.writeChanges(resource, scope, { edges: batch.edges, cursor: batch.cursor });
              failures = 0;
              const row = db.cursor(resource, scope);
              progress.update(label, { phase: 'watching', round: row?.round ?? 0, pages: row?.pages ?? 0, items: row?.items ?? 0, added: batch.edges.length });
            },
            error: (error) => reject(error instanceof Error ? error : new Error(String(error))),
            complete: () => resolve(),
          },
        );
        signal.addEventListener('abort', () => (stop(), resolve()), { once: true });
      });
    } catch (error) {
      if (signal.aborted) return;
      if (needsNewRound(error)) {
        // syncScope reads from the stored cursor, meets the same answer and reads a new round.
        await syncScope(options);
        continue;
      }
      if (error instanceof GraphQLFailure && error.code !== 'UPSTREAM_ERROR' && error.code !== 'THROTTLED') throw error;
      failures += 1;
      const ms = error instanceof GraphQLFailure && error.code === 'THROTTLED' ? Math.max(1, error.retryAfter ?? 1) * 1000 : Math.min(30_000, 500 * 2 ** failures);
      progress.note(label, `subscription lost (${error instanceof GraphQLFailure ? error.code : (error as Error).message}); reconnecting in ${Math.round(ms / 100) / 10} s`);
      await sleep(ms);
    } finally {
      sse.dispose();
    }
    if (signal.aborted) return;
  }
}

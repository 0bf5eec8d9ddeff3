import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { RunningEmulator } from '../../src/emulator/index.js';
import type { BatchEdge, MessagesBatch, MessagesPage } from '../fixtures/subscription-documents.js';
import { eventStream } from './sse.js';

const CHANGED = `subscription Changed($folderId: ID!, $after: String) {
  messagesChanged(folderId: $folderId, after: $after) {
    cursor
    edges { cursor removed { reason } node { id subject isRead } }
  }
}`;

const PAGE = `query Page($folderId: ID!, $after: String, $first: Int) {
  messagesDelta(folderId: $folderId, after: $after, first: $first) {
    edges { cursor removed { reason } node { id subject isRead } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** What a replica keeps of a message (the fields the documents select). */
export interface ReplicaItem {
  subject: string | null;
  isRead: boolean | null;
}

export type Transport = 'sse' | 'ws';

/**
 * A client that keeps a copy of the inbox as the README tells it to: read a round with the query
 * field, then subscribe with its end cursor; upsert each batch's edges by id, delete removed ones,
 * keep the batch `cursor`; when the stream breaks, subscribe again (anywhere) with the last cursor.
 */
export interface Replica {
  readonly name: string;
  readonly items: ReadonlyMap<string, ReplicaItem>;
  /** Batches received (catch-up batches included). */
  readonly batches: number;
  /** How many batches delivered each id (a repeat after a crash shows as 2 or more). */
  readonly deliveries: ReadonlyMap<string, number>;
  /** Times the stream broke and it subscribed again. */
  readonly reconnects: number;
  /** Subscription errors (any is a failure: nothing here should end a subscription). */
  readonly errors: readonly string[];
  /** Every edge received, in order (batch number, id, removed, subject), for failure messages. */
  history(id: string): string[];
  /** Whether it is subscribed at the moment (a stream open). */
  readonly connected: boolean;
  close(): Promise<void>;
}

export interface ReplicaOptions {
  name: string;
  transport: Transport;
  token: string;
  /** The mail folder it copies. @default 'inbox' */
  folder?: string;
  /** Where to (re)connect: the origin of a live instance, or undefined when none is. */
  pick(): string | undefined;
  /** Wait before subscribing again after a break. @default 100 ms */
  reconnectDelayMs?: number;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

export function startReplica(options: ReplicaOptions): Replica {
  const folderId = options.folder ?? 'inbox';
  const items = new Map<string, ReplicaItem>();
  const deliveries = new Map<string, number>();
  const errors: string[] = [];
  let cursor: string | undefined;
  let batches = 0;
  let reconnects = 0;
  let connected = false;
  let closed = false;
  let abort: (() => void) | undefined;

  const log: { batch: number; at: number; edge: BatchEdge }[] = [];
  function apply(edges: readonly BatchEdge[]) {
    batches += 1;
    for (const edge of edges) {
      log.push({ batch: batches, at: Date.now(), edge });
      deliveries.set(edge.node.id, (deliveries.get(edge.node.id) ?? 0) + 1);
      if (edge.removed) items.delete(edge.node.id);
      else items.set(edge.node.id, { subject: edge.node.subject ?? null, isRead: edge.node.isRead ?? null });
    }
  }

  async function query<T>(origin: string, document: string, variables: Record<string, unknown>): Promise<T> {
    const response = await fetch(`${origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${options.token}` },
      body: JSON.stringify({ query: document, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: unknown[] };
    if (body.errors?.length || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
    return body.data;
  }

  /** The first copy: a whole round through the query field (only once; later reconnects resume from the cursor). */
  async function readRound(origin: string) {
    items.clear();
    let after: string | undefined;
    for (;;) {
      const { messagesDelta } = await query<MessagesPage>(origin, PAGE, { folderId, after, first: 200 });
      for (const edge of messagesDelta.edges) {
        if (edge.removed) items.delete(edge.node.id);
        else items.set(edge.node.id, { subject: edge.node.subject ?? null, isRead: edge.node.isRead ?? null });
      }
      after = messagesDelta.pageInfo.endCursor;
      if (!messagesDelta.pageInfo.hasNextPage) break;
    }
    cursor = after;
  }

  function onResult(result: { data?: MessagesBatch | null; errors?: readonly { message: string; extensions?: Record<string, unknown> }[] }) {
    if (result.errors?.length) {
      // UPSTREAM_ERROR says "retry later" (e.g. an instance still connecting to Redis): the stream ends and it subscribes again.
      if (result.errors.every((e) => e.extensions?.['code'] === 'UPSTREAM_ERROR')) return;
      errors.push(result.errors.map((e) => `${String(e.extensions?.['code'])}: ${e.message}`).join('; '));
      return;
    }
    const batch = result.data?.messagesChanged;
    if (!batch) return;
    apply(batch.edges);
    cursor = batch.cursor;
  }

  async function subscribeSse(origin: string) {
    const stream = eventStream<MessagesBatch>(`${origin}/graphql`, CHANGED, { token: options.token, variables: { folderId, after: cursor } });
    abort = () => stream.close();
    let taken = 0;
    const drain = () => {
      while (taken < stream.results.length) onResult(stream.results[taken++]!);
    };
    const poll = setInterval(drain, 10);
    try {
      if ((await stream.status) === 200) connected = true;
      await stream.done.catch(() => undefined);
    } finally {
      clearInterval(poll);
      drain();
    }
  }

  async function subscribeWs(origin: string) {
    const client = createClient({
      url: `${origin.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${options.token}` },
      retryAttempts: 0,
      lazy: true,
      on: { connected: () => (connected = true) },
    });
    abort = () => void client.dispose();
    try {
      for await (const result of client.iterate<MessagesBatch>({ query: CHANGED, variables: { folderId, after: cursor } })) onResult(result);
    } catch {
      // The socket broke (the instance died): subscribe again below.
    } finally {
      await client.dispose();
    }
  }

  const running = (async () => {
    while (!closed) {
      const origin = options.pick();
      if (origin === undefined) {
        await sleep(50);
        continue;
      }
      try {
        if (cursor === undefined) await readRound(origin);
        if (closed) break;
        await (options.transport === 'sse' ? subscribeSse(origin) : subscribeWs(origin));
      } catch {
        // The instance went away mid-request: try again.
      } finally {
        connected = false;
        abort = undefined;
      }
      if (closed) break;
      if (cursor !== undefined) reconnects += 1;
      await sleep(options.reconnectDelayMs ?? 100);
    }
  })();

  return {
    name: options.name,
    items,
    deliveries,
    errors,
    history: (id) =>
      log.filter((entry) => entry.edge.node.id === id).map((e) => `#${e.batch} @${e.at % 100_000} ${e.edge.removed ? 'removed' : `${e.edge.node.subject}/${e.edge.node.isRead}`}`),
    get batches() {
      return batches;
    },
    get reconnects() {
      return reconnects;
    },
    get connected() {
      return connected;
    },
    async close() {
      closed = true;
      abort?.();
      await running;
    },
  };
}

/**
 * A mail folder of the emulator as Graph itself reports it: a fresh delta round straight against the
 * emulator (not through the gateway), with immutable ids as the gateway asks for them.
 */
export async function folderTruth(emulator: RunningEmulator, token: string, folder = 'inbox'): Promise<Map<string, ReplicaItem>> {
  const truth = new Map<string, ReplicaItem>();
  let url: string | undefined = `${emulator.url}/v1.0/me/mailFolders/${encodeURIComponent(folder)}/messages/delta?$select=subject,isRead`;
  while (url) {
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}`, prefer: 'IdType="ImmutableId", odata.maxpagesize=200' } });
    if (!response.ok) throw new Error(`emulator answered ${response.status}`);
    const page = (await response.json()) as { value: { id: string; subject?: string | null; isRead?: boolean | null }[]; '@odata.nextLink'?: string };
    for (const item of page.value) truth.set(item.id, { subject: item.subject ?? null, isRead: item.isRead ?? null });
    url = page['@odata.nextLink'];
  }
  return truth;
}

/** Where a replica differs from the truth (empty when equal): missing, extra and stale ids. */
export function divergence(replica: ReadonlyMap<string, ReplicaItem>, truth: ReadonlyMap<string, ReplicaItem>): string[] {
  const out: string[] = [];
  for (const [id, item] of truth) {
    const mine = replica.get(id);
    if (!mine) out.push(`missing ${id}`);
    else if (mine.subject !== item.subject || mine.isRead !== item.isRead) out.push(`stale ${id}`);
  }
  for (const id of replica.keys()) if (!truth.has(id)) out.push(`extra ${id}`);
  return out;
}

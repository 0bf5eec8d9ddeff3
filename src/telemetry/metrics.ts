import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

// The metric families of CONTRACT.md §9. One registry per process: every gateway part records into
// these where the thing happens (Graph client, loader, mailbox limiter, pollers, push routes, cursor
// opening); `GET /metrics` on METRICS_PORT serves `metricsRegistry`. Labels are bounded enums only:
// never a user, mailbox, folder, token, URL or client-chosen text.

/** The `resource` label: what a Graph request was about, never its path. */
export type GraphResourceLabel =
  | 'calendars'
  | 'events'
  | 'contacts'
  | 'messages'
  | 'mailFolders'
  | 'contactFolders'
  | 'subscriptions'
  | 'batch'
  | 'other';

/** Subscription resources with pollers (the four delta resources). */
export type PollResourceLabel = 'calendars' | 'events' | 'contacts' | 'messages';

const PREFIX = 'delta_gateway_';
const POLL_RESOURCES: readonly PollResourceLabel[] = ['calendars', 'events', 'contacts', 'messages'];

/** Seconds; Graph answers in tens of milliseconds to tens of seconds (Retry-After, throttled mailboxes). */
export const GRAPH_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

/** Pollers' time of their last successful cycle (performance.now() ms), read at scrape time for `poll_lag_seconds`. */
export const pollLagSources = new Set<{ resource: PollResourceLabel; lastOk: number }>();

export const metrics = {
  graphqlRequests: new Counter({
    name: `${PREFIX}graphql_requests_total`,
    help: 'GraphQL requests by operation type and outcome (ok, or the contract code of the first error).',
    labelNames: ['operation_type', 'outcome'] as const,
    registers: [metricsRegistry],
  }),
  graphqlDuration: new Histogram({
    name: `${PREFIX}graphql_request_duration_seconds`,
    help: 'Duration of GraphQL requests.',
    labelNames: ['operation_type'] as const,
    buckets: GRAPH_BUCKETS,
    registers: [metricsRegistry],
  }),
  graphRequests: new Counter({
    name: `${PREFIX}graph_requests_total`,
    help: 'Graph requests by resource and HTTP status; every attempt counts; a $batch once as batch and each inner request under its own resource.',
    labelNames: ['resource', 'status'] as const,
    registers: [metricsRegistry],
  }),
  graphDuration: new Histogram({
    name: `${PREFIX}graph_request_duration_seconds`,
    help: 'Duration of Graph requests (one attempt).',
    labelNames: ['resource'] as const,
    buckets: GRAPH_BUCKETS,
    registers: [metricsRegistry],
  }),
  graphRetries: new Counter({
    name: `${PREFIX}graph_retries_total`,
    help: 'Graph requests retried, by the status that caused the retry.',
    labelNames: ['status'] as const,
    registers: [metricsRegistry],
  }),
  graphBatchSize: new Histogram({
    name: `${PREFIX}graph_batch_size`,
    help: 'Inner requests per $batch.',
    buckets: [2, 3, 4, 5, 8, 10, 15, 20],
    registers: [metricsRegistry],
  }),
  mailboxWait: new Histogram({
    name: `${PREFIX}mailbox_wait_seconds`,
    help: 'Time a Graph request waited for a mailbox slot.',
    buckets: [0.001, 0.005, ...GRAPH_BUCKETS],
    registers: [metricsRegistry],
  }),
  pollers: new Gauge({
    name: `${PREFIX}pollers`,
    help: 'Subscription pollers running on this instance.',
    labelNames: ['resource'] as const,
    registers: [metricsRegistry],
  }),
  subscribers: new Gauge({
    name: `${PREFIX}subscribers`,
    help: 'Open subscriptions on this instance.',
    labelNames: ['resource'] as const,
    registers: [metricsRegistry],
  }),
  pollLag: new Gauge({
    name: `${PREFIX}poll_lag_seconds`,
    help: 'Longest time since a poller of this instance last completed a poll cycle (0 without pollers); alert when it exceeds a few POLL_INTERVAL_MS.',
    labelNames: ['resource'] as const,
    registers: [metricsRegistry],
    collect() {
      this.reset();
      const now = performance.now();
      const worst = new Map<PollResourceLabel, number>();
      for (const { resource, lastOk } of pollLagSources) worst.set(resource, Math.max(worst.get(resource) ?? 0, (now - lastOk) / 1000));
      for (const resource of POLL_RESOURCES) this.set({ resource }, worst.get(resource) ?? 0);
    },
  }),
  notifications: new Counter({
    name: `${PREFIX}notifications_total`,
    help: 'Graph change and lifecycle notifications and validation requests received, accepted or not.',
    labelNames: ['kind', 'accepted'] as const,
    registers: [metricsRegistry],
  }),
  prefetches: new Counter({
    name: `${PREFIX}graph_prefetches_total`,
    help: "Graph delta pages fetched ahead of the client's next request, by outcome (used, unused: expired or evicted, failed).",
    labelNames: ['outcome'] as const,
    registers: [metricsRegistry],
  }),
  cursorRejections: new Counter({
    name: `${PREFIX}cursor_rejections_total`,
    help: 'Cursors refused, by contract code.',
    labelNames: ['code'] as const,
    registers: [metricsRegistry],
  }),
};

/** The `resource` label of a Graph path (version root stripped or not); ids never leave this function. */
export function graphResourceOf(path: string): GraphResourceLabel {
  const p = path.split('?', 1)[0] ?? '';
  if (/\/\$batch$/.test(p)) return 'batch';
  if (/^\/?(?:v1\.0|beta)?\/?subscriptions(?:\/|$)/.test(p)) return 'subscriptions';
  const segments = p.split('/').filter(Boolean);
  // The last collection-like segment names the resource: …/mailFolders/{id}/messages/delta → messages.
  for (let i = segments.length - 1; i >= 0; i--) {
    const s = segments[i]!;
    if (s === 'messages') return 'messages';
    if (s === 'contacts') return 'contacts';
    if (s === 'events' || s === 'calendarView') return 'events';
    if (s === 'calendars') return 'calendars';
    if (s === 'mailFolders' || s === 'childFolders') return 'mailFolders';
    if (s === 'contactFolders') return 'contactFolders';
  }
  return 'other';
}

// Gauges start at 0 for every resource, so that "no pollers" is a sample, not an absence.
for (const resource of POLL_RESOURCES) {
  metrics.pollers.set({ resource }, 0);
  metrics.subscribers.set({ resource }, 0);
}

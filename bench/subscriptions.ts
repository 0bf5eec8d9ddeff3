/**
 * Subscription benchmark: 1,000 concurrent SSE subscribers of `messagesChanged` over 10 keys (the
 * same inbox, 10 different selections, so 10 pollers with 100 subscribers each). Emulator and gateway
 * each run in their own process (forked from this file); the subscribers run in this one.
 *
 *   npx tsx bench/subscriptions.ts [--subscribers 1000] [--keys 10] [--interval 1000] [--changes 10] [--idle 10]
 *                                  [--push [--backstop 300000]] [--spacing ms] [--idle-ms ms]
 *
 * `--push` turns change notifications on (NOTIFICATION_URL = the gateway itself, reached by the
 * emulator over loopback; POLL_BACKSTOP_MS = `--backstop`): polls then follow the notifications.
 *
 * Measured:
 * - upstream polls per interval (the emulator's request log over `--idle` quiet intervals): should be `--keys`;
 * - the gateway's RSS (after a forced GC) and CPU time per interval, idle and while changes flow;
 * - change → delivery: from the admin write in the emulator to the batch arriving at every subscriber
 *   (p50, p99, max), which includes waiting for the next poll (up to one interval), and the fan-out
 *   spread (first to last subscriber of one key's batch: the gateway's own share).
 * Figures go to bench/README.md by hand; nothing here asserts them.
 */
import { request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { forkBenchChild, serveParent, type BenchChild } from './child-process.js';

const SELF = fileURLToPath(import.meta.url);
const CURSOR_SECRET = 'bench-cursor-secret-that-is-long-enough-0123456789';
const IMMUTABLE = 'IdType="ImmutableId"';

// One key per selection: the gateway sends each as its own `$select`, so each is its own poller.
const SELECTIONS = [
  'subject',
  'isRead',
  'receivedDateTime',
  'from { emailAddress { address } }',
  'importance',
  'hasAttachments',
  'conversationId',
  'bodyPreview',
  'categories',
  'webLink',
  'sentDateTime',
  'parentFolderId',
];


async function runEmulator(): Promise<void> {
  const { startEmulator } = await import('../src/emulator/index.js');
  const emulator = await startEmulator({ seed: { preset: 'demo', messages: 300 } });
  serveParent(() => emulator.close(), { url: emulator.url });
}

async function runGateway(graphBaseUrl: string, intervalMs: string, backstopMs: string | undefined): Promise<void> {
  const [{ loadConfig }, { createLogger }, { startGatewayServer }] = await Promise.all([
    import('../src/config/index.js'),
    import('../src/log.js'),
    import('../src/server/gateway-server.js'),
  ]);
  // Push: Graph (the emulator) must know where to notify before the gateway listens.
  const port = backstopMs === undefined ? 0 : await freePort();
  const push = backstopMs === undefined ? {} : { NOTIFICATION_URL: `http://127.0.0.1:${port}`, POLL_BACKSTOP_MS: backstopMs };
  const config = loadConfig({ PORT: String(port), GRAPH_BASE_URL: graphBaseUrl, CURSOR_SECRET, LOG_LEVEL: 'silent', POLL_INTERVAL_MS: intervalMs, ...push });
  const gateway = await startGatewayServer({ config, logger: createLogger(config.log.level) });
  const context = (await gateway.yoga.getEnveloped({ request: new Request('http://localhost/graphql') }).contextFactory()) as unknown as {
    services: { pollers: { size: number } };
  };
  serveParent<GatewayFigures>(gateway.close, { url: gateway.url }, () => ({ pollers: context.services.pollers.size }));
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** What the gateway child reports besides memory and CPU. */
interface GatewayFigures {
  pollers: number;
}

function start(role: 'emulator' | 'gateway', args: string[]): Promise<BenchChild<GatewayFigures>> {
  return forkBenchChild<GatewayFigures>(SELF, [role, ...args]);
}

/** One SSE subscriber on its own connection; records when each message id first arrives. */
interface Subscriber {
  key: number;
  arrivals: Map<string, number>;
  batches: number;
  errors: number;
  close(): void;
}

function subscribe(gatewayUrl: string, token: string, key: number): Promise<Subscriber> {
  const selection = SELECTIONS[key % SELECTIONS.length] ?? 'subject';
  const body = JSON.stringify({ query: `subscription { messagesChanged(folderId: "inbox") { cursor edges { node { id ${selection} } } } }` });
  return new Promise((resolveSubscriber, reject) => {
    const req = request(
      `${gatewayUrl}/graphql`,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}`, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`subscription answered ${res.statusCode}`));
        const subscriber: Subscriber = { key, arrivals: new Map(), batches: 0, errors: 0, close: () => req.destroy() };
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let boundary = buffer.indexOf('\n\n');
          while (boundary >= 0) {
            const block = buffer.slice(0, boundary);
            buffer = buffer.slice(boundary + 2);
            boundary = buffer.indexOf('\n\n');
            const data = block
              .split('\n')
              .filter((line) => line.startsWith('data:'))
              .map((line) => line.slice(5).trim())
              .join('\n');
            if (!data) continue;
            const now = performance.now();
            const result = JSON.parse(data) as { data?: { messagesChanged: { edges: { node: { id: string } }[] } }; errors?: unknown[] };
            if (result.errors) subscriber.errors += 1;
            if (!result.data) continue;
            subscriber.batches += 1;
            for (const edge of result.data.messagesChanged.edges) if (!subscriber.arrivals.has(edge.node.id)) subscriber.arrivals.set(edge.node.id, now);
          }
        });
        res.on('error', () => undefined);
        resolveSubscriber(subscriber);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      subscribers: { type: 'string', default: '1000' },
      keys: { type: 'string', default: '10' },
      interval: { type: 'string', default: '1000' },
      changes: { type: 'string', default: '10' },
      idle: { type: 'string', default: '10' },
      push: { type: 'boolean', default: false },
      backstop: { type: 'string', default: '300000' },
      spacing: { type: 'string' },
      'idle-ms': { type: 'string' },
    },
  });
  const push = values.push;
  const backstopMs = Number(values.backstop);
  const subscribers = Number(values.subscribers);
  const keys = Math.min(Number(values.keys), SELECTIONS.length);
  const intervalMs = Number(values.interval);
  const changes = Number(values.changes);
  const idleWindowMs = values['idle-ms'] !== undefined ? Number(values['idle-ms']) : Number(values.idle) * intervalMs;
  // Between changes: 1.5 intervals when polling (a change lands anywhere in an interval); push does not wait for one.
  const spacingMs = values.spacing !== undefined ? Number(values.spacing) : push ? 1500 : intervalMs * 1.5;
  console.log(`node ${process.version}, ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`${subscribers} SSE subscribers over ${keys} keys, POLL_INTERVAL_MS=${intervalMs}${push ? `, push on (POLL_BACKSTOP_MS=${backstopMs})` : ''}`);

  const emulator = await start('emulator', []);
  const gateway = await start('gateway', [emulator.url, String(intervalMs), ...(push ? [String(backstopMs)] : [])]);
  const { createEmulatorAdmin } = await import('../src/emulator/admin/client.js');
  const { DEMO_USER } = await import('../src/emulator/index.js');
  const admin = createEmulatorAdmin(emulator.url, DEMO_USER.id);
  const token = await admin.token({ expiresIn: 3600 });
  const isPoll = (r: { path: string; query: Record<string, string> }) => r.path.endsWith('/messages/delta') && '$deltatoken' in r.query;
  const initialRounds = (r: { path: string; query: Record<string, string> }) => r.path.endsWith('/messages/delta') && Object.keys(r.query).every((k) => !k.startsWith('$') || k === '$select');

  try {
    const before = await gateway.usage();
    const opened = performance.now();
    const subs: Subscriber[] = [];
    for (let i = 0; i < subscribers; i += 100) {
      subs.push(...(await Promise.all(Array.from({ length: Math.min(100, subscribers - i) }, (_, j) => subscribe(gateway.url, token, (i + j) % keys)))));
    }
    // Wait until every key has finished its silent first round and polls its deltaLink.
    for (;;) {
      const requests = await admin.requests();
      const started = requests.filter(initialRounds).length;
      const polled = new Set(requests.filter(isPoll).map((r) => r.query['$deltatoken'])).size;
      if (started >= keys && polled >= keys) break;
      await sleep(100);
    }
    const connectMs = performance.now() - opened;
    const connected = await gateway.usage();
    console.log(`connected ${subs.length} subscribers and started ${connected.pollers} pollers in ${connectMs.toFixed(0)} ms`);

    // Quiet intervals: how many upstream polls, how much CPU, how much memory.
    await admin.clearRequests();
    const idleStart = await gateway.usage(false);
    const t0 = performance.now();
    await sleep(idleWindowMs);
    const idleEnd = await gateway.usage(false);
    const idleMs = performance.now() - t0;
    const idleRequests = (await admin.requests()).filter((r) => !r.path.startsWith('/_emulator'));
    const polls = idleRequests.filter(isPoll).length;
    const graphIdle = idleRequests.length;
    const intervals = idleMs / intervalMs;
    const idleMemory = await gateway.usage();

    // Changes: one new message every 1.5 intervals; each must reach every subscriber.
    const made: { id: string; at: number }[] = [];
    const busyStart = await gateway.usage(false);
    const b0 = performance.now();
    for (let i = 0; i < changes; i += 1) {
      const at = performance.now();
      const message = await admin.createMessage('inbox', { subject: `bench change ${i}` }, { prefer: [IMMUTABLE] });
      made.push({ id: message.id, at });
      await sleep(spacingMs);
    }
    const deadline = performance.now() + 10 * Math.max(intervalMs, spacingMs);
    while (performance.now() < deadline && !subs.every((s) => made.every((m) => s.arrivals.has(m.id)))) await sleep(50);
    const busyEnd = await gateway.usage(false);
    const busyIntervals = (performance.now() - b0) / intervalMs;
    const busyMemory = await gateway.usage();

    const latencies: number[] = [];
    const spreads: number[] = [];
    let missing = 0;
    for (const change of made) {
      const byKey = new Map<number, number[]>();
      for (const sub of subs) {
        const arrived = sub.arrivals.get(change.id);
        if (arrived === undefined) missing += 1;
        else {
          latencies.push(arrived - change.at);
          byKey.set(sub.key, [...(byKey.get(sub.key) ?? []), arrived]);
        }
      }
      // One key's subscribers get one batch of one poll: the spread is the gateway's fan-out time.
      for (const times of byKey.values()) spreads.push(Math.max(...times) - Math.min(...times));
    }
    latencies.sort((a, b) => a - b);
    spreads.sort((a, b) => a - b);
    const batches = subs.reduce((n, s) => n + s.batches, 0);
    const errors = subs.reduce((n, s) => n + s.errors, 0);

    console.log('');
    console.log('| measure | result |');
    console.log('|---|---|');
    console.log(`| subscribers / keys / pollers | ${subs.length} / ${keys} / ${connected.pollers} |`);
    console.log(`| time to connect all and finish the ${keys} silent first rounds | ${connectMs.toFixed(0)} ms |`);
    console.log(`| upstream polls per interval (quiet, ${intervals.toFixed(1)} intervals) | ${(polls / intervals).toFixed(2)} |`);
    // Per idle key and hour: measured over the quiet window, and what the schedule makes of it.
    const perKeyHour = (graphIdle / keys) * (3_600_000 / idleMs);
    const scheduled = 3_600_000 / (push ? backstopMs : intervalMs);
    console.log(`| Graph requests per idle key per hour: measured over ${(idleMs / 1000).toFixed(0)} s / by schedule | ${perKeyHour.toFixed(1)} / ${scheduled.toFixed(1)}${push ? ' (+ renewals: one PATCH per ~5.6 days)' : ''} |`);
    console.log(`| gateway RSS / heap: before subscribers | ${mb(before.rss)} / ${mb(before.heapUsed)} |`);
    console.log(`| gateway RSS / heap: ${subs.length} subscribers, quiet | ${mb(idleMemory.rss)} / ${mb(idleMemory.heapUsed)} |`);
    console.log(`| gateway RSS / heap: after ${changes} changes | ${mb(busyMemory.rss)} / ${mb(busyMemory.heapUsed)} |`);
    console.log(`| gateway CPU per interval, quiet | ${((idleEnd.cpuMs - idleStart.cpuMs) / intervals).toFixed(1)} ms |`);
    console.log(`| gateway CPU per interval while changes flow | ${((busyEnd.cpuMs - busyStart.cpuMs) / busyIntervals).toFixed(1)} ms |`);
    console.log(`| change → delivery at every subscriber (p50 / p99 / max) | ${percentile(latencies, 50).toFixed(0)} / ${percentile(latencies, 99).toFixed(0)} / ${(latencies.at(-1) ?? Number.NaN).toFixed(0)} ms |`);
    console.log(`| fan-out spread: first → last subscriber of one key's batch (p50 / max) | ${percentile(spreads, 50).toFixed(0)} / ${(spreads.at(-1) ?? Number.NaN).toFixed(0)} ms |`);
    console.log(`| deliveries: received / expected, batches, error results | ${latencies.length} / ${subs.length * made.length} (missing ${missing}), ${batches}, ${errors} |`);

    for (const sub of subs) sub.close();
    for (let i = 0; i < 100; i += 1) {
      if ((await gateway.usage(false)).pollers === 0) break;
      await sleep(50);
    }
    console.log(`after every subscriber left: ${(await gateway.usage(false)).pollers} pollers`);
  } finally {
    await gateway.close();
    await emulator.close();
  }
}

const [role, arg1, arg2] = process.argv.slice(2);
if (role === 'emulator') void runEmulator();
else if (role === 'gateway') void runGateway(arg1 ?? '', arg2 ?? '1000', process.argv[5]);
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });

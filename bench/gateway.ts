/**
 * Gateway benchmark: one 10,000-message delta round, pages of 100, read (a) straight from the
 * emulator by an undici client following nextLinks, (s) by Microsoft's Graph JS SDK v3 (Client +
 * PageIterator) and (b) through the gateway by a GraphQL client following endCursor, in the same run. Emulator and gateway each run in their own process (forked
 * from this file), so the gateway's memory is its own and the client does not share their event loop.
 *
 *   npx tsx bench/gateway.ts [--messages 10000] [--page 100] [--repeat 5] [--latency 50] [--profile dir]
 *                            [--node-env production] [--gateway-flags=--max-semi-space-size=64]
 *                            [--dist] [--memory-rounds 3]
 *
 * `--profile dir` runs the gateway with `node --cpu-prof` and prints where its busy time went, per page.
 * `--node-env` and `--gateway-flags` set the gateway process's NODE_ENV and node flags (deployment knobs).
 * `--dist` runs the gateway from the production build (`npm run build` first: dist/, plain JavaScript).
 * `--memory-rounds N` measures only memory: N consecutive gateway rounds, the gateway's RSS and heap after each.
 * Figures go to bench/README.md by hand; nothing here asserts them.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client as GraphSdkClient, PageIterator, type PageCollection } from '@microsoft/microsoft-graph-client';
import { Pool, type Dispatcher } from 'undici';
import { forkBenchChild, listen, serveParent, type BenchChild, type ProcessUsage } from './child-process.js';

const ROOT = resolve(import.meta.dirname, '..');
const SELF = fileURLToPath(import.meta.url);
const CURSOR_SECRET = 'bench-cursor-secret-that-is-long-enough-0123456789';
const IMMUTABLE = 'IdType="ImmutableId"';

// The same node fields on both paths: the gateway turns them into this $select.
const NODE_FIELDS = 'id subject receivedDateTime isRead from { emailAddress { name address } }';
const SELECT = 'id,subject,receivedDateTime,isRead,from';
// `first` is sent on every page (a page that omits it keeps the round's page size, too). Relay
// clients select every edge's cursor; a plain sync client needs only endCursor (path c).
const pageQueries = (edgeCursor: boolean) => {
  const edges = `edges { ${edgeCursor ? 'cursor ' : ''}removed { reason } node { ${NODE_FIELDS} } } pageInfo { hasNextPage endCursor }`;
  return {
    first: `query First($first: Int) { messagesDelta(folderId: "inbox", first: $first) { ${edges} } }`,
    next: `query Next($first: Int, $after: String!) { messagesDelta(folderId: "inbox", first: $first, after: $after) { ${edges} } }`,
  };
};

// ---------------------------------------------------------------------------------------------
// Child processes: `bench/gateway.ts emulator|gateway` answer {type:'memory'} and {type:'close'}.


async function runEmulator(messages: number): Promise<void> {
  const { startEmulator } = await import('../src/emulator/index.js');
  const emulator = await startEmulator({ seed: 'empty' });
  // Exactly `messages` in one folder: created through the admin API (the demo seed spreads mail over folders).
  const started = Date.now();
  const base = Date.parse('2024-01-01T00:00:00Z');
  const bodyText = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(8);
  for (let i = 0; i < messages; i += 50) {
    const batch = [];
    for (let j = i; j < Math.min(messages, i + 50); j++) {
      batch.push(
        emulator.admin.createMessage('inbox', {
          subject: `Benchmark message ${j}`,
          body: { contentType: 'text', content: bodyText },
          from: { emailAddress: { name: `Sender ${j % 97}`, address: `sender${j % 97}@contoso.example` } },
          toRecipients: [{ emailAddress: { name: 'Demo User', address: 'demo@contoso.example' } }],
          receivedDateTime: new Date(base + j * 60_000).toISOString(),
          isRead: j % 3 === 0,
        }),
      );
    }
    await Promise.all(batch);
  }
  // A bare node:http server beside it: the floor of one loopback request/response with this client.
  const bare = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  const bareUrl = await listen(bare);
  serveParent(
    async () => {
      bare.close();
      await emulator.close();
    },
    { url: emulator.url, extra: JSON.stringify({ bareUrl, seedMs: Date.now() - started }) },
  );
}

async function runGateway(graphBaseUrl: string, fromDist: boolean): Promise<void> {
  // The production build has the same modules under dist/ as src/ (tsc, rootDir src).
  const dir = fromDist ? '../dist' : '../src';
  const [{ loadConfig }, { createLogger }, { startGatewayServer }] = (await Promise.all([
    import(`${dir}/config/index.js`),
    import(`${dir}/log.js`),
    import(`${dir}/server/gateway-server.js`),
  ])) as [typeof import('../src/config/index.js'), typeof import('../src/log.js'), typeof import('../src/server/gateway-server.js')];
  // As server.ts builds it: pass-through auth, memory:// store.
  // The read path's switches pass through from the bench's environment (GRAPHQL_JIT=false, GRAPH_PREFETCH=false).
  const switches = Object.fromEntries(['GRAPHQL_JIT', 'GRAPH_PREFETCH'].flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]]])));
  const config = loadConfig({ PORT: '0', GRAPH_BASE_URL: graphBaseUrl, CURSOR_SECRET, LOG_LEVEL: 'silent', ...switches });
  const gateway = await startGatewayServer({ config, logger: createLogger(config.log.level) });
  serveParent(gateway.close, { url: gateway.url });
}

// ---------------------------------------------------------------------------------------------
// The benchmark itself.


function start(role: 'emulator' | 'gateway' | 'gateway-dist', arg: string, execArgv: string[] = [], nodeEnv?: string): Promise<BenchChild> {
  return forkBenchChild(SELF, [role, arg], { execArgv, env: nodeEnv === undefined ? process.env : { ...process.env, NODE_ENV: nodeEnv } });
}

interface RoundResult {
  ms: number;
  pages: number;
  ids: string[];
  /** Gateway rounds: response bytes per page and characters per edge cursor (medians of the round). */
  bytesPerPage?: number;
  cursorChars?: number;
}

interface PageHook {
  (page: number): Promise<void>;
}

/** (a) Graph's own paging, as a careful client of Graph would do it. */
async function directRound(pool: Pool, origin: string, token: string, pageSize: number): Promise<RoundResult> {
  const headers = { authorization: `Bearer ${token}`, prefer: [`odata.maxpagesize=${pageSize}`, IMMUTABLE].join(', ') };
  const ids: string[] = [];
  let pages = 0;
  let path: string | undefined = `/v1.0/me/mailFolders/inbox/messages/delta?$select=${SELECT}`;
  const t0 = performance.now();
  while (path !== undefined) {
    const { statusCode, body } = await pool.request({ method: 'GET', path, headers });
    const page = (await body.json()) as { value: { id: string }[]; '@odata.nextLink'?: string };
    if (statusCode !== 200) throw new Error(`direct page answered ${statusCode}`);
    pages += 1;
    for (const item of page.value) ids.push(item.id);
    const next = page['@odata.nextLink'];
    path = next === undefined ? undefined : next.slice(origin.length);
  }
  return { ms: performance.now() - t0, pages, ids };
}

// The SDK sends its token only to https hosts it knows and follows only https links: it gets an https base
// URL on a custom host, the emulator writes its links with that origin during SDK rounds, and a dispatcher
// carries the SDK's fetch to the emulator over plain TCP.
const SDK_HOST = 'graph.bench.example';
const SDK_ORIGIN = `https://${SDK_HOST}`;

/** Every request of the SDK's fetch, whatever its origin, goes to the emulator's pool (plain TCP, loopback). */
function sdkClient(pool: Pool, token: string): GraphSdkClient {
  return GraphSdkClient.init({
    authProvider: (done) => done(null, token),
    baseUrl: SDK_ORIGIN,
    customHosts: new Set([SDK_HOST]),
    defaultVersion: 'v1.0',
    // Node's fetch honours undici's `dispatcher`; the pool ignores the request's origin and uses its own.
    fetchOptions: { dispatcher: pool as Dispatcher } as RequestInit,
  });
}

/** (s) Microsoft's Graph JS SDK v3: `api(...).select(...).header('Prefer', ...)`, then PageIterator to the end. */
async function sdkRound(client: GraphSdkClient, pageSize: number): Promise<RoundResult> {
  const prefer = [`odata.maxpagesize=${pageSize}`, IMMUTABLE].join(', ');
  const ids: string[] = [];
  const t0 = performance.now();
  const first = (await client.api('/me/mailFolders/inbox/messages/delta').select(SELECT).header('Prefer', prefer).get()) as PageCollection;
  // PageIterator carries no headers to later pages unless given them: the same Prefer on every request.
  const iterator = new PageIterator(
    client,
    first,
    (item: { id: string }) => {
      ids.push(item.id);
      return true;
    },
    { headers: { Prefer: prefer } },
  );
  // The callback never pauses it: one call reads the round to its deltaLink, one page in flight at a time.
  await iterator.iterate();
  if (iterator.getDeltaLink() === undefined) throw new Error('SDK round ended without a deltaLink');
  const pages = Math.max(1, Math.ceil(ids.length / pageSize));
  return { ms: performance.now() - t0, pages, ids };
}

interface Connection {
  edges: { cursor?: string; node: { id: string } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string };
}

/** Pages the gateway has served in this run (for the profile's per-page figures). */
let gatewayPagesServed = 0;

/** (b) The same round through the gateway: messagesDelta with `first`, then `after: endCursor` to the end. */
async function gatewayRound(pool: Pool, token: string, pageSize: number, options: { edgeCursors?: boolean; onPage?: PageHook } = {}): Promise<RoundResult> {
  const { edgeCursors = true, onPage } = options;
  const queries = pageQueries(edgeCursors);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' };
  const ids: string[] = [];
  let pages = 0;
  let variables: Record<string, unknown> = { first: pageSize };
  let query = queries.first;
  let elapsed = 0;
  const bytes: number[] = [];
  const cursorChars: number[] = [];
  for (;;) {
    const t0 = performance.now();
    const { statusCode, body } = await pool.request({ method: 'POST', path: '/graphql', headers, body: JSON.stringify({ query, variables }) });
    const text = await body.text();
    const result = JSON.parse(text) as { data?: { messagesDelta: Connection }; errors?: unknown };
    elapsed += performance.now() - t0;
    bytes.push(Buffer.byteLength(text));
    if (statusCode !== 200 || !result.data) throw new Error(`gateway page answered ${statusCode}: ${JSON.stringify(result.errors)}`);
    pages += 1;
    gatewayPagesServed += 1;
    const { edges, pageInfo } = result.data.messagesDelta;
    for (const edge of edges) ids.push(edge.node.id);
    if (edges[0]?.cursor !== undefined) cursorChars.push(edges[0].cursor.length);
    await onPage?.(pages);
    if (!pageInfo.hasNextPage) break;
    query = queries.next;
    variables = { first: pageSize, after: pageInfo.endCursor };
  }
  return { ms: elapsed, pages, ids, bytesPerPage: median(bytes), ...(cursorChars.length > 0 ? { cursorChars: median(cursorChars) } : {}) };
}

async function bareRate(pool: Pool, requests: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < requests; i++) {
    const { body } = await pool.request({ method: 'GET', path: '/' });
    await body.json();
  }
  return performance.now() - t0;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
const cpuSince = (start: NodeJS.CpuUsage) => {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
};
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

type ProfileFrame = { functionName: string; url: string; lineNumber: number };

// Where the gateway's busy time goes, by the innermost frame that names a part. Start-up (module
// loading) is set apart wherever it appears on the stack; garbage collection has no stack.
const PROFILE_PARTS: [string, (f: ProfileFrame) => boolean][] = [
  ['cursor seal (AES-GCM)', (f) => /codec|round-cursor/.test(f.url) && /^(seal|sealRound|sealRoundAt)$/.test(f.functionName)],
  ['cursor open', (f) => /codec|round-cursor/.test(f.url) && /^(open|openRound)$/.test(f.functionName)],
  ['DateTime scalar', (f) => /src\/schema\/date-time/.test(f.url)],
  ["JSON.parse of Graph's page", (f) => f.functionName === 'parseJson'],
  ['Graph request (our client, undici)', (f) => /src\/graph\/|undici/.test(f.url)],
  ['auth (pass-through: JWT decode)', (f) => /src\/auth\/|jose/.test(f.url)],
  ['delta engine, connection, selection', (f) => /src\/delta\//.test(f.url)],
  ['result JSON.stringify', (f) => f.functionName === 'jsonStringifyResultWithoutInternals'],
  ['GraphQL execution (executor, graphql-js, resolvers)', (f) => /@graphql-tools\/|node_modules\/graphql\/|src\/schema\/|@pothos/.test(f.url)],
  ['yoga, envelop, whatwg-node (request, plugins, response)', (f) => /graphql-yoga|@envelop|@whatwg-node|graphql-armor|src\/yoga/.test(f.url)],
];
const STARTUP = (f: ProfileFrame) => /node:internal\/modules|tsx\/dist|node:internal\/bootstrap/.test(f.url) || f.functionName === 'compileForInternalLoader';

/**
 * The gateway's main-thread profile (tsx's loader thread writes its own), as busy time per part and
 * the top functions by self time; idle and start-up left out. `pages` turns totals into ms a page.
 */
async function summarizeProfile(dir: string, pages: number, top = 20): Promise<string> {
  // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread.
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile') && f.split('.')[4] === '0');
  const parts = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  for (const file of files) {
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as {
      nodes: { id: number; callFrame: ProfileFrame; children?: number[] }[];
      samples: number[];
      timeDeltas: number[];
    };
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const stack = (id: number) => {
      const frames: ProfileFrame[] = [];
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const frame = byId.get(at)?.callFrame;
        if (frame) frames.push(frame);
      }
      return frames;
    };
    profile.samples.forEach((id, i) => {
      const frames = stack(id);
      const leaf = frames[0];
      const dt = profile.timeDeltas[i] ?? 0;
      if (!leaf || leaf.functionName === '(idle)' || frames.some(STARTUP)) return;
      let part = leaf.functionName === '(garbage collector)' ? 'garbage collection' : undefined;
      for (const frame of frames) {
        if (part) break;
        part = PROFILE_PARTS.find(([, test]) => test(frame))?.[0];
      }
      part ??= 'other (node:http, streams, timers, natives)';
      parts.set(part, (parts.get(part) ?? 0) + dt);
      const where = leaf.url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '');
      const key = `${leaf.functionName || '(anonymous)'} ${where ? `${where}:${leaf.lineNumber + 1}` : ''}`.trim();
      functions.set(key, (functions.get(key) ?? 0) + dt);
      busy += dt;
    });
  }
  const rows = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `${((us / busy) * 100).toFixed(1).padStart(5)}%  ${(us / 1000 / pages).toFixed(2).padStart(6)} ms a page  ${k}`)
      .join('\n');
  return `Busy ${(busy / 1000 / pages).toFixed(2)} ms a page (${pages} pages), by part:\n${rows(parts, parts.size)}\n\nTop functions by self time:\n${rows(functions, top)}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      messages: { type: 'string' },
      page: { type: 'string' },
      repeat: { type: 'string' },
      latency: { type: 'string' },
      profile: { type: 'string' },
      'node-env': { type: 'string' },
      'gateway-flags': { type: 'string' },
      dist: { type: 'boolean' },
      'memory-rounds': { type: 'string' },
    },
  });
  const MESSAGES = Number(values.messages ?? 10_000);
  const PAGE = Number(values.page ?? 100);
  const REPEAT = Number(values.repeat ?? 5);
  // Real Graph answers a delta page in tens to hundreds of ms; the emulator in ~2 ms. A second, shorter
  // run with this much emulator latency per request shows the ratio a user of real Graph would see.
  const LATENCY_MS = Number(values.latency ?? 50);
  const profileDir = values.profile === undefined ? undefined : resolve(values.profile);
  if (profileDir) await mkdir(profileDir, { recursive: true });

  const loadStart = loadavg().map((l) => l.toFixed(1)).join(' ');
  const emulator = await start('emulator', String(MESSAGES));
  const { bareUrl, seedMs } = JSON.parse(emulator.extra ?? '{}') as { bareUrl: string; seedMs: number };
  // Deployment knobs of the gateway process: NODE_ENV=production turns off graphql-js's development
  // checks; node flags such as --max-semi-space-size=64 change how often V8 collects young garbage.
  const gatewayFlags = (values['gateway-flags'] ?? '').split(' ').filter((f) => f !== '');
  const nodeEnv = values['node-env'];
  const gateway = await start(values.dist ? 'gateway-dist' : 'gateway', emulator.url, [...gatewayFlags, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])], nodeEnv);
  const token = await (await fetch(`${emulator.url}/_emulator/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json().then((b) => (b as { access_token: string }).access_token);

  const emulatorPool = new Pool(emulator.url, { connections: 4 });
  const gatewayPool = new Pool(gateway.url, { connections: 4 });
  const barePool = new Pool(bareUrl, { connections: 4 });
  const sdkPool = new Pool(emulator.url, { connections: 4 });
  const sdk = sdkClient(sdkPool, token);
  const setLinkOrigin = (origin: string | null) =>
    fetch(`${emulator.url}/_emulator/link-origin`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ origin }) });
  /** An SDK round with the emulator writing https links on the SDK's host (gateway rounds need its own origin). */
  const sdkRoundOnHost = async () => {
    await setLinkOrigin(SDK_ORIGIN);
    try {
      return await sdkRound(sdk, PAGE);
    } finally {
      await setLinkOrigin(null);
    }
  };
  try {
    if (values['memory-rounds'] !== undefined) {
      await memoryRounds(gateway, gatewayPool, token, PAGE, Number(values['memory-rounds']), { messages: MESSAGES, dist: values.dist === true, nodeEnv });
      return;
    }
    const gatewayStart = await gateway.usage();

    // Warm-up (JIT, connections), and a check that both paths read the same items in the same order.
    const warmDirect = await directRound(emulatorPool, emulator.url, token, PAGE);
    const warmGateway = await gatewayRound(gatewayPool, token, PAGE);
    const warmSdk = await sdkRoundOnHost();
    const sameAs = (other: RoundResult) => warmDirect.ids.length === other.ids.length && warmDirect.ids.every((id, i) => other.ids[i] === id);
    if (warmDirect.ids.length !== MESSAGES || !sameAs(warmGateway) || !sameAs(warmSdk)) {
      throw new Error(`paths disagree: direct ${warmDirect.ids.length} items, gateway ${warmGateway.ids.length} (same order: ${sameAs(warmGateway)}), SDK ${warmSdk.ids.length} (same order: ${sameAs(warmSdk)})`);
    }
    await fetch(`${emulator.url}/_emulator/requests`, { method: 'DELETE' });

    const direct: number[] = [];
    const viaSdk: number[] = [];
    const viaGateway: number[] = [];
    const noEdgeCursors: number[] = [];
    let sizes = { withCursors: 0, withoutCursors: 0, cursorChars: 0 };
    const gatewayCpuNoEdgeCursors: number[] = [];
    // CPU time (ms) each process spent per round: robust where wall time suffers from other load on the machine.
    const cpu = {
      directEmulator: [] as number[],
      sdkEmulator: [] as number[],
      gatewayEmulator: [] as number[],
      gateway: [] as number[],
      client: { direct: [] as number[], sdk: [] as number[], gateway: [] as number[] },
    };
    let pages = { direct: 0, gateway: 0 };
    let upstream = 0;
    const deltaRequests = async () => ((await (await fetch(`${emulator.url}/_emulator/requests`)).json()) as { path: string }[]).filter((r) => r.path.includes('/messages/delta')).length;
    for (let i = 0; i < REPEAT; i++) {
      // Alternate so that drift (thermal, GC, other load) hits both paths alike.
      let e0 = (await emulator.usage(false)).cpuMs;
      let c0 = process.cpuUsage();
      const a = await directRound(emulatorPool, emulator.url, token, PAGE);
      cpu.client.direct.push(cpuSince(c0));
      let e1 = (await emulator.usage(false)).cpuMs;
      cpu.directEmulator.push(e1 - e0);
      await fetch(`${emulator.url}/_emulator/requests`, { method: 'DELETE' });

      await setLinkOrigin(SDK_ORIGIN);
      e0 = (await emulator.usage(false)).cpuMs;
      c0 = process.cpuUsage();
      const s = await sdkRound(sdk, PAGE);
      cpu.client.sdk.push(cpuSince(c0));
      cpu.sdkEmulator.push((await emulator.usage(false)).cpuMs - e0);
      await setLinkOrigin(null);
      viaSdk.push(s.ms);
      await fetch(`${emulator.url}/_emulator/requests`, { method: 'DELETE' });

      e0 = (await emulator.usage(false)).cpuMs;
      const g0 = (await gateway.usage(false)).cpuMs;
      c0 = process.cpuUsage();
      const b = await gatewayRound(gatewayPool, token, PAGE);
      cpu.client.gateway.push(cpuSince(c0));
      cpu.gateway.push((await gateway.usage(false)).cpuMs - g0);
      e1 = (await emulator.usage(false)).cpuMs;
      cpu.gatewayEmulator.push(e1 - e0);
      upstream = await deltaRequests();
      await fetch(`${emulator.url}/_emulator/requests`, { method: 'DELETE' });

      const g1 = (await gateway.usage(false)).cpuMs;
      const c = await gatewayRound(gatewayPool, token, PAGE, { edgeCursors: false });
      noEdgeCursors.push(c.ms);
      sizes = { withCursors: b.bytesPerPage ?? 0, withoutCursors: c.bytesPerPage ?? 0, cursorChars: b.cursorChars ?? 0 };
      gatewayCpuNoEdgeCursors.push((await gateway.usage(false)).cpuMs - g1);
      direct.push(a.ms);
      viaGateway.push(b.ms);
      pages = { direct: a.pages, gateway: b.pages };
    }

    // Memory as the round grows: gateway heap after a full GC every 10 pages of one more round.
    const samples: { page: number; m: ProcessUsage }[] = [{ page: 0, m: await gateway.usage() }];
    await gatewayRound(gatewayPool, token, PAGE, {
      onPage: async (page) => {
        if (page % Math.max(1, Math.round(pages.gateway / 10)) === 0) samples.push({ page, m: await gateway.usage() });
      },
    });
    const gatewayEnd = await gateway.usage();

    const withLatency = { direct: [] as number[], sdk: [] as number[], gateway: [] as number[] };
    if (LATENCY_MS > 0) {
      await fetch(`${emulator.url}/_emulator/realism`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: LATENCY_MS }) });
      for (let i = 0; i < 3; i++) {
        withLatency.direct.push((await directRound(emulatorPool, emulator.url, token, PAGE)).ms);
        withLatency.sdk.push((await sdkRoundOnHost()).ms);
        withLatency.gateway.push((await gatewayRound(gatewayPool, token, PAGE)).ms);
      }
    }

    await bareRate(barePool, 200);
    const bareRuns: number[] = [];
    for (let i = 0; i < REPEAT; i++) bareRuns.push(await bareRate(barePool, pages.direct));
    const bareMs = median(bareRuns);

    const d = median(direct);
    const g = median(viaGateway);
    const cpuModel = cpus()[0]?.model ?? 'unknown CPU';
    const out: string[] = [];
    out.push(`\nGateway benchmark (${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${cpus().length} × ${cpuModel}; load average at the start ${loadStart})`);
    out.push(`Gateway process: GRAPHQL_JIT=${process.env['GRAPHQL_JIT'] ?? '(default)'}, GRAPH_PREFETCH=${process.env['GRAPH_PREFETCH'] ?? '(default)'}, NODE_ENV=${nodeEnv ?? process.env['NODE_ENV'] ?? '(unset)'}${gatewayFlags.length > 0 ? `, node ${gatewayFlags.join(' ')}` : ''}.`);
    out.push(`${MESSAGES.toLocaleString('en')} messages in the inbox (seeded in ${seedMs} ms), pages of ${PAGE}, ${REPEAT} timed rounds per path after one warm-up round each.\n`);
    out.push('| path | round, median (min–max) | per page | ratio |');
    out.push('|---|---|---|---|');
    const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
    out.push(`| (a) undici → emulator, following nextLinks | ${d.toFixed(0)} ms (${range(direct)}) | ${(d / pages.direct).toFixed(2)} ms × ${pages.direct} | 1.00 |`);
    const sd = median(viaSdk);
    out.push(`| (s) Graph JS SDK v3 (Client + PageIterator) → emulator | ${sd.toFixed(0)} ms (${range(viaSdk)}) | ${(sd / pages.direct).toFixed(2)} ms × ${pages.direct} | ${(sd / d).toFixed(2)} |`);
    out.push(`| (b) GraphQL client → gateway → emulator, following endCursor | ${g.toFixed(0)} ms (${range(viaGateway)}) | ${(g / pages.gateway).toFixed(2)} ms × ${pages.gateway} | **${(g / d).toFixed(2)}** |`);
    const c = median(noEdgeCursors);
    out.push(`| (c) as (b), selecting no edge cursors (endCursor only) | ${c.toFixed(0)} ms (${range(noEdgeCursors)}) | ${(c / pages.gateway).toFixed(2)} ms × ${pages.gateway} | **${(c / d).toFixed(2)}** |`);
    out.push(`| (b) / (s), (c) / (s): gateway against the SDK | | | ${(g / sd).toFixed(2)}, ${(c / sd).toFixed(2)} |`);
    out.push(`| bare node:http, ${pages.direct} sequential requests (floor) | ${bareMs.toFixed(0)} ms | ${(bareMs / pages.direct).toFixed(2)} ms | – |`);
    if (LATENCY_MS > 0) {
      const [ld, lg] = [median(withLatency.direct), median(withLatency.gateway)];
      out.push(`| (a) with ${LATENCY_MS} ms emulator latency per request, 3 rounds | ${ld.toFixed(0)} ms (${range(withLatency.direct)}) | ${(ld / pages.direct).toFixed(2)} ms × ${pages.direct} | 1.00 |`);
      const ls = median(withLatency.sdk);
      out.push(`| (s) with ${LATENCY_MS} ms emulator latency per request, 3 rounds | ${ls.toFixed(0)} ms (${range(withLatency.sdk)}) | ${(ls / pages.direct).toFixed(2)} ms × ${pages.direct} | ${(ls / ld).toFixed(2)} |`);
      out.push(`| (b) with ${LATENCY_MS} ms emulator latency per request, 3 rounds | ${lg.toFixed(0)} ms (${range(withLatency.gateway)}) | ${(lg / pages.gateway).toFixed(2)} ms × ${pages.gateway} | **${(lg / ld).toFixed(2)}** |`);
    }
    out.push(
      `\nResponse per page: ${(sizes.withCursors / 1024).toFixed(1)} KB with edge cursors, ${(sizes.withoutCursors / 1024).toFixed(1)} KB without; an edge cursor is ${sizes.cursorChars} characters (${(((sizes.withCursors - sizes.withoutCursors) / sizes.withCursors) * 100).toFixed(0)} % of the page is cursors).`,
    );
    out.push(`\nGraph requests per gateway round: ${upstream} (direct client: ${pages.direct}). Load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}.`);
    const m = (xs: number[]) => median(xs).toFixed(0);
    out.push('\nCPU time per round, median (ms; independent of other load on the machine):\n');
    out.push('| path | client | gateway | emulator | total | ratio |');
    out.push('|---|---|---|---|---|---|');
    const totalA = median(cpu.client.direct) + median(cpu.directEmulator);
    const totalB = median(cpu.client.gateway) + median(cpu.gateway) + median(cpu.gatewayEmulator);
    out.push(`| (a) direct | ${m(cpu.client.direct)} | – | ${m(cpu.directEmulator)} | ${totalA.toFixed(0)} | 1.00 |`);
    const totalS = median(cpu.client.sdk) + median(cpu.sdkEmulator);
    out.push(`| (s) Graph JS SDK | ${m(cpu.client.sdk)} | – | ${m(cpu.sdkEmulator)} | ${totalS.toFixed(0)} | ${(totalS / totalA).toFixed(2)} |`);
    out.push(`| (b) through the gateway | ${m(cpu.client.gateway)} | ${m(cpu.gateway)} | ${m(cpu.gatewayEmulator)} | ${totalB.toFixed(0)} | ${(totalB / totalA).toFixed(2)} |`);
    out.push(`| (c) as (b), no edge cursors | | ${m(gatewayCpuNoEdgeCursors)} | | | |`);
    out.push(`\nGateway CPU per page: (b) ${(median(cpu.gateway) / pages.gateway).toFixed(2)} ms, (c) ${(median(gatewayCpuNoEdgeCursors) / pages.gateway).toFixed(2)} ms.`);
    out.push(`\nGateway process memory (after a full GC): start ${mb(gatewayStart.heapUsed)} heap / ${mb(gatewayStart.rss)} RSS; after ${2 * REPEAT + 2} rounds ${mb(gatewayEnd.heapUsed)} heap / ${mb(gatewayEnd.rss)} RSS.`);
    out.push('\n| page of the round | heap used | RSS |');
    out.push('|---|---|---|');
    for (const { page, m } of samples) out.push(`| ${page} | ${mb(m.heapUsed)} | ${mb(m.rss)} |`);
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await Promise.all([emulatorPool.close(), gatewayPool.close(), barePool.close(), sdkPool.close()]);
    await gateway.close();
    await emulator.close();
  }
  if (profileDir) process.stdout.write(`\nGateway CPU profile (${profileDir}):\n${await summarizeProfile(profileDir, gatewayPagesServed)}\n`);
}

/**
 * Memory over consecutive rounds: the gateway's RSS and heap after each round, as the OS sees them and
 * after a full GC. A sync service runs round after round; what a round leaves behind must not add up.
 */
async function memoryRounds(gateway: BenchChild, pool: Pool, token: string, pageSize: number, rounds: number, about: { messages: number; dist: boolean; nodeEnv: string | undefined }): Promise<void> {
  const out: string[] = [];
  out.push(`\nGateway memory over ${rounds} consecutive rounds (${new Date().toISOString().slice(0, 10)}, node ${process.version}; ${about.messages.toLocaleString('en')} messages, first: ${pageSize}; gateway from ${about.dist ? 'dist/' : 'src/ (tsx)'}, NODE_ENV=${about.nodeEnv ?? '(unset)'})\n`);
  out.push('| after | RSS | heap used | heap total | external | RSS after a full GC | heap used after a full GC | round |');
  out.push('|---|---|---|---|---|---|---|---|');
  const row = async (label: string, ms?: number) => {
    const raw = await gateway.usage(false);
    const gc = await gateway.usage(true);
    out.push(`| ${label} | ${mb(raw.rss)} | ${mb(raw.heapUsed)} | ${mb(raw.heapTotal)} | ${mb(raw.external)} | ${mb(gc.rss)} | ${mb(gc.heapUsed)} | ${ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`} |`);
    return raw.rss;
  };
  await row('start');
  const rss: number[] = [];
  for (let i = 1; i <= rounds; i++) {
    const r = await gatewayRound(pool, token, pageSize);
    if (r.ids.length !== about.messages) throw new Error(`round ${i} read ${r.ids.length} items, not ${about.messages}`);
    rss.push(await row(`round ${i}`, r.ms));
  }
  const first = rss[0] ?? 0;
  const last = rss[rss.length - 1] ?? 0;
  out.push(`\nRSS after round ${rounds} against after round 1: ${last >= first ? '+' : ''}${(((last - first) / first) * 100).toFixed(1)} %.`);
  process.stdout.write(`${out.join('\n')}\n`);
}

const [role, arg] = process.argv.slice(2);
if (role === 'emulator') await runEmulator(Number(arg));
else if (role === 'gateway') await runGateway(arg ?? '', false);
else if (role === 'gateway-dist') await runGateway(arg ?? '', true);
else await main();

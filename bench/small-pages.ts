/**
 * Small pages: `messagesDelta(first: 10)` through the gateway against a bare `createYoga` hello world
 * (throughput, autocannon, 10 connections, same run), and the latency the gateway adds over the same
 * Graph request made directly (sequential requests, p50/p99). Emulator, gateway and bare yoga each run
 * in their own process; autocannon and the latency client in this one.
 *
 *   npx tsx bench/small-pages.ts [--seconds 5] [--requests 300]
 *
 * Figures go to bench/README.md by hand; nothing here asserts them.
 */
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { forkBenchChild, serveParent, type BenchChild } from './child-process.js';

const SELF = fileURLToPath(import.meta.url);
const CURSOR_SECRET = 'bench-cursor-secret-that-is-long-enough-0123456789';
const QUERY = 'query { messagesDelta(folderId: "inbox", first: 10) { edges { node { id subject receivedDateTime isRead from { emailAddress { name address } } } } pageInfo { hasNextPage endCursor } } }';
const DIRECT = '/v1.0/me/mailFolders/inbox/messages/delta?$select=id,subject,receivedDateTime,isRead,from';

async function runEmulator(): Promise<void> {
  const { startEmulator } = await import('../src/emulator/index.js');
  const emulator = await startEmulator({ seed: 'empty' });
  for (let i = 0; i < 200; i++) await emulator.admin.createMessage('inbox', { subject: `Small page ${i}`, from: { emailAddress: { name: 'S', address: 's@contoso.example' } } });
  serveParent(() => emulator.close(), { url: emulator.url });
}

async function runGateway(graphBaseUrl: string): Promise<void> {
  const [{ loadConfig }, { createLogger }, { startGatewayServer }] = await Promise.all([
    import('../src/config/index.js'),
    import('../src/log.js'),
    import('../src/server/gateway-server.js'),
  ]);
  const switches = Object.fromEntries(['GRAPHQL_JIT', 'GRAPH_PREFETCH'].flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]]])));
  const config = loadConfig({ PORT: '0', GRAPH_BASE_URL: graphBaseUrl, CURSOR_SECRET, LOG_LEVEL: 'silent', ...switches });
  const gateway = await startGatewayServer({ config, logger: createLogger(config.log.level) });
  serveParent(gateway.close, { url: gateway.url });
}

async function runBareYoga(): Promise<void> {
  const { createSchema, createYoga } = await import('graphql-yoga');
  const yoga = createYoga({ schema: createSchema({ typeDefs: 'type Query { hello: String! }', resolvers: { Query: { hello: () => 'world' } } }), logging: false });
  const server = createServer(yoga);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  serveParent(() => new Promise<void>((done) => server.close(() => done())), { url: `http://127.0.0.1:${port}` });
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

async function main(): Promise<void> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { seconds: { type: 'string' }, requests: { type: 'string' } } });
  const SECONDS = Number(values.seconds ?? 5);
  const REQUESTS = Number(values.requests ?? 300);
  const loadStart = loadavg().map((l) => l.toFixed(1)).join(' ');
  const emulator = await forkBenchChild(SELF, ['emulator']);
  const children: BenchChild[] = [emulator];
  try {
    const gateway = await forkBenchChild(SELF, ['gateway', emulator.url]);
    const bare = await forkBenchChild(SELF, ['bare']);
    children.push(gateway, bare);
    const token = await (await fetch(`${emulator.url}/_emulator/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json().then((b) => (b as { access_token: string }).access_token);
    const gql = (query: string) => ({ method: 'POST' as const, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query }) });
    const cannon = async (url: string, query: string) => {
      const r = await autocannon({ url: `${url}/graphql`, connections: 10, duration: SECONDS, ...gql(query) });
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      return r.requests.average;
    };
    // Throughput, alternating, two rounds each after a warm-up.
    await cannon(bare.url, '{ hello }');
    await cannon(gateway.url, QUERY);
    const rates = { bare: [] as number[], gateway: [] as number[] };
    for (let i = 0; i < 2; i++) {
      rates.bare.push(await cannon(bare.url, '{ hello }'));
      rates.gateway.push(await cannon(gateway.url, QUERY));
    }
    // Added latency: the same Graph request (first page of a round, 10 items) direct and through the gateway, alternating.
    const direct = new Pool(emulator.url, { connections: 1 });
    const through = new Pool(gateway.url, { connections: 1 });
    const ms = { direct: [] as number[], gateway: [] as number[] };
    for (let i = 0; i < REQUESTS + 20; i++) {
      let t0 = performance.now();
      const a = await direct.request({ method: 'GET', path: DIRECT, headers: { authorization: `Bearer ${token}`, prefer: 'odata.maxpagesize=10, IdType="ImmutableId"' } });
      await a.body.json();
      if (i >= 20) ms.direct.push(performance.now() - t0);
      t0 = performance.now();
      const b = await through.request({ path: '/graphql', ...gql(QUERY) });
      await b.body.json();
      if (i >= 20) ms.gateway.push(performance.now() - t0);
    }
    await Promise.all([direct.close(), through.close()]);
    const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const [rb, rg] = [avg(rates.bare), avg(rates.gateway)];
    const out = [
      `\nSmall pages (${new Date().toISOString().slice(0, 10)}, node ${process.version}; load average at the start ${loadStart}, at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')})`,
      `GRAPHQL_JIT=${process.env['GRAPHQL_JIT'] ?? '(default)'}, GRAPH_PREFETCH=${process.env['GRAPH_PREFETCH'] ?? '(default)'}\n`,
      '| measure | bare createYoga `{ hello }` | gateway `messagesDelta(first: 10)` | ratio |',
      '|---|---|---|---|',
      `| requests/s, autocannon 10 connections, ${SECONDS} s × 2 | ${rb.toFixed(0)} (${rates.bare.map((x) => x.toFixed(0)).join(', ')}) | ${rg.toFixed(0)} (${rates.gateway.map((x) => x.toFixed(0)).join(', ')}) | **${(rg / rb).toFixed(2)}** |`,
      '',
      '| latency, sequential, one connection each | direct Graph request | through the gateway | added |',
      '|---|---|---|---|',
      `| p50 (${REQUESTS} requests) | ${percentile(ms.direct, 50).toFixed(2)} ms | ${percentile(ms.gateway, 50).toFixed(2)} ms | **+${(percentile(ms.gateway, 50) - percentile(ms.direct, 50)).toFixed(2)} ms** |`,
      `| p99 | ${percentile(ms.direct, 99).toFixed(2)} ms | ${percentile(ms.gateway, 99).toFixed(2)} ms | **+${(percentile(ms.gateway, 99) - percentile(ms.direct, 99)).toFixed(2)} ms** |`,
    ];
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    for (const child of children.reverse()) await child.close();
  }
}

const [role, arg] = process.argv.slice(2);
if (role === 'emulator') await runEmulator();
else if (role === 'gateway') await runGateway(arg ?? '');
else if (role === 'bare') await runBareYoga();
else await main();

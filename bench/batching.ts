/**
 * Batching benchmark: a dashboard operation (inbox, sent items and the contacts as three
 * connections, plus each inbox message's parentFolder where the schema has it) against the
 * emulator with Graph latency, run one operation after another. Reports wall time per operation
 * and Graph requests per operation (HTTP round trips, and requests counting each inner one).
 *
 *   npx tsx bench/batching.ts [--latency 50] [--repeat 20] [--first 25]
 *
 * Emulator and gateway share this process (both mostly wait on the emulator's latency timer).
 * The same file runs against an older checkout (it uses only startEmulator/startGatewayServer), so
 * "before" and "after" come from the same script on the same machine. Figures go to bench/README.md.
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/index.js';
import { startEmulator } from '../src/emulator/index.js';
import { createLogger } from '../src/log.js';
import { startGatewayServer } from '../src/server/gateway-server.js';

const { values } = parseArgs({
  options: { latency: { type: 'string', default: '50' }, repeat: { type: 'string', default: '20' }, first: { type: 'string', default: '25' } },
});
const latencyMs = Number(values.latency);
const repeat = Number(values.repeat);
const first = Number(values.first);

const emulator = await startEmulator({ seed: { preset: 'demo', messages: 300 }, realism: { latencyMs } });
const config = loadConfig({
  PORT: '0',
  GRAPH_BASE_URL: emulator.url,
  CURSOR_SECRET: 'bench-cursor-secret-that-is-long-enough-0123456789',
  LOG_LEVEL: 'silent',
});
const gateway = await startGatewayServer({ config, logger: createLogger('silent') });
const token = await emulator.admin.token();
const folder = (await (await fetch(`${emulator.url}/v1.0/me/contactFolders/contacts`, { headers: { authorization: `Bearer ${token}` } })).json()) as { id: string };

async function graphql(query: string): Promise<{ data?: unknown; errors?: unknown[] }> {
  const res = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as { data?: unknown; errors?: unknown[] };
}

const introspection = (await graphql('{ __type(name: "Message") { fields { name } } }')) as { data: { __type: { fields: { name: string }[] } } };
const hasParentFolder = introspection.data.__type.fields.some((f) => f.name === 'parentFolder');

const dashboard = (withFolder: boolean) => `{
  inbox: messagesDelta(folderId: "inbox", first: ${first}) { edges { node { id subject isRead ${withFolder ? 'parentFolder { displayName }' : ''} } } pageInfo { endCursor } }
  sent: messagesDelta(folderId: "sentitems", first: ${first}) { edges { node { id subject } } pageInfo { endCursor } }
  contacts: contactsDelta(folderId: "${folder.id}", first: ${first}) { edges { node { id displayName } } pageInfo { endCursor } }
}`;

async function measure(label: string, query: string) {
  await graphql(query); // warm-up
  const times: number[] = [];
  let trips = 0;
  let requests = 0;
  for (let i = 0; i < repeat; i++) {
    await emulator.admin.clearRequests();
    const started = performance.now();
    const result = await graphql(query);
    times.push(performance.now() - started);
    if (result.errors) throw new Error(`${label}: ${JSON.stringify(result.errors)}`);
    const log = (await emulator.admin.requests()).filter((e) => !e.path.startsWith('/_emulator'));
    trips += log.filter((e) => (e as { batch?: string }).batch === undefined).length;
    requests += log.filter((e) => !e.path.endsWith('/$batch')).length;
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] as number;
  console.log(
    `${label.padEnd(40)} median ${median.toFixed(0).padStart(5)} ms  (min ${(times[0] as number).toFixed(0)}, max ${(times[times.length - 1] as number).toFixed(0)})  ` +
      `HTTP round trips/op ${(trips / repeat).toFixed(1)}  Graph requests/op ${(requests / repeat).toFixed(1)}`,
  );
}

console.log(`node ${process.version}, ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}; latency ${latencyMs} ms, first ${first}, ${repeat} runs`);
await measure('3 connections', dashboard(false));
if (hasParentFolder) await measure('3 connections + parentFolder', dashboard(true));
else console.log('3 connections + parentFolder                (no Message.parentFolder in this schema)');

await gateway.close();
await emulator.close();

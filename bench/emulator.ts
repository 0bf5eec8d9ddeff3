/**
 * Emulator benchmark: what a page of delta costs, and what 100,000 messages take in memory.
 * Run alone: `npx tsx bench/emulator.ts` (or with `node --expose-gc --import tsx bench/emulator.ts` for
 * heap figures after a full GC). Client and emulator share one process, so figures are conservative.
 * Options: --messages 100000 --pageSize 1000
 */
import { parseArgs } from 'node:util';
import { startEmulator } from '../src/emulator/index.js';
import { generateSeed } from '../src/emulator/data/seed.js';
import { toStoreSeed } from '../src/emulator/data/seed-adapter.js';
import { createStore } from '../src/emulator/data/store.js';

const { values } = parseArgs({ options: { messages: { type: 'string' }, pageSize: { type: 'string' } } });
const MESSAGES = Number(values.messages ?? 100_000);
const PAGE = Number(values.pageSize ?? 1000);

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MB`;
const gc = (globalThis as { gc?: () => void }).gc;
function memory() {
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
}

interface Timed {
  ms: number;
  bytes: number;
  pages: number;
  items: number;
  pageMs: number[];
}

async function round(url: string, token: string, prefer: string): Promise<Timed & { deltaLink: string }> {
  const pageMs: number[] = [];
  let next: string | undefined = url;
  let items = 0;
  let bytes = 0;
  let deltaLink = '';
  const t0 = performance.now();
  while (next) {
    const p0 = performance.now();
    const res = await fetch(next, { headers: { authorization: `Bearer ${token}`, prefer } });
    const text = await res.text();
    bytes += Buffer.byteLength(text);
    const body = JSON.parse(text) as { value: unknown[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };
    if (res.status !== 200) throw new Error(`page answered ${res.status}`);
    pageMs.push(performance.now() - p0);
    items += body.value.length;
    next = body['@odata.nextLink'];
    deltaLink = body['@odata.deltaLink'] ?? deltaLink;
  }
  return { ms: performance.now() - t0, pages: pageMs.length, items, bytes, pageMs, deltaLink };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const before = memory();
const t0 = performance.now();
const emu = await startEmulator({ seed: { preset: 'demo', messages: MESSAGES } });
const startMs = performance.now() - t0;
const seeded = memory();
const token = await emu.admin.token();
const folders = (await (await fetch(`${emu.url}/v1.0/me/mailFolders`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
  value: { displayName: string; totalItemCount: number; wellKnownName?: string }[];
};
const inbox = folders.value.find((f) => f.wellKnownName === 'inbox');
const INBOX = `${emu.url}/v1.0/me/mailFolders/inbox/messages/delta`;

// Warm-up, then measured rounds.
await round(`${INBOX}?$select=subject`, token, `odata.maxpagesize=${PAGE}`);
const full = await round(INBOX, token, `odata.maxpagesize=${PAGE}`);
const selected = await round(`${INBOX}?$select=subject,receivedDateTime,isRead`, token, `odata.maxpagesize=${PAGE}`);
const small = await round(`${INBOX}?$select=subject`, token, 'odata.maxpagesize=10');
const afterRounds = memory();

// Incremental round after 1,000 changes spread over the folder.
const sample = (await round(`${INBOX}?$select=subject`, token, 'odata.maxpagesize=1000')).deltaLink;
const ids: string[] = [];
{
  const res = await fetch(`${INBOX}?$select=subject`, { headers: { authorization: `Bearer ${token}`, prefer: 'odata.maxpagesize=1000' } });
  for (const m of ((await res.json()) as { value: { id: string }[] }).value) ids.push(m.id);
}
const w0 = performance.now();
for (const [i, id] of ids.entries()) {
  if (i % 2 === 0) await emu.admin.updateMessage(id, { isRead: true });
  else await emu.admin.deleteMessage(id);
}
const writeMs = performance.now() - w0;
const incremental = await round(sample, token, `odata.maxpagesize=${PAGE}`);
await emu.close();

// The seed's two phases on their own (the emulator is closed; its store is garbage by now).
gc?.();
const g0 = performance.now();
const generated = generateSeed({ preset: 'demo', messages: MESSAGES });
const generateMs = performance.now() - g0;
const l0 = performance.now();
const loaded = createStore(toStoreSeed(generated));
const loadMs = performance.now() - l0;

const rows: [string, string][] = [
  ['messages seeded (whole mailbox)', `${MESSAGES.toLocaleString('en')} (inbox ${inbox?.totalItemCount.toLocaleString('en')})`],
  ['start + seed', `${startMs.toFixed(0)} ms`],
  ['of which (timed again alone): generateSeed / loading the store', `${generateMs.toFixed(0)} ms / ${loadMs.toFixed(0)} ms (${loaded.seq.toLocaleString('en')} items)`],
  ['RSS / heap used after seeding', `${mb(seeded.rss)} / ${mb(seeded.heapUsed)} (before: ${mb(before.rss)} / ${mb(before.heapUsed)})`],
  [`full inbox round, pages of ${PAGE}, all properties`, `${full.pages} pages, ${(full.pages / (full.ms / 1000)).toFixed(1)} pages/s, ${Math.round(full.items / (full.ms / 1000)).toLocaleString('en')} items/s; ${mb(full.bytes / full.pages)} JSON per page; page median ${median(full.pageMs).toFixed(1)} ms, first ${full.pageMs[0]?.toFixed(1)} ms, last ${full.pageMs.at(-1)?.toFixed(1)} ms`],
  [`same with $select (3 properties)`, `${(selected.pages / (selected.ms / 1000)).toFixed(1)} pages/s, ${Math.round(selected.items / (selected.ms / 1000)).toLocaleString('en')} items/s, ${(selected.bytes / selected.pages / 1024).toFixed(0)} KB per page; page median ${median(selected.pageMs).toFixed(1)} ms`],
  ['pages of 10 (Graph default)', `${(small.pages / (small.ms / 1000)).toFixed(0)} pages/s; median ${median(small.pageMs).toFixed(2)} ms, first ${small.pageMs[0]?.toFixed(2)} ms, last ${small.pageMs.at(-1)?.toFixed(2)} ms`],
  ['1,000 admin writes (500 updates, 500 deletes)', `${(1000 / (writeMs / 1000)).toFixed(0)} writes/s`],
  ['incremental round after them', `${incremental.items} items in ${incremental.pages} page(s), ${incremental.ms.toFixed(1)} ms`],
  ['RSS / heap used after the rounds', `${mb(afterRounds.rss)} / ${mb(afterRounds.heapUsed)}`],
];
process.stdout.write(`\nGraph emulator benchmark (node ${process.version}, ${gc ? 'with' : 'without'} --expose-gc)\n\n| measure | result |\n|---|---|\n`);
for (const [k, v] of rows) process.stdout.write(`| ${k} | ${v} |\n`);

/**
 * `npm run bench`: runs every bench/*.ts except this one, one after another, each in its own
 * process with its default options (and --expose-gc, so benchmarks can report heap after a full
 * GC). Exits non-zero if any benchmark failed.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const BENCH = import.meta.dirname;
const ROOT = resolve(BENCH, '..');
const SELF = basename(import.meta.filename);
const tsx = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

const files = readdirSync(BENCH)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && f !== SELF)
  .sort();
const failed: string[] = [];
for (const file of files) {
  process.stdout.write(`\n=== bench/${file} ===\n`);
  const t0 = performance.now();
  const run = spawnSync(process.execPath, ['--import', tsx, '--expose-gc', join(BENCH, file)], { cwd: ROOT, stdio: 'inherit' });
  const seconds = ((performance.now() - t0) / 1000).toFixed(0);
  if (run.status !== 0) failed.push(file);
  process.stdout.write(`=== bench/${file}: ${run.status === 0 ? 'done' : `failed (${run.status ?? run.signal})`} in ${seconds} s ===\n`);
}
if (failed.length > 0) {
  process.stderr.write(`\nFailed: ${failed.join(', ')}\n`);
  process.exit(1);
}

// `npm run build`: src/ → dist/ (tsc -p tsconfig.build.json, source maps) plus the static files
// tsc does not copy (the live page in src/demo/). `node build.mjs --out-dir DIR [--no-check]`
// builds elsewhere (tests); --no-check skips the type check (the emit is the same).
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = import.meta.dirname;
const { values } = parseArgs({ options: { 'out-dir': { type: 'string' }, 'no-check': { type: 'boolean' } } });
const outDir = resolve(values['out-dir'] ?? join(root, 'dist'));
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin/tsc');

rmSync(outDir, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', outDir, ...(values['no-check'] ? ['--noCheck'] : [])], { stdio: 'inherit' });
// The live page's HTML, CSS and JavaScript (its screenshot is for the README only).
cpSync(join(root, 'src/demo'), join(outDir, 'demo'), { recursive: true, filter: (file) => !file.endsWith('.png') });

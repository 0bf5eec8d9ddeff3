import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** A process of the built code, with its stdout lines. */
function run(script: string, args: string[], env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, [script, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const waitFor = async (pattern: RegExp, timeoutMs = 30_000) => {
    const end = Date.now() + timeoutMs;
    while (!pattern.test(stdout)) {
      if (Date.now() > end || child.exitCode !== null) throw new Error(`no ${pattern} in output:\n${stdout}\n${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return pattern.exec(stdout) as RegExpExecArray;
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return { child, waitFor, stop, stdout: () => stdout };
}

async function graphql(url: string, query: string, variables: Record<string, unknown> = {}, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: any; errors?: unknown[] };
}

/** Reads a whole inbox round through the gateway; returns the number of pages. */
async function round(url: string, token?: string): Promise<number> {
  let after: string | null = null;
  for (let pages = 1; pages < 1000; pages += 1) {
    const result = await graphql(url, 'query($after: String) { messagesDelta(folderId: "inbox", first: 10, after: $after) { edges { node { id subject } } pageInfo { hasNextPage endCursor } } }', { after }, token);
    expect(result.errors).toBeUndefined();
    after = result.data.messagesDelta.pageInfo.endCursor;
    if (!result.data.messagesDelta.pageInfo.hasNextPage) return pages;
  }
  throw new Error('round did not end');
}

async function filesOf(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.js')).map((e) => join(e.parentPath, e.name));
}

describe('the production build (npm run build → node dist/server.js)', () => {
  let work: string;
  let dist: string;
  beforeAll(async () => {
    // Built once, into a directory of its own (other tests never see a half-written dist/); node_modules linked beside it.
    // --no-check: the same output as `npm run build`, without its type check (`npm test` runs tsc --noEmit first).
    work = await mkdtemp(join(tmpdir(), 'delta-gateway-dist-'));
    dist = join(work, 'dist');
    await writeFile(join(work, 'package.json'), JSON.stringify({ type: 'module' }));
    await symlink(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
    await promisify(execFile)(process.execPath, [join(ROOT, 'build.mjs'), '--out-dir', dist, '--no-check'], { cwd: ROOT });
  }, 300_000);
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('emits JavaScript with source maps, importing only runtime dependencies (npm ci --omit=dev suffices)', async () => {
    // dist/demo/ holds the live page's browser files, copied as they are.
    const files = (await filesOf(dist)).filter((file) => !file.startsWith(join(dist, 'demo/')));
    expect(files).toContain(join(dist, 'server.js'));
    expect(files).toContain(join(dist, 'emulator/main.js'));
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    const runtime = new Set([...Object.keys(pkg['dependencies'] ?? {}), ...Object.keys(pkg['optionalDependencies'] ?? {})]);
    const builtins = new Set(builtinModules);
    const seen = new Set<string>();
    for (const file of files) {
      const code = await readFile(file, 'utf8');
      expect(code, file).toContain('//# sourceMappingURL=');
      const specifiers = [
        ...code.matchAll(/^(?:import|export)\s[^;]*?\bfrom\s*['"]([^'"]+)['"];?$/gm),
        ...code.matchAll(/^import\s*['"]([^'"]+)['"];?$/gm),
        ...code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
        // require('x') and createRequire(import.meta.url)('x')
        ...code.matchAll(/(?:\brequire|\))\(\s*['"]([^'"]+)['"]\s*\)/g),
      ].map((match) => match[1]!);
      for (const specifier of specifiers) {
        seen.add(specifier);
        if (specifier.startsWith('.') || specifier.startsWith('node:') || builtins.has(specifier)) continue;
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
        expect(runtime.has(name), `${file} imports ${specifier}, not a runtime dependency`).toBe(true);
      }
    }
    // The scan sees what it must (static, dynamic and createRequire imports).
    for (const known of ['graphql-yoga', '@opentelemetry/sdk-node', '@keyv/sqlite', './emulator/index.js']) expect(seen).toContain(known);
  });

  it('dist/emulator/main.js and dist/server.js in front of it serve a round; every stdout line is JSON; /metrics on METRICS_PORT', async () => {
    const emulator = run(join(dist, 'emulator/main.js'), ['--port', '0'], {});
    try {
      const [, emulatorUrl] = await emulator.waitFor(/listening on (http:\/\/\S+)/);
      const [, token] = await emulator.waitFor(/\):\n(\S+)\n/);
      const gateway = run(join(dist, 'server.js'), [], {
        PORT: '0',
        METRICS_PORT: '0',
        GRAPH_BASE_URL: emulatorUrl!,
        CURSOR_SECRET: 'a-cursor-secret-for-the-build-test-0123456789abcdef',
        NODE_ENV: 'production',
      });
      try {
        const [, graphqlUrl] = await gateway.waitFor(/GraphiQL at (http:\/\/[^\s"]+)/);
        expect(await round(graphqlUrl!, token)).toBeGreaterThan(1);
        const listening = gateway
          .stdout()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Record<string, unknown>)
          .find((r) => r['msg'] === 'delta-gateway listening');
        const metrics = await fetch(listening?.['metricsUrl'] as string);
        expect(metrics.status).toBe(200);
        expect(await metrics.text()).toMatch(/delta_gateway_graph_requests_total\{resource="messages",status="200"\} [1-9]/);
      } finally {
        expect(await gateway.stop()).toBe(0);
      }
      for (const line of gateway.stdout().split('\n').filter(Boolean)) expect(() => JSON.parse(line), line).not.toThrow();
    } finally {
      await emulator.stop();
    }
  }, 90_000);

  it('demo mode from dist/server.js: the embedded emulator, no login', async () => {
    const gateway = run(join(dist, 'server.js'), [], { PORT: '0' });
    try {
      const [, graphqlUrl] = await gateway.waitFor(/GraphiQL at (http:\/\/[^\s"]+)/);
      expect(await round(graphqlUrl!)).toBeGreaterThan(1);
      // The live page's static files are part of the build.
      const page = await fetch(new URL('/', graphqlUrl!));
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<html/i);
      expect((await fetch(new URL('/demo/app.js', graphqlUrl!))).status).toBe(200);
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
  }, 60_000);
});

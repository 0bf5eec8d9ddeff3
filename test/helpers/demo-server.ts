import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '../..');

export interface DemoServer {
  /** GraphiQL / GraphQL endpoint as the server printed it, e.g. http://127.0.0.1:40123/graphql */
  graphqlUrl: string;
  /** Everything the process wrote to stdout and stderr so far (for failure messages). */
  output(): string;
  close(): Promise<void>;
}

/**
 * Starts `src/server.ts` as `npm start` does with no configuration (demo mode: embedded emulator,
 * no login), on a port chosen by the OS. It runs in an empty working directory with a minimal
 * environment, so no `.env` or exported GRAPH_BASE_URL of the developer's can switch demo mode off.
 */
export async function startDemoServer(timeoutMs = 60_000): Promise<DemoServer> {
  const cwd = await mkdtemp(join(tmpdir(), 'delta-gateway-demo-'));
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json') };
  if (process.env['TMPDIR']) env['TMPDIR'] = process.env['TMPDIR'];
  const tsx = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
  const child: ChildProcess = spawn(process.execPath, ['--import', tsx, join(ROOT, 'src/server.ts')], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));

  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(cwd, { recursive: true, force: true });
  };

  try {
    const graphqlUrl = await new Promise<string>((found, fail) => {
      const timer = setTimeout(() => fail(new Error(`demo server printed no URL within ${timeoutMs} ms:\n${output}`)), timeoutMs);
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /GraphiQL at (http:\/\/[^\s"]+)/.exec(output);
        if (match?.[1]) {
          clearTimeout(timer);
          found(match[1]);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        fail(new Error(`demo server exited (${code ?? signal}):\n${output}`));
      });
    });
    return { graphqlUrl, output: () => output, close };
  } catch (error) {
    await close();
    throw error;
  }
}

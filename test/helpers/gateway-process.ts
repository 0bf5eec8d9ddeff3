import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TEST_CURSOR_SECRET } from './gateway.js';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

/** A gateway running `src/server.ts` in a child process of its own, as an operator runs it. */
export interface GatewayProcess {
  /** Origin, e.g. http://127.0.0.1:40001 */
  url: string;
  pid: number;
  /** Resolves when the process has exited, with how. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly alive: boolean;
  /** The last lines it wrote (stdout and stderr), for failure messages. */
  output(): string;
  /** SIGKILL: no cleanup, no lease released (an OOM kill, a lost host). */
  kill(): Promise<void>;
  /** SIGTERM: a graceful stop. */
  stop(): Promise<void>;
}

/** Starts several at once (the slow part of these tests); if one fails, the others are killed. */
export async function startGatewayProcesses(graphBaseUrl: string, envs: Record<string, string>[]): Promise<GatewayProcess[]> {
  const settled = await Promise.allSettled(envs.map((env) => startGatewayProcess(graphBaseUrl, env)));
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) {
    await Promise.all(settled.map((result) => (result.status === 'fulfilled' ? result.value.kill() : undefined)));
    throw failed.reason;
  }
  return settled.map((result) => (result as PromiseFulfilledResult<GatewayProcess>).value);
}

/** Starts `src/server.ts` against `graphBaseUrl` on a free port; resolves once it listens. */
export async function startGatewayProcess(graphBaseUrl: string, env: Record<string, string> = {}): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'src/server.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      GRAPH_BASE_URL: graphBaseUrl,
      CURSOR_SECRET: TEST_CURSOR_SECRET,
      GRAPH_RETRY_BUDGET_MS: '2000',
      // info: the start-up line that names the URL is logged at info.
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let alive = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => {
      alive = false;
      done({ code, signal });
    }),
  );
  let resolveUrl!: (url: string) => void;
  const listening = new Promise<string>((done) => (resolveUrl = done));
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (line === '') continue;
      lines.push(line);
      if (lines.length > Number(process.env.GATEWAY_LOG_LINES ?? 400)) lines.shift();
      const match = /GraphiQL at (http:\/\/[^/\s]+)\/graphql/.exec(line);
      if (match?.[1]) resolveUrl(match[1]);
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const output = () => lines.join('\n');
  // A guard against hanging, not a timing assertion: on a busy 2-core box a start can take tens of seconds.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`gateway process did not start:\n${output()}`)), 120_000)));
  let url: string;
  try {
    url = await Promise.race([listening, timeout, exited.then(() => Promise.reject(new Error(`gateway process exited before listening:\n${output()}`)))]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    clearTimeout(timer);
  }
  const signal = async (name: NodeJS.Signals) => {
    if (alive) child.kill(name);
    await exited;
  };
  return {
    url,
    pid: child.pid ?? -1,
    exited,
    get alive() {
      return alive;
    },
    output,
    kill: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
  };
}

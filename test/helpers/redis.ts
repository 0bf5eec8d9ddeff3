import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

/** A throwaway `redis-server` started by a test. */
export interface TestRedis {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A Redis to test against, or why there is none on this machine. */
export type RedisForTests = { url: string; close(): Promise<void> } | { url?: undefined; reason: string };

let installed: boolean | undefined;

/** Whether the `redis-server` binary is on PATH (asked once per test file). */
export function hasRedisServer(): boolean {
  installed ??= spawnSync('redis-server', ['--version']).status === 0;
  return installed;
}

/** Why Redis tests skip on this machine, or undefined when `redis-server` is installed. */
export function redisSkipReason(what = 'Redis tests'): string | undefined {
  return hasRedisServer() ? undefined : `redis-server is not installed (CI installs it): ${what} skipped`;
}

/**
 * A Redis for tests: `REDIS_URL` when set (left running by `close()`); otherwise a throwaway
 * `redis-server` when the binary is installed; otherwise a reason to skip.
 */
export async function redisForTests(): Promise<RedisForTests> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) return { url: fromEnv, close: async () => {} };
  const reason = redisSkipReason();
  return reason === undefined ? startTestRedis() : { reason };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A throwaway `redis-server` on loopback, nothing persisted; `close()` stops it. On a free port
 * unless given one (a restart on the same port, to test reconnection).
 */
export async function startTestRedis(port?: number): Promise<TestRedis> {
  const listenOn = port ?? (await freePort());
  const child = spawn('redis-server', ['--port', String(listenOn), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${output}`)), 10_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}): ${output}`));
    });
  });
  return {
    url: `redis://127.0.0.1:${listenOn}`,
    port: listenOn,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

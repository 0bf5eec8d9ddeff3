import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

export type RedisForTests = { url: string; close(): Promise<void> } | { url?: undefined; reason: string };

async function freePort(): Promise<number> {
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
 * A Redis for tests: `REDIS_URL` when set; otherwise a throwaway `redis-server` on a free loopback
 * port when the binary is installed (CI installs it); otherwise a reason to skip.
 */
export async function redisForTests(): Promise<RedisForTests> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) return { url: fromEnv, close: async () => {} };
  if (!hasRedisServer()) return { reason: 'skipped: REDIS_URL is not set and redis-server is not installed' };
  return startRedisServer();
}

/** Whether the `redis-server` binary is on PATH. */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

/** Starts a throwaway, non-persistent `redis-server` on loopback (a free port unless given). */
export async function startRedisServer(port?: number): Promise<{ url: string; port: number; close(): Promise<void> }> {
  port ??= await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
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
    url: `redis://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

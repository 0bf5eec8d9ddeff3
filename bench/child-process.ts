// The benchmarks run the emulator and the gateway each in a process of its own (forked from the
// bench file itself with a role argument), so one's CPU and memory never count as the other's.
// Protocol over IPC: the child sends {type:'ready'}; the parent asks {type:'usage'} and {type:'close'}.
import { fork, type ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..');

export interface ProcessUsage {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  /** CPU time used so far, ms. */
  cpuMs: number;
}

type ToChild = { type: 'usage'; gc: boolean } | { type: 'close' };
type FromChild<X> = { type: 'ready'; url: string; extra?: string } | ({ type: 'usage' } & ProcessUsage & Partial<X>);

/** This process's memory (after a full GC when `gc` and --expose-gc) and CPU time. */
export function processUsage(gc: boolean): ProcessUsage {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (gc && collect) {
    collect();
    collect();
  }
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  const { user, system } = process.cpuUsage();
  return { rss, heapUsed, heapTotal, external, cpuMs: (user + system) / 1000 };
}

/** Child side: report ready, answer usage questions (plus `extra()` figures), close on request. */
export function serveParent<X extends object = object>(
  close: () => Promise<void>,
  ready: { url: string; extra?: string },
  extra: () => Partial<X> = () => ({}),
): void {
  process.on('message', (message: ToChild) => {
    if (message.type === 'usage') process.send?.({ type: 'usage', ...processUsage(message.gc), ...extra() } satisfies FromChild<X>);
    else void close().then(() => process.exit(0));
  });
  process.send?.({ type: 'ready', ...ready } satisfies FromChild<X>);
}

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export interface BenchChild<X extends object = object> {
  url: string;
  extra: string | undefined;
  usage(gc?: boolean): Promise<ProcessUsage & Partial<X>>;
  close(): Promise<void>;
}

/** Parent side: forks `script` with `args` under tsx and --expose-gc, and waits until it is ready. */
export async function forkBenchChild<X extends object = object>(
  script: string,
  args: string[],
  options: { execArgv?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<BenchChild<X>> {
  const tsx = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
  const child: ChildProcess = fork(script, args, {
    execArgv: ['--import', tsx, '--expose-gc', ...(options.execArgv ?? [])],
    env: options.env ?? process.env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const role = args[0] ?? 'child';
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const waiters: ((m: FromChild<X>) => void)[] = [];
  child.on('message', (m: FromChild<X>) => waiters.shift()?.(m));
  const next = () => new Promise<FromChild<X>>((done) => waiters.push(done));
  const ready = await Promise.race([next(), exited.then(() => Promise.reject(new Error(`${role} process exited before it was ready`)))]);
  if (ready.type !== 'ready') throw new Error(`${role}: unexpected first message`);
  return {
    url: ready.url,
    extra: ready.extra,
    async usage(gc = true) {
      const answer = next();
      child.send({ type: 'usage', gc } satisfies ToChild);
      const m = await answer;
      if (m.type !== 'usage') throw new Error(`${role}: unexpected answer`);
      return m;
    },
    async close() {
      child.send({ type: 'close' } satisfies ToChild);
      await exited;
    },
  };
}

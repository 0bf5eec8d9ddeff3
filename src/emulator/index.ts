import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEmulatorAdmin, type EmulatorAdmin } from './admin/client.js';
import { createEmulatorApp } from './http/app.js';
import { createPushAdmin, type PushAdmin } from './push/client.js';
import type { RealismSettings } from './http/realism.js';
import { DEMO_USER, type SeedOptions } from './data/seed.js';

export { DEMO_TENANT_ID, DEMO_USER, SECOND_USER } from './data/seed.js';
export type { SeedOptions } from './data/seed.js';
export type { RealismSettings } from './http/realism.js';
export type { FaultSpec } from './http/faults.js';
export type { RequestLogEntry } from './http/request-log.js';
export { EmulatorAdminError } from './admin/client.js';
export type { AdminSubscription, Delivery, LifecycleEvent, PushAdmin, PushSettings } from './push/client.js';
export type { EmulatorAdmin, GraphJson, TokenOptions, TokenResponse, WriteOptions } from './admin/client.js';

export interface EmulatorOptions {
  /** 0 (default) = any free port. */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 'demo' */
  seed?: 'demo' | 'empty' | SeedOptions;
  realism?: Partial<RealismSettings>;
}

export interface RunningEmulator {
  /** Origin, e.g. http://127.0.0.1:43121 (Graph root without version; /v1.0 and /beta below it). */
  url: string;
  /** Typed client of the HTTP admin API under /_emulator/. */
  admin: EmulatorAdmin;
  /** Typed client of the change-notification admin calls under /_emulator/push/. */
  push: PushAdmin;
  close(): Promise<void>;
}

/** Starts a Graph delta emulator on loopback (or `host`), seeded with the demo tenant unless told otherwise. */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const seed: SeedOptions = typeof opts.seed === 'object' ? opts.seed : { preset: opts.seed ?? 'demo' };
  const app = await createEmulatorApp(seed, opts.realism);
  const server: Server = createServer((req, res) => app.handle(req, res));
  // Malformed HTTP never reaches a handler: answer 400 and drop the connection instead of throwing.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  // A wildcard address is not something a client can call: hand out loopback instead.
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;
  return {
    url,
    admin: createEmulatorAdmin(url, DEMO_USER.id),
    push: createPushAdmin(url),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

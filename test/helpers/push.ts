import type { Keyv } from 'keyv';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { freePort } from './redis.js';
import { startSubscriptionGateway, type SubscriptionGateway } from './subscription-harness.js';

// The gateway must know its NOTIFICATION_URL before it listens: push tests pick a free port first.
export { freePort };

export interface PushGatewayOptions {
  emulator: RunningEmulator;
  env?: Record<string, string>;
  store?: Keyv;
  /** Where Graph should send notifications; default: this gateway itself. */
  notificationUrl?: string;
}

/** A gateway with change notifications on, reachable by the emulator at its own loopback port. */
export async function startPushGateway(options: PushGatewayOptions): Promise<SubscriptionGateway> {
  const port = options.env?.['PORT'] !== undefined ? Number(options.env['PORT']) : await freePort();
  return startSubscriptionGateway({
    emulator: options.emulator,
    ...(options.store ? { store: options.store } : {}),
    env: { PORT: String(port), NOTIFICATION_URL: options.notificationUrl ?? `http://127.0.0.1:${port}`, POLL_INTERVAL_MS: '60000', ...options.env },
  });
}

export interface WsSubscription<T> {
  results: { data?: T | null; errors?: readonly { message: string; extensions?: Record<string, unknown> }[] }[];
  close(): void;
}

/** A graphql-ws subscriber (token in connectionParams). */
export function wsSubscribe<T = Record<string, any>>(gw: SubscriptionGateway, query: string, token = gw.token): WsSubscription<T> {
  const client = createWsClient({ url: gw.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: true });
  const results: WsSubscription<T>['results'] = [];
  const off = client.subscribe<T>({ query }, { next: (r) => void results.push(r as WsSubscription<T>['results'][number]), error: () => undefined, complete: () => undefined });
  return {
    results,
    close() {
      off();
      void client.dispose();
    },
  };
}

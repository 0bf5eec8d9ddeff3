import type { Delivery, LifecycleEvent, PushSettings } from './service.js';

export type { Delivery, LifecycleEvent, PushSettings } from './service.js';

/** A subscription as the admin API lists it (with clientState, unlike Graph's own list). */
export interface AdminSubscription {
  id: string;
  resource: string;
  changeType: string;
  clientState: string | null;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  expirationDateTime: string;
  needsReauthorization: boolean;
  held: number;
}

/** Typed client of `/_emulator/push/…`. */
export interface PushAdmin {
  settings(patch?: Partial<PushSettings>): Promise<PushSettings>;
  /** Default settings, no drops, no delay. */
  resetSettings(): Promise<void>;
  subscriptions(): Promise<AdminSubscription[]>;
  /** Sends a lifecycle event to one subscription (or all); returns how many were sent. */
  lifecycle(event: LifecycleEvent, options?: { subscriptionId?: string; organizationId?: boolean }): Promise<number>;
  drop(count: number): Promise<void>;
  delay(ms: number): Promise<void>;
  deliveries(): Promise<Delivery[]>;
  clearDeliveries(): Promise<void>;
}

export function createPushAdmin(origin: string): PushAdmin {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${origin}/_emulator/push/${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`emulator push admin ${method} ${path}: ${res.status} ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }
  return {
    settings: (patch) => (patch ? call('PUT', 'settings', patch) : call('GET', 'settings')),
    async resetSettings() {
      await call('DELETE', 'settings');
    },
    async subscriptions() {
      return (await call<{ value: AdminSubscription[] }>('GET', 'subscriptions')).value;
    },
    async lifecycle(event, options = {}) {
      return (await call<{ sent: number }>('POST', 'lifecycle', { lifecycleEvent: event, ...options })).sent;
    },
    async drop(count) {
      await call('POST', 'drop', { count });
    },
    async delay(ms) {
      await call('POST', 'delay', { ms });
    },
    async deliveries() {
      return (await call<{ value: Delivery[] }>('GET', 'deliveries')).value;
    },
    async clearDeliveries() {
      await call('DELETE', 'deliveries');
    },
  };
}

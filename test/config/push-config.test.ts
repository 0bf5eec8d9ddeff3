import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

const BASE = { GRAPH_BASE_URL: 'https://graph.microsoft.com', CURSOR_SECRET: 'x'.repeat(40) };

function issues(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...BASE, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => i.variable);
    throw error;
  }
  return [];
}

describe('config: push and per-principal limits (CONTRACT §5, §8)', () => {
  it('defaults: push off, backstop 5 minutes, 50 pollers and 500 subscriptions per principal', () => {
    const config = loadConfig(BASE);
    expect(config.push).toEqual({ notificationUrl: undefined, backstopMs: 300_000 });
    expect(config.poll).toMatchObject({ maxPollersPerPrincipal: 50, maxSubscriptionsPerPrincipal: 500 });
  });

  it('demo mode turns push on over loopback (the embedded emulator notifies the gateway), where the port is known and loopback reaches it', () => {
    expect(loadConfig({}).push.notificationUrl).toBe('http://127.0.0.1:4000');
    expect(loadConfig({ PORT: '4567', HOST: '0.0.0.0' }).push.notificationUrl).toBe('http://127.0.0.1:4567');
    expect(loadConfig({ PORT: '0' }).push.notificationUrl).toBeUndefined();
    expect(loadConfig({ HOST: '192.0.2.10' }).push.notificationUrl).toBeUndefined();
    expect(loadConfig({ NOTIFICATION_URL: 'http://localhost:4999' }).push.notificationUrl).toBe('http://localhost:4999');
  });

  it('NOTIFICATION_URL: https anywhere, http only on loopback, no query; trailing slash dropped', () => {
    expect(loadConfig({ ...BASE, NOTIFICATION_URL: 'https://gw.example.com/' }).push.notificationUrl).toBe('https://gw.example.com');
    expect(loadConfig({ ...BASE, NOTIFICATION_URL: 'https://gw.example.com/base/' }).push.notificationUrl).toBe('https://gw.example.com/base');
    expect(loadConfig({ ...BASE, NOTIFICATION_URL: 'http://127.0.0.1:4000' }).push.notificationUrl).toBe('http://127.0.0.1:4000');
    expect(issues({ NOTIFICATION_URL: 'http://gw.example.com' })).toEqual(['NOTIFICATION_URL']);
    expect(issues({ NOTIFICATION_URL: 'https://gw.example.com/?a=1' })).toEqual(['NOTIFICATION_URL']);
    expect(issues({ NOTIFICATION_URL: 'not a url' })).toEqual(['NOTIFICATION_URL']);
  });

  it('POLL_BACKSTOP_MS and the limits must be positive integers', () => {
    expect(loadConfig({ ...BASE, POLL_BACKSTOP_MS: '60000', MAX_POLLERS_PER_PRINCIPAL: '3', MAX_SUBSCRIPTIONS_PER_PRINCIPAL: '7' })).toMatchObject({
      push: { backstopMs: 60_000 },
      poll: { maxPollersPerPrincipal: 3, maxSubscriptionsPerPrincipal: 7 },
    });
    expect(issues({ POLL_BACKSTOP_MS: '0', MAX_POLLERS_PER_PRINCIPAL: '-1', MAX_SUBSCRIPTIONS_PER_PRINCIPAL: 'many' })).toEqual([
      'MAX_POLLERS_PER_PRINCIPAL',
      'MAX_SUBSCRIPTIONS_PER_PRINCIPAL',
      'POLL_BACKSTOP_MS',
    ]);
  });
});

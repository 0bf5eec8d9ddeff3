import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMsalFactory } from '../../src/auth/msal/client-factory.js';
import { createMsalNetworkClient } from '../../src/auth/msal/network-client.js';
import { DEMO_USER } from '../../src/emulator/index.js';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, INBOX, sha256, startAuthGateway, startIdentityEmulator, type AuthFixture } from './helpers.js';

const KEY = 'national-cloud-test-key-0123456789abcdefg';
let fx: AuthFixture;
let elsewhere: Server;
let elsewhereUrl: string;
let elsewhereHits = 0;

beforeAll(async () => {
  fx = await startIdentityEmulator();
  elsewhere = createServer((_req, res) => {
    elsewhereHits += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
  elsewhereUrl = `127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => elsewhere.close(() => resolve()));
  await fx.close();
});

describe('national clouds and the login host', () => {
  it.each([
    ['usgov', 'https://graph.microsoft.us/.default'],
    ['usgovdod', 'https://dod-graph.microsoft.us/.default'],
    ['china', 'https://microsoftgraph.chinacloudapi.cn/.default'],
  ])('GRAPH_CLOUD=%s asks the login host for %s; a global-cloud login host refuses it (tokens do not cross clouds)', async (cloud, scope) => {
    await fx.identity.clearTokenRequests();
    const gateway = await startAuthGateway({ emulator: fx.emulator, mode: 'app', env: { GRAPH_CLOUD: cloud, AUTH_API_KEYS: `k:${sha256(KEY)}` } });
    try {
      const result = await gateway.query(INBOX, { userId: DEMO_USER.id, first: 1 }, { 'x-api-key': KEY });
      expect(result.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
      expect(result.errors?.[0]?.message).toMatch(/AADSTS500011/);
      expect(await fx.identity.tokenRequests()).toMatchObject([{ grantType: 'client_credentials', scope, status: 400, error: 'invalid_resource' }]);
    } finally {
      await gateway.close();
    }
  });

  it('presents an http loopback login host to MSAL as https and maps it back', () => {
    const factory = createMsalFactory({ clientId: EMULATOR_CLIENT_ID, credential: { kind: 'secret', secret: EMULATOR_CLIENT_SECRET }, loginAuthority: fx.emulator.url });
    expect(factory.msalOrigin).toBe(fx.emulator.url.replace('http://', 'https://'));
    expect(createMsalFactory({ clientId: 'x', credential: { kind: 'secret', secret: 's' }, loginAuthority: 'https://login.microsoftonline.us' }).msalOrigin).toBe('https://login.microsoftonline.us');
  });

  it("MSAL's network client reaches the login host only: any other origin is refused without a request", async () => {
    const origin = new URL(fx.emulator.url);
    const client = createMsalNetworkClient({ routes: new Map([[`https://${origin.host}`, origin.origin]]) });
    const ok = await client.sendGetRequestAsync<{ keys: unknown[] }>(`https://${origin.host}/common/discovery/v2.0/keys`);
    expect(ok.status).toBe(200);
    expect(ok.body.keys.length).toBeGreaterThan(0);
    const secretBody = { body: 'client_secret=must-not-travel', headers: { 'content-type': 'application/x-www-form-urlencoded' } };
    await expect(client.sendPostRequestAsync(`https://${elsewhereUrl}/tenant/oauth2/v2.0/token`, secretBody)).rejects.toThrow(/not the configured login host/);
    await expect(client.sendPostRequestAsync(`http://${elsewhereUrl}/tenant/oauth2/v2.0/token`, secretBody)).rejects.toThrow(/not the configured login host/);
    await expect(client.sendPostRequestAsync(`http://${origin.host}/tenant/oauth2/v2.0/token`, secretBody)).rejects.toThrow(/not the configured login host/);
    expect(elsewhereHits).toBe(0);
  });
});

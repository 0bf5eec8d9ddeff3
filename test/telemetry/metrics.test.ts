import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { graph } from '../helpers/emulator.js';
import { scrape } from '../helpers/prometheus.js';
import { eventStream } from '../helpers/sse.js';

const INBOX_PAGE = `query Page($after: String, $folderId: ID!) {
  messagesDelta(folderId: $folderId, first: 5, after: $after) { edges { node { id subject } } pageInfo { hasNextPage endCursor } }
}`;

describe('metrics on METRICS_PORT after real traffic against the emulator', () => {
  let gw: TestGateway;
  let metricsUrl: string;
  beforeAll(async () => {
    gw = await startGateway({ env: { METRICS_PORT: '0', GRAPH_RETRY_BUDGET_MS: '5000' } });
    metricsUrl = gw.metricsUrl as string;
  });
  afterAll(() => gw.close());

  /** Reads a whole round of the inbox through the gateway; returns its last cursor. */
  async function round(folderId = 'inbox'): Promise<{ pages: number; endCursor: string }> {
    let after: string | null = null;
    for (let pages = 1; ; pages += 1) {
      const data: any = await gw.data(INBOX_PAGE, { after, folderId });
      after = data.messagesDelta.pageInfo.endCursor;
      if (!data.messagesDelta.pageInfo.hasNextPage) return { pages, endCursor: after as string };
    }
  }

  const messages200 = { resource: 'messages', status: '200' };

  it('a round of N Graph pages adds N to graph_requests_total{resource="messages",status="200"}', async () => {
    const before = await scrape(metricsUrl);
    await gw.clearGraphRequests();
    const { pages } = await round();
    const sent = (await gw.graphRequests()).filter((r) => /\/messages\/delta/.test(r.path));
    expect(sent.every((r) => r.status === 200)).toBe(true);
    expect(sent.length).toBeGreaterThan(1);
    const after = await scrape(metricsUrl);
    expect(after.value('delta_gateway_graph_requests_total', messages200) - before.value('delta_gateway_graph_requests_total', messages200)).toBe(sent.length);
    expect(after.value('delta_gateway_graph_request_duration_seconds_count', { resource: 'messages' }) - before.value('delta_gateway_graph_request_duration_seconds_count', { resource: 'messages' })).toBe(sent.length);
    const ok = { operation_type: 'query', outcome: 'ok' };
    expect(after.value('delta_gateway_graphql_requests_total', ok) - before.value('delta_gateway_graphql_requests_total', ok)).toBe(pages);
    expect(after.value('delta_gateway_graphql_request_duration_seconds_count', { operation_type: 'query' }) - before.value('delta_gateway_graphql_request_duration_seconds_count', { operation_type: 'query' })).toBe(pages);
  });

  it('a 429 counts as an attempt and adds a retry by that status', async () => {
    const before = await scrape(metricsUrl);
    await gw.emulator.admin.injectFault({ status: 429, retryAfter: 0, times: 1, match: { pathContains: '/messages/delta' } });
    await gw.data(INBOX_PAGE, { after: null, folderId: 'inbox' });
    const after = await scrape(metricsUrl);
    const diff = (name: string, labels: Record<string, string>) => after.value(name, labels) - before.value(name, labels);
    expect(diff('delta_gateway_graph_retries_total', { status: '429' })).toBe(1);
    expect(diff('delta_gateway_graph_requests_total', { resource: 'messages', status: '429' })).toBe(1);
    expect(diff('delta_gateway_graph_requests_total', messages200)).toBe(1);
  });

  it('a bad cursor adds a rejection, and the request counts under its code', async () => {
    const before = await scrape(metricsUrl);
    const bad = await gw.query(INBOX_PAGE, { after: 'not-a-cursor', folderId: 'inbox' });
    expect(bad.errors?.[0]?.extensions?.['code']).toBe('INVALID_CURSOR');
    const first: any = await gw.data(INBOX_PAGE, { after: null, folderId: 'inbox' });
    const mismatch = await gw.query(INBOX_PAGE, { after: first.messagesDelta.pageInfo.endCursor, folderId: 'sentitems' });
    expect(mismatch.errors?.[0]?.extensions?.['code']).toBe('CURSOR_ARGS_MISMATCH');
    const after = await scrape(metricsUrl);
    const diff = (name: string, labels: Record<string, string>) => after.value(name, labels) - before.value(name, labels);
    expect(diff('delta_gateway_cursor_rejections_total', { code: 'INVALID_CURSOR' })).toBe(1);
    expect(diff('delta_gateway_cursor_rejections_total', { code: 'CURSOR_ARGS_MISMATCH' })).toBe(1);
    expect(diff('delta_gateway_graphql_requests_total', { operation_type: 'query', outcome: 'INVALID_CURSOR' })).toBe(1);
    expect(diff('delta_gateway_graphql_requests_total', { operation_type: 'query', outcome: 'CURSOR_ARGS_MISMATCH' })).toBe(1);
  });

  it('serves every family of CONTRACT §9 and the process defaults; /metrics is absent from the public port', async () => {
    const { samples } = await scrape(metricsUrl);
    const names = new Set(samples.map((s) => s.name));
    for (const family of [
      'graphql_requests_total',
      'graphql_request_duration_seconds_bucket',
      'graph_requests_total',
      'graph_request_duration_seconds_bucket',
      'graph_retries_total',
      'pollers',
      'subscribers',
      'poll_lag_seconds',
    ]) {
      expect(names, family).toContain(`delta_gateway_${family}`);
    }
    expect(names).toContain('process_cpu_user_seconds_total');
    expect(names).toContain('nodejs_eventloop_lag_seconds');
    const response = await fetch(`${gw.url}/metrics`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('delta_gateway_');
  });

  it('pollers and subscribers gauges follow a subscription; poll cycles keep the poll lag low', async () => {
    const stream = eventStream(`${gw.url}/graphql`, 'subscription { messagesChanged(folderId: "inbox") { edges { node { id } } cursor } }', { token: gw.token });
    try {
      expect(await stream.status).toBe(200);
      let during = await scrape(metricsUrl);
      for (let i = 0; i < 50 && during.value('delta_gateway_pollers', { resource: 'messages' }) < 1; i += 1) {
        await new Promise((r) => setTimeout(r, 50));
        during = await scrape(metricsUrl);
      }
      expect(during.value('delta_gateway_pollers', { resource: 'messages' })).toBe(1);
      expect(during.value('delta_gateway_subscribers', { resource: 'messages' })).toBe(1);
      expect(during.value('delta_gateway_poll_lag_seconds', { resource: 'messages' })).toBeLessThan(10);
      const subscription = { operation_type: 'subscription', outcome: 'ok' };
      expect(during.value('delta_gateway_graphql_requests_total', subscription)).toBe(1);
    } finally {
      stream.close();
    }
    let after = await scrape(metricsUrl);
    for (let i = 0; i < 50 && after.value('delta_gateway_pollers', { resource: 'messages' }) > 0; i += 1) {
      await new Promise((r) => setTimeout(r, 50));
      after = await scrape(metricsUrl);
    }
    expect(after.value('delta_gateway_pollers', { resource: 'messages' })).toBe(0);
    expect(after.value('delta_gateway_subscribers', { resource: 'messages' })).toBe(0);
  });

  it('no label value holds a user id, upn, folder id or token (every sample scanned)', async () => {
    const { value: users } = await gw.emulator.admin.users();
    const folders = (await graph(gw.emulator, '/v1.0/me/mailFolders?$top=100', { token: gw.token })).body.value as { id: string }[];
    expect(folders.length).toBeGreaterThan(0);
    // Traffic naming a real folder id and a user id, so that they had a chance to leak.
    await round(folders[0]!.id);
    const me = users[0]!;
    await gw.query(`{ messagesDelta(folderId: "inbox", first: 2, userId: "${me.id}") { edges { node { id } } } }`);
    const secrets = [gw.token, ...users.flatMap((u) => [u.id, u.userPrincipalName]), ...folders.map((f) => f.id)];
    const { samples } = await scrape(metricsUrl);
    const values = new Set(samples.flatMap((s) => Object.values(s.labels)));
    for (const label of values) {
      for (const secret of secrets) expect(label.includes(secret), `label value ${label}`).toBe(false);
    }
    const gateway = samples.filter((s) => s.name.startsWith('delta_gateway_'));
    for (const sample of gateway) for (const v of Object.values(sample.labels)) expect(v).toMatch(/^[A-Za-z0-9_.+]{1,32}$/);
    const resources = new Set(gateway.flatMap((s) => (s.labels['resource'] === undefined ? [] : [s.labels['resource']])));
    for (const r of resources) expect(['calendars', 'events', 'contacts', 'messages', 'mailFolders', 'contactFolders', 'subscriptions', 'batch', 'other']).toContain(r);
  });
});

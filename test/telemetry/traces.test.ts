import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, type Tracing } from '../../src/telemetry/tracing.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { eventStream } from '../helpers/sse.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
}

/** An OTLP/HTTP receiver (JSON protocol) on a loopback port: what a collector would get. */
async function startReceiver() {
  const spans: OtlpSpan[] = [];
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      bodies.push(body);
      if (req.url === '/v1/traces' && /json/.test(req.headers['content-type'] ?? '')) {
        const parsed = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
        for (const rs of parsed.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, bodies, close: () => new Promise((r) => server.close(r)) };
}

const attr = (span: OtlpSpan | undefined, key: string) => {
  const value = span?.attributes.find((a) => a.key === key)?.value;
  return value === undefined ? undefined : (Object.values(value)[0] as unknown);
};

async function until<T>(what: string, find: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined && (!Array.isArray(found) || found.length > 0)) return found;
    if (Date.now() > end) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('traces over OTLP/HTTP (JSON)', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let tracing: Tracing;
  let gw: TestGateway;
  beforeAll(async () => {
    receiver = await startReceiver();
    // The SDK reads OpenTelemetry's variables itself (this test file runs in a process of its own).
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = receiver.url;
    process.env['OTEL_EXPORTER_OTLP_PROTOCOL'] = 'http/json';
    process.env['OTEL_BSP_SCHEDULE_DELAY'] = '50';
    tracing = await startTracing({ enabled: true, protocol: 'http/json', serviceName: 'delta-gateway-test' });
    gw = await startGateway({ env: { POLL_INTERVAL_MS: '500' } });
  });
  afterAll(async () => {
    await gw?.close();
    await tracing?.shutdown();
    await receiver?.close();
  });

  it('one SERVER span per operation under the incoming traceparent, a CLIENT child per Graph request, trace context sent to Graph', async () => {
    const traceId = 'a'.repeat(31) + '1';
    const parentId = 'b'.repeat(15) + '2';
    await gw.clearGraphRequests();
    const result = await gw.query('query Inbox { messagesDelta(folderId: "inbox", first: 3) { edges { node { id } } } }', {}, { headers: { traceparent: `00-${traceId}-${parentId}-01` } });
    expect(result.errors).toBeUndefined();

    const operation = await until('operation span', () => receiver.spans.find((s) => s.traceId === traceId && s.name === 'query'));
    expect(operation.parentSpanId).toBe(parentId);
    expect(operation.kind).toBe(2); // SERVER
    expect(attr(operation, 'graphql.operation.type')).toBe('query');
    expect(attr(operation, 'graphql.operation.name')).toBe('Inbox');

    const children = await until('Graph span', () => receiver.spans.filter((s) => s.parentSpanId === operation.spanId));
    expect(children).toHaveLength(1);
    const [call] = children;
    expect(call?.name).toBe('GET messages');
    expect(call?.kind).toBe(3); // CLIENT
    expect(call?.traceId).toBe(traceId);
    expect(attr(call, 'http.request.method')).toBe('GET');
    expect(Number(attr(call, 'http.response.status_code'))).toBe(200);
    expect(attr(call, 'graph.resource')).toBe('messages');

    const [sent] = await gw.graphRequests();
    expect(sent?.headers['traceparent']).toBe(`00-${traceId}-${call?.spanId}-01`);
    expect(sent?.headers['client-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // graph.request_id is Graph's request-id answer header.
    expect(attr(call, 'graph.request_id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('each poll cycle is a trace of its own, not part of the subscribing request', async () => {
    const traceId = 'c'.repeat(31) + '3';
    const stream = eventStream(`${gw.url}/graphql`, 'subscription { messagesChanged(folderId: "inbox") { cursor } }', {
      token: gw.token,
      headers: { traceparent: `00-${traceId}-${'d'.repeat(15)}4-01` },
    });
    try {
      expect(await stream.status).toBe(200);
      const cycles = await until('poll cycles', () => receiver.spans.filter((s) => s.name === 'poll messages'));
      const withGraph = await until('a cycle with Graph requests', () =>
        receiver.spans.filter((s) => s.name === 'poll messages').find((cycle) => receiver.spans.some((s) => s.parentSpanId === cycle.spanId && s.name === 'GET messages')),
      );
      for (const cycle of cycles) {
        expect(cycle.parentSpanId ?? '').toBe('');
        expect(cycle.traceId).not.toBe(traceId);
      }
      expect(attr(withGraph, 'graph.resource')).toBe('messages');
      const subscription = await until('subscription span', () => receiver.spans.find((s) => s.traceId === traceId && s.name === 'subscription'));
      expect(attr(subscription, 'graphql.operation.type')).toBe('subscription');
    } finally {
      stream.close();
    }
  });

  it('a $batch is one span with the HTTP attempt and a child per inner request under it', async () => {
    const traceId = 'c'.repeat(31) + '3';
    const result = await gw.query(
      'query Two { inbox: messagesDelta(folderId: "inbox", first: 2) { edges { node { id } } } sent: messagesDelta(folderId: "sentitems", first: 2) { edges { node { id } } } }',
      {},
      { headers: { traceparent: `00-${traceId}-${'d'.repeat(15)}4-01` } },
    );
    expect(result.errors).toBeUndefined();
    const operation = await until('operation span', () => receiver.spans.find((s) => s.traceId === traceId && s.name === 'query'));
    const batch = await until('batch span', () => receiver.spans.find((s) => s.parentSpanId === operation.spanId && s.name === 'graph batch'));
    const under = await until('batch children', () => {
      const children = receiver.spans.filter((s) => s.parentSpanId === batch.spanId);
      return children.length === 3 ? children : undefined;
    });
    expect(under.map((s) => s.name).sort()).toEqual(['GET messages', 'GET messages', 'POST batch']);
    const inner = under.filter((s) => attr(s, 'graph.batch.inner') === true);
    expect(inner).toHaveLength(2);
    for (const span of inner) expect(Number(attr(span, 'http.response.status_code'))).toBe(200);
  });

  it('no span name or attribute holds a token, a URL, a user id or an upn', async () => {
    const { value: users, tenantId } = await gw.emulator.admin.users();
    await until('spans', () => receiver.spans);
    const everything = receiver.bodies.join('\n');
    const secrets = [gw.token, tenantId, gw.emulator.url, 'AAMk-secret-id', ...users.flatMap((u) => [u.id, u.userPrincipalName])];
    for (const secret of secrets) expect(everything.includes(secret), secret).toBe(false);
    for (const span of receiver.spans) {
      expect(span.name).not.toMatch(/[/?=]/);
      for (const a of span.attributes) expect(String(Object.values(a.value)[0])).not.toMatch(/https?:|token|\/me\//i);
    }
  });
});

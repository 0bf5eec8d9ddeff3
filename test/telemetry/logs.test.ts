import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

describe('request-scoped logs', () => {
  let gw: TestGateway;
  const lines: string[] = [];
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  beforeAll(async () => {
    gw = await startGateway({ env: { LOG_LEVEL: 'debug' }, logDestination: { write: (line: string) => void lines.push(line) } });
  });
  afterAll(() => gw.close());

  const PAGE = '{ messagesDelta(folderId: "inbox", first: 3) { edges { node { id } } pageInfo { endCursor } } }';

  it('an incoming x-request-id is echoed and on every line of that request, with one access line', async () => {
    const requestId = `req-${Date.now()}-abc`;
    const result = await gw.query(PAGE, {}, { headers: { 'x-request-id': requestId } });
    expect(result.errors).toBeUndefined();
    expect(result.headers?.get('x-request-id')).toBe(requestId);
    const mine = records().filter((r) => r['requestId'] === requestId);
    // Graph request lines (debug) and the access line.
    expect(mine.some((r) => r['msg'] === 'graph request')).toBe(true);
    const access = mine.filter((r) => r['msg'] === 'graphql request');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ level: 30, outcome: 'ok', graphRequests: 1, operationType: 'query' });
    expect(typeof access[0]?.['durationMs']).toBe('number');
    // The principal only as a hash: never the user's object id or tenant.
    const principal = access[0]?.['principal'];
    expect(principal).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const { value: users, tenantId } = await gw.emulator.admin.users();
    const text = mine.map((r) => JSON.stringify(r)).join('\n');
    for (const secret of [gw.token, tenantId, ...users.flatMap((u) => [u.id, u.userPrincipalName])]) expect(text).not.toContain(secret);
    // The same caller hashes the same on the next request.
    const again = await gw.query(PAGE);
    const other = again.headers?.get('x-request-id') as string;
    expect(records().find((r) => r['requestId'] === other && r['msg'] === 'graphql request')?.['principal']).toBe(principal);
  });

  it('without a usable x-request-id one is made (and echoed); errors log their outcome', async () => {
    for (const incoming of [undefined, 'x'.repeat(201), 'caf\u00e9']) {
      const response = await fetch(`${gw.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${gw.token}`, ...(incoming === undefined ? {} : { 'x-request-id': incoming }) },
        body: JSON.stringify({ query: '{ messagesDelta(folderId: "inbox", after: "nope") { pageInfo { endCursor } } }' }),
      });
      const id = response.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      const access = records().filter((r) => r['requestId'] === id && r['msg'] === 'graphql request');
      expect(access).toHaveLength(1);
      expect(access[0]).toMatchObject({ outcome: 'INVALID_CURSOR', graphRequests: 0 });
    }
  });

  it('graphql-ws operations get a request id and an access line too', async () => {
    const client = createClient({ url: `${gw.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams: { authorization: `Bearer ${gw.token}` } });
    const accessLines = () => records().filter((r) => r['msg'] === 'graphql request');
    const before = accessLines().length;
    try {
      const results: unknown[] = [];
      await new Promise<void>((resolve, reject) => {
        client.subscribe({ query: 'query OverWs { messagesDelta(folderId: "inbox", first: 2) { edges { node { id } } } }' }, { next: (r) => void results.push(r), error: reject, complete: resolve });
      });
      expect(results).toHaveLength(1);
      const added = accessLines().slice(before);
      expect(added).toHaveLength(1);
      const ws = added[0];
      expect(ws).toMatchObject({ outcome: 'ok', operationType: 'query', graphRequests: 1 });
      expect(ws?.['requestId']).toMatch(/^[0-9a-f-]{36}$/);
      expect(ws?.['principal']).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(records().some((r) => r['requestId'] === ws?.['requestId'] && r['msg'] === 'graph request')).toBe(true);
    } finally {
      await client.dispose();
    }
  });
});

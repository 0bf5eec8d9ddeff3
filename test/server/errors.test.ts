import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GraphQLResult, type TestGateway } from '../helpers/gateway.js';
import { connectionQuery, type Connection } from '../fixtures/resources.js';

// Contract §6: Graph's failures map to the contract's codes; nothing secret reaches a client.

const INBOX = connectionQuery('messages', 'folderId: "inbox"', 'id subject');

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ emulator: { seed: { preset: 'demo', messages: 30 } }, env: { GRAPH_RETRY_BUDGET_MS: '3000' } });
});
afterAll(() => gw.close());
afterEach(() => gw.emulator.admin.clearFaults());

/** No token, no Graph URL, no paging token in anything a client sees. */
function expectNoSecrets(result: GraphQLResult<unknown>) {
  const text = JSON.stringify(result);
  expect(text).not.toContain(gw.token);
  expect(text).not.toContain(gw.emulator.url);
  expect(text).not.toMatch(/skiptoken|deltatoken|Bearer|eyJ/i);
}

async function midRoundCursor() {
  return (await gw.data<{ c: Connection }>(INBOX, { first: 5 })).c.pageInfo.endCursor;
}

describe('Graph failures', () => {
  it.each([
    ['skip', 'a nextLink'],
    ['delta', 'a deltaLink'],
  ] as const)('410 on %s (%s) → RESYNC_REQUIRED', async (link, _what) => {
    const after = link === 'skip' ? await midRoundCursor() : (await gw.data<{ c: Connection }>(INBOX, { first: 1000 })).c.pageInfo.endCursor;
    await gw.emulator.admin.injectFault({ status: 410, code: 'syncStateNotFound', match: { link } });
    const result = await gw.query(INBOX, { after });
    expect(result.errors?.[0]?.extensions?.['code']).toBe('RESYNC_REQUIRED');
    expectNoSecrets(result);
  });

  it('an expired sync state (tokens/expire) → RESYNC_REQUIRED; a new round without `after` works', async () => {
    const after = await midRoundCursor();
    await gw.emulator.admin.expireTokens({ all: true, code: 'resyncRequired' });
    const result = await gw.query(INBOX, { after });
    expect(result.errors?.[0]?.extensions?.['code']).toBe('RESYNC_REQUIRED');
    expectNoSecrets(result);
    expect((await gw.query(INBOX, { first: 5 })).errors).toBeUndefined();
  });

  it('429 with Retry-After within the budget is retried: the client sees no error', async () => {
    await gw.emulator.admin.injectFault({ status: 429, retryAfter: 1, times: 1, match: { link: 'initial' } });
    await gw.clearGraphRequests();
    const result = await gw.query(INBOX, { first: 5 });
    expect(result.errors).toBeUndefined();
    expect((await gw.graphRequests()).map((r) => r.status)).toEqual([429, 200]);
  });

  it('429 with a Retry-After beyond the budget → THROTTLED with extensions.retryAfter', async () => {
    await gw.emulator.admin.injectFault({ status: 429, retryAfter: 120, times: 0 });
    const result = await gw.query(INBOX, { first: 5 });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'THROTTLED', retryAfter: 120 });
    expectNoSecrets(result);
  });

  it('429 without Retry-After, again and again → THROTTLED once the budget is spent', async () => {
    await gw.emulator.admin.injectFault({ status: 429, times: 0 });
    const result = await gw.query(INBOX, { first: 5 });
    expect(result.errors?.[0]?.extensions?.['code']).toBe('THROTTLED');
    expectNoSecrets(result);
  });

  it('503 once is retried; 503 for good → UPSTREAM_ERROR with Graph’s request-id', async () => {
    await gw.emulator.admin.injectFault({ status: 503, times: 1 });
    expect((await gw.query(INBOX, { first: 5 })).errors).toBeUndefined();

    await gw.emulator.admin.injectFault({ status: 503, times: 0 });
    const result = await gw.query(INBOX, { first: 5 });
    expect(result.errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_ERROR');
    expect(result.errors?.[0]?.extensions?.['requestId']).toEqual(expect.any(String));
    expectNoSecrets(result);
  });

  it('401 → UNAUTHENTICATED; 403 → FORBIDDEN; 500 mid-round → UPSTREAM_ERROR', async () => {
    const after = await midRoundCursor();
    for (const [status, code] of [
      [401, 'UNAUTHENTICATED'],
      [403, 'FORBIDDEN'],
      [500, 'UPSTREAM_ERROR'],
    ] as const) {
      await gw.emulator.admin.injectFault({ status, times: 1, match: { link: 'skip' } });
      const result = await gw.query(INBOX, { after });
      expect(result.errors?.[0]?.extensions?.['code']).toBe(code);
      expectNoSecrets(result);
    }
  });

  it('an expired token → UNAUTHENTICATED (Graph says so; the gateway does not verify tokens)', async () => {
    const expired = await gw.emulator.admin.token({ expiresIn: -60 });
    const result = await gw.query(INBOX, { first: 5 }, { token: expired });
    expect(result.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(result)).not.toContain(expired);
  });

  it('a malformed Authorization header → UNAUTHENTICATED without any Graph request', async () => {
    await gw.clearGraphRequests();
    const response = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic dXNlcjpwYXNz' },
      body: JSON.stringify({ query: INBOX }),
    });
    const result = (await response.json()) as GraphQLResult;
    expect(result.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(await gw.graphRequests()).toEqual([]);
  });

  it('an opaque (non-JWT) token: Graph’s GET /me names the principal, once per token', async () => {
    await gw.clearGraphRequests();
    const result = await gw.query(INBOX, { first: 2 }, { token: 'opaque-token-not-a-jwt' });
    // The emulator rejects a token it did not mint: UNAUTHENTICATED, learned from GET /v1.0/me.
    expect(result.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect((await gw.graphRequests()).map((r) => r.path)).toEqual(['/v1.0/me']);
    expectNoSecrets(result);
  });
});

describe('masked errors', () => {
  it('an unexpected throw becomes "Unexpected error." with no details but an errorId for the log', async () => {
    const broken = await startGateway({
      emulator: { seed: 'empty' },
      auth: () => ({
        authenticate: async () => {
          throw new Error(`internal failure at ${gw.emulator.url}/v1.0/me?$skiptoken=SECRET with token ${gw.token}`);
        },
      }),
    });
    try {
      const result = await broken.query(INBOX, { first: 5 });
      expect(result.errors).toEqual([expect.objectContaining({ message: 'Unexpected error.' })]);
      expect(result.errors?.[0]?.extensions).toEqual({ errorId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      expect(JSON.stringify(result)).not.toMatch(/SECRET|internal failure|skiptoken/);
    } finally {
      await broken.close();
    }
  });
});

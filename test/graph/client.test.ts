import { inspect } from 'node:util';
import { GraphQLError } from 'graphql';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { isGatewayError } from '../../src/errors.js';
import { createGraphClient, GraphPathChangedError, type GraphClient, type GraphClientOptions } from '../../src/graph/client.js';
import { GraphRequestError } from '../../src/graph/errors.js';
import { graphError, startScriptedGraph, type ScriptedGraph, type ScriptStep } from '../helpers/scripted-graph.js';

const TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0b3Atc2VjcmV0LXVzZXIifQ.c2lnbmF0dXJlLXRvcC1zZWNyZXQ';
const SKIP = 'SkIpSeCrEt_R0usmcCM996atia';
const DELTA = 'DeLtAsEcReT_GwcBoTm';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

interface Setup {
  graph: ScriptedGraph;
  client: GraphClient;
  waits: number[];
  logs: string[];
}

async function setup(script: ScriptStep[], options: Partial<GraphClientOptions> = {}): Promise<Setup> {
  const graph = await startScriptedGraph(script);
  const waits: number[] = [];
  const logs: string[] = [];
  const client = createGraphClient({
    graphOrigin: graph.origin,
    retryBudgetMs: 10_000,
    random: () => 1,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      waits.push(ms);
    },
    logger: pino({ level: 'debug' }, { write: (line: string) => logs.push(line) }),
    ...options,
  });
  cleanup.push(() => graph.close(), () => client.close());
  return { graph, client, waits, logs };
}

async function failure(promise: Promise<unknown>): Promise<GraphQLError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    return error as GraphQLError;
  }
  throw new Error('expected a rejection');
}

const page = { '@odata.context': 'x', value: [{ id: 'AAMk1' }], '@odata.deltaLink': 'https://graph.example/v1.0/me/x/delta?$deltatoken=abc' };
const ok: ScriptStep = { status: 200, json: page };
const skipUrl = (g: ScriptedGraph): string => `${g.origin}/v1.0/me/mailFolders/inbox/messages/delta?$skiptoken=${SKIP}`;

describe('graph client: success', () => {
  it('GETs the URL with token, Accept and client-request-id, and parses the JSON body', async () => {
    const { graph, client } = await setup([{ status: 200, json: page, headers: { 'request-id': 'rid-1', 'x-extra': 'yes' } }]);
    const res = await client.get<typeof page>({ url: skipUrl(graph), token: TOKEN });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(page);
    expect(res.requestId).toBe('rid-1');
    expect(res.headers['x-extra']).toBe('yes');
    expect(graph.requests).toHaveLength(1);
    const [req] = graph.requests;
    expect(req?.method).toBe('GET');
    expect(req?.path).toBe(`/v1.0/me/mailFolders/inbox/messages/delta?$skiptoken=${SKIP}`);
    expect(req?.headers['authorization']).toBe(`Bearer ${TOKEN}`);
    expect(req?.headers['accept']).toBe('application/json');
    expect(req?.headers['client-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(req?.headers['prefer']).toBeUndefined();
  });

  it('sends all preferences in one Prefer header, on every attempt', async () => {
    const { graph, client } = await setup([{ status: 429, headers: { 'retry-after': '1' } }, ok]);
    const prefer = ['odata.maxpagesize=5', 'outlook.timezone="Pacific Standard Time"', 'IdType="ImmutableId"'];
    await client.get({ url: skipUrl(graph), token: TOKEN, prefer });
    expect(graph.requests.map((r) => r.headers['prefer'])).toEqual([
      'odata.maxpagesize=5, outlook.timezone="Pacific Standard Time", IdType="ImmutableId"',
      'odata.maxpagesize=5, outlook.timezone="Pacific Standard Time", IdType="ImmutableId"',
    ]);
  });

  it('keeps connections alive and uses at most `connections` of them', async () => {
    const { graph, client } = await setup(Array.from({ length: 12 }, () => ok), { connections: 2 });
    await client.get({ url: skipUrl(graph), token: TOKEN });
    await client.get({ url: skipUrl(graph), token: TOKEN });
    await Promise.all(Array.from({ length: 10 }, () => client.get({ url: skipUrl(graph), token: TOKEN })));
    expect(graph.requests).toHaveLength(12);
    // 12 requests over at most 2 sockets: connections are reused, and capped.
    expect(new Set(graph.requests.map((r) => r.remotePort)).size).toBeLessThanOrEqual(2);
  });
});

describe('graph client: retries', () => {
  it('honours a fractional Retry-After on 429 and then succeeds', async () => {
    const { graph, client, waits } = await setup([{ status: 429, headers: { 'retry-after': '2.128' }, json: graphError('TooManyRequests') }, ok]);
    const res = await client.get({ url: skipUrl(graph), token: TOKEN });
    expect(res.body).toEqual(page);
    expect(waits).toEqual([2128]);
    expect(graph.requests).toHaveLength(2);
    // One logical request: the same client-request-id on the retry.
    expect(graph.requests[1]?.headers['client-request-id']).toBe(graph.requests[0]?.headers['client-request-id']);
  });

  it('honours an HTTP-date Retry-After', async () => {
    const at = new Date(Date.now() + 5_000).toUTCString();
    const { graph, client, waits } = await setup([{ status: 429, headers: { 'retry-after': at } }, ok]);
    await client.get({ url: skipUrl(graph), token: TOKEN });
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(2_000);
    expect(waits[0]).toBeLessThanOrEqual(5_000);
  });

  it('backs off exponentially with jitter when 429 has no Retry-After', async () => {
    const { graph, client, waits } = await setup([{ status: 429 }, { status: 429 }, { status: 429 }, ok], { random: () => 0.5 });
    await client.get({ url: skipUrl(graph), token: TOKEN });
    expect(waits).toEqual([250, 500, 1000]);
  });

  it('gives up with THROTTLED and retryAfter when the budget is used up', async () => {
    const throttled: ScriptStep = { status: 429, headers: { 'retry-after': '2' }, json: graphError('TooManyRequests') };
    const { graph, client, waits } = await setup([throttled, throttled, throttled, throttled], { retryBudgetMs: 5_000 });
    const err = await failure(client.get({ url: skipUrl(graph), token: TOKEN }));
    expect(err.extensions.code).toBe('THROTTLED');
    expect(err.extensions.retryAfter).toBe(2);
    expect(waits).toEqual([2000, 2000]);
    expect(graph.requests).toHaveLength(3);
  });

  it('stops at once when Retry-After exceeds what is left of the budget', async () => {
    const { graph, client, waits } = await setup([{ status: 429, headers: { 'retry-after': '120' } }, ok], { retryBudgetMs: 30_000 });
    const err = await failure(client.get({ url: skipUrl(graph), token: TOKEN }));
    expect(err.extensions.code).toBe('THROTTLED');
    expect(err.extensions.retryAfter).toBe(120);
    expect(waits).toEqual([]);
    expect(graph.requests).toHaveLength(1);
  });

  it('reports a back-off wait, rounded up to seconds, as retryAfter', async () => {
    const { graph, client } = await setup([{ status: 429 }], { retryBudgetMs: 100, random: () => 0.9 });
    const err = await failure(client.get({ url: skipUrl(graph), token: TOKEN }));
    expect(err.extensions.code).toBe('THROTTLED');
    expect(err.extensions.retryAfter).toBe(1);
  });

  it.each([503, 504])('retries %i and succeeds', async (status) => {
    const { graph, client, waits } = await setup([{ status, json: graphError('serviceNotAvailable') }, ok]);
    const res = await client.get({ url: skipUrl(graph), token: TOKEN });
    expect(res.status).toBe(200);
    expect(waits).toEqual([500]);
  });

  it.each([503, 504])('gives up on %i with UPSTREAM_ERROR and Graph’s request-id', async (status) => {
    const step = (n: number): ScriptStep => ({ status, headers: { 'request-id': `rid-${n}` }, json: graphError('serviceNotAvailable') });
    const { graph, client, waits } = await setup([step(1), step(2), step(3)], { retryBudgetMs: 1_000 });
    const err = await failure(client.get({ url: skipUrl(graph), token: TOKEN }));
    expect(err.extensions.code).toBe('UPSTREAM_ERROR');
    expect(err.extensions.requestId).toBe('rid-2');
    expect(waits).toEqual([500]);
    expect(graph.requests).toHaveLength(2);
    const cause = err.originalError;
    expect(cause).toBeInstanceOf(GraphRequestError);
    expect((cause as GraphRequestError).status).toBe(status);
    expect((cause as GraphRequestError).attempts).toBe(2);
  });

  it('honours Retry-After on 503', async () => {
    const { graph, client, waits } = await setup([{ status: 503, headers: { 'retry-after': '3' } }, ok]);
    await client.get({ url: skipUrl(graph), token: TOKEN });
    expect(waits).toEqual([3000]);
  });

  it('stops after maxRetries even when the budget would allow more', async () => {
    const z: ScriptStep = { status: 429, headers: { 'retry-after': '0' } };
    const { graph, client } = await setup([z, z, z, z, z], { maxRetries: 2 });
    const err = await failure(client.get({ url: skipUrl(graph), token: TOKEN }));
    expect(err.extensions.code).toBe('THROTTLED');
    expect(graph.requests).toHaveLength(3);
  });

  it('retries a request that times out, then succeeds', async () => {
    const { graph, client, waits } = await setup([{ hang: true }, ok], { requestTimeoutMs: 150 });
    const res = await client.get({ url: skipUrl(graph), token: TOKEN });
    expect(res.status).toBe(200);
    expect(waits).toEqual([500]);
    expect(graph.requests).toHaveLength(2);
  });

  it('gives up on repeated timeouts with UPSTREAM_ERROR', async () => {
    const { graph, client } = await setup([{ hang: true }, { hang: true }, { hang: true }], { requestTimeoutMs: 150, retryBudgetMs: 1_000 });
    const err = await failure(client.get({ url: skipUrl(graph), token: TOKEN }));
    expect(err.extensions.code).toBe('UPSTREAM_ERROR');
    expect(err.message).toMatch(/in time/);
    expect((err.originalError as GraphRequestError).code).toBe('Timeout');
    expect(graph.requests).toHaveLength(2);
  });

  it('retries a dropped connection', async () => {
    const { graph, client } = await setup([{ destroy: true }, ok]);
    const res = await client.get({ url: skipUrl(graph), token: TOKEN });
    expect(res.status).toBe(200);
    expect(graph.requests).toHaveLength(2);
  });

  it('gives up on a refused connection with UPSTREAM_ERROR', async () => {
    const closed = await startScriptedGraph();
    await closed.close();
    const waits: number[] = [];
    const client = createGraphClient({
      graphOrigin: closed.origin,
      retryBudgetMs: 1_000,
      random: () => 1,
      sleep: async (ms) => void waits.push(ms),
    });
    cleanup.push(() => client.close());
    const err = await failure(client.get({ url: `${closed.origin}/v1.0/me/contacts/delta`, token: TOKEN }));
    expect(err.extensions.code).toBe('UPSTREAM_ERROR');
    expect((err.originalError as GraphRequestError).code).toBe('NetworkError');
    expect(waits).toEqual([500]);
  });
});

describe('graph client: error mapping', () => {
  it.each([
    ['syncStateNotFound', graphError('syncStateNotFound')],
    ['SyncStateNotFound', graphError('SyncStateNotFound', 'The sync state generation is not found; generation=149;')],
    ['resyncRequired', graphError('resyncRequired')],
    ['syncStateInvalid', graphError('syncStateInvalid')],
    ['no body', undefined],
  ])('410 (%s) → RESYNC_REQUIRED without retrying', async (_name, json) => {
    const { graph, client, waits } = await setup([{ status: 410, json, headers: { 'request-id': 'rid-410' } }, ok]);
    const err = await failure(client.get({ url: skipUrl(graph), token: TOKEN }));
    expect(err.extensions.code).toBe('RESYNC_REQUIRED');
    expect(err.extensions.requestId).toBe('rid-410');
    expect(graph.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it.each([
    [401, 'InvalidAuthenticationToken', 'UNAUTHENTICATED', /access token/],
    [403, 'ErrorAccessDenied', 'FORBIDDEN', /access denied/],
    [403, 'ErrorQuotaExceeded', 'FORBIDDEN', /mailbox quota exceeded/],
    [404, 'ErrorItemNotFound', 'BAD_USER_INPUT', /Graph found no such folder, calendar or user \(ErrorItemNotFound\)/],
    [409, 'Conflict', 'UPSTREAM_ERROR', /409/],
    [500, 'generalException', 'UPSTREAM_ERROR', /500/],
    [500, 'ErrorQuotaExceeded', 'UPSTREAM_ERROR', /mailbox quota exceeded/],
    [507, 'ErrorInsufficientStorage', 'UPSTREAM_ERROR', /mailbox quota exceeded/],
  ])('%i %s → %s', async (status, code, expected, message) => {
    const { graph, client } = await setup([{ status, json: graphError(code), headers: { 'request-id': `rid-${status}` } }, ok]);
    const err = await failure(client.get({ url: skipUrl(graph), token: TOKEN }));
    expect(err.extensions.code).toBe(expected);
    expect(err.message).toMatch(message);
    expect(err.extensions.requestId).toBe(`rid-${status}`);
    expect(graph.requests).toHaveLength(1);
  });

  it('400 → BAD_USER_INPUT with Graph’s code and its message scrubbed of URLs and tokens', async () => {
    const message = `The following parameters are not supported with change tracking over the 'CalendarView' resource: '$select'. See ${skipUrl({ origin: 'https://graph.microsoft.com' } as ScriptedGraph)} Bearer ${TOKEN}`;
    const { graph, client } = await setup([{ status: 400, json: graphError('ErrorInvalidUrlQuery', message) }]);
    const err = await failure(client.get({ url: skipUrl(graph), token: TOKEN }));
    expect(err.extensions.code).toBe('BAD_USER_INPUT');
    expect(err.message).toContain('ErrorInvalidUrlQuery');
    expect(err.message).toContain("not supported with change tracking over the 'CalendarView' resource: '$select'");
    expect(err.message).not.toContain(SKIP);
    expect(err.message).not.toContain(TOKEN);
    expect(err.message).not.toContain('graph.microsoft.com');
  });

  it('takes the request-id from the error body when the header is missing', async () => {
    const { graph, client } = await setup([{ status: 410, headers: { 'request-id': '' }, json: graphError('resyncRequired', 'x', 'rid-body') }]);
    const err = await failure(client.get({ url: skipUrl(graph), token: TOKEN }));
    expect(err.extensions.requestId).toBe('rid-body');
  });

  it.each([
    ['an HTML page', { status: 200, headers: { 'content-type': 'text/html' }, raw: '<html>proxy</html>' }],
    ['broken JSON', { status: 200, headers: { 'content-type': 'application/json' }, raw: '{"value": [' }],
    ['an oversized body', { status: 200, json: { value: ['x'.repeat(5_000)] } }],
  ] as [string, ScriptStep][])('a 200 with %s → UPSTREAM_ERROR', async (_name, step) => {
    const { graph, client } = await setup([step, ok], { maxBodyBytes: 4_096 });
    const err = await failure(client.get({ url: skipUrl(graph), token: TOKEN }));
    expect(err.extensions.code).toBe('UPSTREAM_ERROR');
    expect(graph.requests).toHaveLength(1);
  });

  it('an empty token → UNAUTHENTICATED without a request', async () => {
    const { graph, client } = await setup([ok]);
    const err = await failure(client.get({ url: skipUrl(graph), token: '' }));
    expect(err.extensions.code).toBe('UNAUTHENTICATED');
    expect(graph.requests).toHaveLength(0);
  });
});

describe('graph client: origin allow-list', () => {
  it.each([
    ['another host', (_g: ScriptedGraph, other: ScriptedGraph) => `${other.origin}/v1.0/me/contacts/delta?$skiptoken=${SKIP}`],
    ['https instead of http', (g: ScriptedGraph) => `https://127.0.0.1:${g.port}/v1.0/me/contacts/delta`],
    ['another port', (_g: ScriptedGraph, other: ScriptedGraph) => `http://127.0.0.1:${other.port}/v1.0/me/contacts/delta`],
    ['another host name', (g: ScriptedGraph) => `http://localhost:${g.port}/v1.0/me/contacts/delta`],
    ['userinfo tricks', (g: ScriptedGraph, other: ScriptedGraph) => `http://127.0.0.1:${g.port}@127.0.0.1:${other.port}/v1.0/me`],
    ['a relative link', () => `/v1.0/me/contacts/delta?$skiptoken=${SKIP}`],
  ])('refuses a link to %s without any request', async (_name, link) => {
    const { graph, client, logs } = await setup([ok]);
    const other = await startScriptedGraph([ok]);
    cleanup.push(() => other.close());
    const err = await failure(client.get({ url: link(graph, other), token: TOKEN }));
    expect(err.extensions.code).toBe('UPSTREAM_ERROR');
    expect(graph.requests).toHaveLength(0);
    expect(other.requests).toHaveLength(0);
    expect(inspect(err, { depth: 10 })).not.toContain(SKIP);
    expect(logs.join('')).not.toContain(SKIP);
  });
});

describe('graph client: the path it is given is the path it requests', () => {
  it.each([
    ['a `..` segment', '/v1.0/me/contactFolders/../contacts/delta'],
    ['a `.` segment', '/v1.0/users/./calendars/delta'],
    ['a `%2e%2e` segment', '/v1.0/me/contactFolders/%2e%2E/contacts/delta'],
    ['a trailing `..`', '/v1.0/me/mailFolders/inbox/..'],
    ['a backslash', '/v1.0/me\\..\\users/x/calendars/delta'],
    ['a tab inside a segment', '/v1.0/me/contactFolders/a\tb/contacts/delta'],
    ['a raw space', '/v1.0/me/contactFolders/a b/contacts/delta'],
    ['raw non-ASCII', '/v1.0/me/contactFolders/ü/contacts/delta'],
  ])('refuses %s as a gateway bug (masked), without any request', async (_name, path) => {
    const { graph, client } = await setup([ok]);
    const error = await client.get({ url: `${graph.origin}${path}?$skiptoken=${SKIP}`, token: TOKEN }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GraphPathChangedError);
    // Not a GraphQLError with a contract code: yoga masks it as "Unexpected error.".
    expect(isGatewayError(error)).toBe(false);
    expect(String((error as Error).message)).not.toContain(SKIP);
    expect(graph.requests).toHaveLength(0);
  });

  it('sends an already normal path, percent-encoded segments included, unchanged', async () => {
    const { graph, client } = await setup([ok, ok]);
    for (const path of ["/v1.0/me/contactFolders/a%2Fb%2E%2E/contacts/delta", "/v1.0/me/mailFolders('inbox')/messages/delta"]) {
      await client.get({ url: `${graph.origin}${path}?$skiptoken=${SKIP}`, token: TOKEN });
    }
    expect(graph.requests.map((r) => r.path.split('?')[0])).toEqual(['/v1.0/me/contactFolders/a%2Fb%2E%2E/contacts/delta', "/v1.0/me/mailFolders('inbox')/messages/delta"]);
  });
});

describe('graph client: secrets', () => {
  it('keeps token and skip/delta tokens out of errors and logs', async () => {
    const body = graphError('ErrorInvalidUrlQuery', `bad ${TOKEN} https://x.example/?$deltatoken=${DELTA}`);
    const { graph, client, logs } = await setup([
      ok,
      { status: 429, headers: { 'retry-after': '0' } },
      ok,
      { status: 400, json: body },
      { status: 410, json: graphError('syncStateNotFound', `token $deltatoken=${DELTA} expired`) },
      { status: 503 },
      { hang: true },
    ], { retryBudgetMs: 100, requestTimeoutMs: 100 });
    const deltaUrl = `${graph.origin}/v1.0/me/contactFolders/c/contacts/delta?%24deltaToken=${DELTA}`;
    const errors: unknown[] = [];
    await client.get({ url: skipUrl(graph), token: TOKEN });
    await client.get({ url: `${graph.origin}/v1.0/me/x/delta?$SkipToken=${SKIP}`, token: TOKEN });
    for (let i = 0; i < 4; i++) errors.push(await failure(client.get({ url: deltaUrl, token: TOKEN })));
    expect(errors.map((e) => (e as GraphQLError).extensions.code)).toEqual(['BAD_USER_INPUT', 'RESYNC_REQUIRED', 'UPSTREAM_ERROR', 'UPSTREAM_ERROR']);

    const lines = logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    const requestLines = lines.filter((l) => l['msg'] === 'graph request');
    expect(requestLines.length).toBeGreaterThanOrEqual(7);
    expect(requestLines[0]).toMatchObject({ method: 'GET', status: 200, attempt: 1, url: expect.stringContaining('$skiptoken=[redacted]') });
    expect(typeof requestLines[0]?.['durationMs']).toBe('number');
    expect(requestLines.some((l) => l['attempt'] === 2)).toBe(true);

    const everything = [
      ...logs,
      ...errors.flatMap((e) => {
        const g = e as GraphQLError;
        return [inspect(g, { depth: 20 }), JSON.stringify(g.toJSON()), g.message, inspect(g.originalError, { depth: 20 })];
      }),
    ].join('\n');
    for (const secret of [TOKEN, SKIP, DELTA, 'Bearer ey']) expect(everything).not.toContain(secret);
    expect(everything.toLowerCase()).not.toContain('authorization');
  });
});

describe('graph client: cancellation and shutdown', () => {
  it('aborts a request in flight', async () => {
    const { graph, client } = await setup([{ hang: true }, ok]);
    const controller = new AbortController();
    const pending = failure(client.get({ url: skipUrl(graph), token: TOKEN, signal: controller.signal }));
    await graph.waitForRequests(1);
    controller.abort();
    const err = await pending;
    expect(err.extensions.code).toBe('UPSTREAM_ERROR');
    expect((err.originalError as GraphRequestError).code).toBe('Aborted');
    expect(graph.requests).toHaveLength(1);
  });

  it('aborts a real wait for Retry-After', async () => {
    const graph = await startScriptedGraph([{ status: 429, headers: { 'retry-after': '25' } }, ok]);
    const client = createGraphClient({ graphOrigin: graph.origin, retryBudgetMs: 60_000 });
    cleanup.push(() => graph.close(), () => client.close());
    const controller = new AbortController();
    const pending = failure(client.get({ url: skipUrl(graph), token: TOKEN, signal: controller.signal }));
    await graph.waitForRequests(1);
    setTimeout(() => controller.abort(), 20);
    const err = await pending;
    expect((err.originalError as GraphRequestError).code).toBe('Aborted');
    expect(graph.requests).toHaveLength(1);
  });

  it('sends nothing with an already aborted signal', async () => {
    const { graph, client } = await setup([ok]);
    const err = await failure(client.get({ url: skipUrl(graph), token: TOKEN, signal: AbortSignal.abort() }));
    expect(isGatewayError(err, 'UPSTREAM_ERROR')).toBe(true);
    expect(graph.requests).toHaveLength(0);
  });

  it('refuses requests after close()', async () => {
    const { graph, client } = await setup([ok, ok]);
    await client.get({ url: skipUrl(graph), token: TOKEN });
    await client.close();
    const err = await failure(client.get({ url: skipUrl(graph), token: TOKEN }));
    expect(err.extensions.code).toBe('UPSTREAM_ERROR');
    expect(graph.requests).toHaveLength(1);
  });
});

import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { rawRequest, type RawAnswer } from '../helpers/raw-http.js';

// CONTRACT §6 under attack: seeded, bounded fast-check properties that send malformed requests over
// real HTTP to the real gateway on the emulator. FUZZ_RUNS (default 1200) is the number of cases over
// all properties; FUZZ_SEED picks another seed. A long run: FUZZ_RUNS=30000 npx vitest run … fuzz.

const RUNS = Math.max(10, Number(process.env['FUZZ_RUNS'] ?? 1200));
const SEED = Number(process.env['FUZZ_SEED'] ?? 20261207);
const TIMEOUT_MS = 60_000 + RUNS * 60;

const CODES = new Set<string>(ERROR_CODES);
/** Codes of a request that never ran (GraphQL-over-HTTP "request errors"). */
const GRAPHQL_REQUEST_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'OPERATION_RESOLUTION_FAILURE', 'BAD_USER_INPUT']);
const REQUEST_LEVEL = new Set(['BAD_REQUEST', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'OPERATION_RESOLUTION_FAILURE']);

/**
 * Errors the gateway answers before any Graph request: request-level ones, and its own argument
 * checks (they name the argument; a BAD_USER_INPUT from Graph's 400 does not).
 */
function isRejection(error: { extensions?: Record<string, unknown> }): boolean {
  const code = String(error.extensions?.['code']);
  return REQUEST_LEVEL.has(code) || ((code === 'BAD_USER_INPUT' || code === 'UNSUPPORTED_QUERY_OPTION') && error.extensions?.['argument'] !== undefined);
}

let gw: TestGateway;
let cases = 0;
const seen = new Map<string, number>();
beforeAll(async () => {
  gw = await startGateway({ emulator: { seed: { preset: 'demo', messages: 5 } } });
});
afterAll(async () => {
  console.info(`fuzz: ${cases} cases (seed ${SEED}); answers by status/code: ${JSON.stringify(Object.fromEntries([...seen].sort()))}`);
  await gw?.close();
});

// ---- arbitraries ----

const TRICKY_IDS = [
  '', '.', '..', '...', '%2e', '%2e%2e', '%2E%2E', '.%2e', '../inbox', '..\\..', 'a/b', '/', '//', '?', '#', '%', '%00', '%zz',
  '\u0000', '\n', '\t', '\u007f', '\u0085', '\u2028', '\ud800', 'ü', '📬', 'inbox', 'AAMkAGI2=', ' ', '  ', "'", '"', '\\', '$select=id',
  'x'.repeat(512), 'x'.repeat(513),
];
const idValue = fc.oneof(
  fc.constantFrom(...TRICKY_IDS),
  fc.string({ maxLength: 16 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.array(fc.constantFrom('.', '..', '%2e', '%2E', '/', '\\', 'a', '%2f'), { maxLength: 6 }).map((parts) => parts.join('')),
  fc.integer({ min: 0, max: 5000 }).map((n) => 'y'.repeat(n)),
);

const TOKENS = ['{', '}', '(', ')', '[', ']', 'query', 'mutation', 'subscription', 'fragment', 'on', 'calendarsDelta', 'messagesDelta', 'folderId:', 'first:', '1', '-1', '1e999', '$x', '...', '@include(if: true)', '@skip', ':', ',', '"a"', '"""b"""', 'pageInfo', 'endCursor', 'edges', 'node', 'id', '__typename', '__schema', '#', '\n', '!', '='];
const documentArb = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((tokens) => tokens.join(' ')),
  fc.constantFrom(
    '{ __typename }',
    'mutation { x }',
    'mutation M { calendarsDelta { pageInfo { endCursor } } }',
    'query A { __typename } query B { __typename }',
    'fragment F on Query { ...F } { ...F }',
    '{ calendarsDelta(last: 1) { pageInfo { endCursor } } }',
    '{ calendarsDelta(before: "x") { pageInfo { endCursor } } }',
    '{ calendarsDelta(first: 0) { pageInfo { endCursor } } }',
    '{ calendarsDelta(first: 99999999999) { pageInfo { endCursor } } }',
    '{ calendarsDelta(after: "garbage") { pageInfo { endCursor } } }',
    '{ eventsDelta { pageInfo { endCursor } } }',
    '{ messagesDelta(folderId: "inbox", filter: { receivedDateTime: {} }) { pageInfo { endCursor } } }',
    '{ messagesDelta(folderId: "inbox", filter: { receivedDateTime: { gt: "yesterday" } }) { pageInfo { endCursor } } }',
    '{ __schema { types { name } } }',
    '{ calendarsDelta { pageInfo { endCursor } } @nope }',
  ),
  fc.integer({ min: 1, max: 60 }).map((n) => `${'{ calendarsDelta { edges { node { '.repeat(n)}id${' } } }'.repeat(n)}`),
  fc.integer({ min: 1, max: 200 }).map((n) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`),
  fc.integer({ min: 2, max: 80 }).map((n) => Array.from({ length: n }, (_, i) => `query Q${i} { __typename }`).join(' ')),
);

const variablesArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
  fc.dictionary(fc.constantFrom('folderId', 'userId', 'first', 'after', 'x', '__proto__', 'constructor'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
);

const requestObject = fc.record(
  {
    query: fc.oneof({ weight: 5, arbitrary: documentArb }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }),
    variables: variablesArb,
    operationName: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, fc.constantFrom('A', 'B', 'Q0', 'M', ''), fc.jsonValue({ maxDepth: 1 })),
    extensions: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, fc.jsonValue({ maxDepth: 1 })),
  },
  { requiredKeys: ['query'] },
);

const json = (value: unknown): string => JSON.stringify(value) ?? 'undefined';

const bodyArb: fc.Arbitrary<string | Buffer | undefined> = fc.oneof(
  { weight: 6, arbitrary: requestObject.map(json) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }).map(json) },
  { weight: 2, arbitrary: requestObject.map(json).chain((text) => fc.nat({ max: text.length }).map((n) => text.slice(0, n))) },
  { weight: 1, arbitrary: fc.array(requestObject, { maxLength: 3 }).map(json) },
  { weight: 1, arbitrary: requestObject.map((o) => Buffer.from(json(o), 'utf16le')) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)) },
  { weight: 1, arbitrary: requestObject.map((o) => gzipSync(json(o))) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  // Rare: 1–3 MB bodies (under the 25 MB limit: they are read and parsed).
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }).chain((mb) => fc.constantFrom(json({ query: '{ __typename }', variables: { x: 'a'.repeat(mb << 20) } }), `{"query":"${'a'.repeat(mb << 20)}"}`)) },
);

const headerValue = (values: string[]) =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: fc.constant(values[0]) },
    { weight: 3, arbitrary: fc.constantFrom(...values) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 30 }).filter((v) => /^[\x20-\x7e]*$/.test(v)) },
  );
const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'application/graphql', 'application/graphql+json', 'application/x-www-form-urlencoded', 'multipart/form-data', 'multipart/form-data; boundary=x', 'text/plain', 'application/xml'];
const ACCEPTS = ['application/json', 'application/graphql-response+json', 'application/graphql-response+json, application/json;q=0.9', '*/*', 'application/*', 'image/png'];
const ENCODINGS = ['gzip', 'br', 'deflate', 'identity', 'gzip, br', 'x-unknown'];

const requestArb = fc.record({
  method: fc.oneof({ weight: 6, arbitrary: fc.constant('POST') }, { weight: 2, arbitrary: fc.constant('GET') }, { weight: 1, arbitrary: fc.constantFrom('PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD') }),
  contentType: headerValue(CONTENT_TYPES),
  accept: headerValue(ACCEPTS),
  encoding: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...ENCODINGS) }),
  token: fc.oneof({ weight: 4, arbitrary: fc.constant('valid') }, { weight: 1, arbitrary: fc.constantFrom('none', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer \u00e9', 'Bearer a b') }),
  body: bodyArb,
  get: requestObject,
});

// ---- oracles ----

type Answer = RawAnswer & { errors: { message: string; path?: unknown; extensions?: Record<string, unknown> }[] };

function record(key: string) {
  cases++;
  seen.set(key, (seen.get(key) ?? 0) + 1);
}

/** The checks every answer must pass; returns whether the gateway rejected the request itself (so Graph must not have been asked). */
function checkAnswer(answer: RawAnswer, context: string): boolean {
  const where = `${context}\n→ ${answer.status} ${answer.text.slice(0, 400)}`;
  expect(answer.status, where).toBeLessThan(500);
  if (answer.json !== undefined) {
    expect(answer.text, where).not.toContain('Unexpected error');
    expect(answer.text, where).not.toMatch(/"(http|unexpected|stack)":/);
  }
  const errors = (answer.json?.errors ?? []) as Answer['errors'];
  const codes = errors.map((e) => String(e.extensions?.['code']));
  for (const code of codes) expect(CODES.has(code), `unknown code ${code}: ${where}`).toBe(true);
  const type = String(answer.headers['content-type'] ?? '');
  if (answer.status >= 400 && answer.text !== '') expect(errors.length, where).toBeGreaterThan(0);
  // A request error: the request never ran (no `data`, CONTRACT §6 / GraphQL-over-HTTP).
  const requestError = errors.length > 0 && answer.json !== undefined && !('data' in answer.json);
  if (requestError && codes.every((c) => GRAPHQL_REQUEST_CODES.has(c))) {
    if (type.startsWith('application/graphql-response+json')) expect(answer.status, where).toBe(400);
    if (type.startsWith('application/json')) expect(answer.status, where).toBe(200);
  }
  if (codes.includes('BAD_REQUEST')) expect([200, 400, 405, 413, 415], where).toContain(answer.status);
  if (codes.includes('BAD_REQUEST') && answer.status === 200) expect(type, where).toMatch(/^application\/json/);
  record(`${answer.status} ${codes.length > 0 ? [...new Set(codes)].sort().join('+') : answer.text === '' ? '(empty)' : 'ok'}`);
  return errors.length > 0 && errors.every(isRejection);
}

/** Graph requests since the last call (the emulator's request log, admin routes excluded). */
async function newGraphRequests() {
  const requests = await gw.graphRequests();
  await gw.clearGraphRequests();
  return requests;
}

async function expectHealthy() {
  expect((await fetch(`${gw.url}/health`)).status).toBe(200);
  const result = await gw.query('{ messagesDelta(folderId: "inbox", first: 2) { edges { node { id } } pageInfo { endCursor } } }');
  expect(result.errors).toBeUndefined();
}

describe(`fuzz: malformed requests over HTTP (${RUNS} cases in all, seed ${SEED})`, () => {
  beforeAll(() => {
    vi.spyOn(console, 'error');
  });

  it(
    'bodies, headers, methods, encodings, documents, variables: never a 5xx, always a contract code and the spec’s status, no Graph request for what is rejected',
    async () => {
      await newGraphRequests();
      await fc.assert(
        fc.asyncProperty(requestArb, async (r) => {
          const headers: Record<string, string> = {};
          if (r.contentType !== undefined) headers['content-type'] = r.contentType;
          if (r.accept !== undefined) headers['accept'] = r.accept;
          if (r.encoding !== undefined) headers['content-encoding'] = r.encoding;
          if (r.token === 'valid') headers['authorization'] = `Bearer ${gw.token}`;
          else if (r.token !== 'none') headers['authorization'] = r.token;
          const bodiless = r.method === 'GET' || r.method === 'HEAD';
          let path = '/graphql';
          if (bodiless) {
            const params = new URLSearchParams();
            for (const [key, value] of Object.entries(r.get)) if (value !== undefined) params.set(key, typeof value === 'string' ? value : json(value));
            path += `?${params}`;
          }
          const started = performance.now();
          const answer = await rawRequest(`${gw.url}${path}`, { method: r.method, headers, ...(bodiless || r.body === undefined ? {} : { body: r.body }) });
          if (process.env['FUZZ_SLOW_MS'] && performance.now() - started > Number(process.env['FUZZ_SLOW_MS'])) console.info(`slow (${Math.round(performance.now() - started)} ms): ${r.method} ${json(headers).slice(0, 200)} ${String(r.body).slice(0, 200)}`);
          const context = `${r.method} ${path.slice(0, 300)} ${json({ ...headers, authorization: headers['authorization'] === `Bearer ${gw.token}` ? '(valid)' : headers['authorization'] })} ${typeof r.body === 'string' ? r.body.slice(0, 300) : r.body ? `<${r.body.length} bytes>` : ''}`;
          // Documents here may hold several fields: only a request that never ran must have asked Graph nothing.
          if (checkAnswer(answer, context) && answer.json && !('data' in answer.json)) {
            expect(await newGraphRequests(), context).toEqual([]);
          } else if (answer.status === 200) {
            await newGraphRequests();
          }
        }),
        { numRuns: Math.round(RUNS * 0.6), seed: SEED, endOnFailure: true },
      );
      await expectHealthy();
      expect(console.error).not.toHaveBeenCalled();
    },
    TIMEOUT_MS,
  );

  const FIELDS = [
    { field: 'calendarsDelta', ids: ['userId'], path: (v: Record<string, string>) => `/beta${who(v)}/calendars/delta` },
    { field: 'contactsDelta', ids: ['folderId', 'userId'], path: (v: Record<string, string>) => `/v1.0${who(v)}/contactFolders/${encodeURIComponent(v['folderId'] ?? '')}/contacts/delta` },
    { field: 'messagesDelta', ids: ['folderId', 'userId'], path: (v: Record<string, string>) => `/v1.0${who(v)}/mailFolders/${encodeURIComponent(v['folderId'] ?? '')}/messages/delta` },
    {
      field: 'eventsDelta',
      ids: ['userId'],
      extra: 'startDateTime: "2025-01-01T00:00:00Z", endDateTime: "2025-02-01T00:00:00Z"',
      path: (v: Record<string, string>) => `/v1.0${who(v)}/calendarView/delta`,
    },
  ] as const;
  function who(values: Record<string, string>): string {
    return values['userId'] === undefined ? '/me' : `/users/${encodeURIComponent(values['userId'])}`;
  }

  it(
    'id arguments (dots, slashes, %2e, unicode, huge), inline or as variables: rejected before any Graph request, or requested as exactly one segment',
    async () => {
      await newGraphRequests();
      const argsArb = fc.record({
        target: fc.constantFrom(...FIELDS),
        folderId: idValue,
        userId: fc.option(idValue, { nil: undefined }),
        inline: fc.boolean(),
        first: fc.option(fc.oneof(fc.integer({ min: -5, max: 2000 }), fc.jsonValue({ maxDepth: 1 })), { nil: undefined }),
      });
      await fc.assert(
        fc.asyncProperty(argsArb, async ({ target, folderId, userId, inline, first }) => {
          const values: Record<string, string> = {};
          if (target.ids.includes('folderId' as never)) values['folderId'] = folderId;
          if (userId !== undefined) values['userId'] = userId;
          const args = [...Object.keys(values).map((name) => `${name}: ${inline ? json(values[name]) : `$${name}`}`), ...('extra' in target ? [target.extra] : []), ...(first === undefined ? [] : ['first: $first'])];
          const definitions = [...(inline ? [] : Object.keys(values).map((name) => `$${name}: ID${name === 'folderId' ? '!' : ''}`)), ...(first === undefined ? [] : ['$first: Int'])];
          const document = `query Q${definitions.length ? `(${definitions.join(', ')})` : ''} { ${target.field}(${args.join(', ')}) { pageInfo { endCursor } } }`;
          const variables = { ...(inline ? {} : values), ...(first === undefined ? {} : { first }) };
          const answer = await rawRequest(`${gw.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${gw.token}` },
            body: json({ query: document, variables }),
          });
          const context = json({ query: document, variables }).slice(0, 600);
          const rejected = checkAnswer(answer, context);
          const requests = await newGraphRequests();
          if (rejected) {
            expect(requests, context).toEqual([]);
          } else {
            // Whatever Graph answered: the path is the resource's, each id one encoded segment.
            for (const request of requests) expect(request.path.split('?')[0], context).toBe(target.path(values));
          }
        }),
        { numRuns: Math.round(RUNS * 0.4), seed: SEED + 1, endOnFailure: true },
      );
      await expectHealthy();
      expect(console.error).not.toHaveBeenCalled();
    },
    TIMEOUT_MS,
  );
});

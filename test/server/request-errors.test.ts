import { serverAudits } from 'graphql-http';
import { createGraphQLError } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMaskError } from '../../src/server/errors.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { rawRequest } from '../helpers/raw-http.js';

// CONTRACT §6: every bad request gets its code and the status the GraphQL-over-HTTP spec gives it;
// none of them reaches Graph.

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ emulator: { seed: { preset: 'demo', messages: 5 } } });
});
afterAll(() => gw.close());

const CAL = '{ calendarsDelta(first: 1) { pageInfo { endCursor } } }';
const json = (value: unknown) => JSON.stringify(value);

interface Case {
  name: string;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  code: string;
  /** Status for `Accept: application/json` and for `Accept: application/graphql-response+json`. */
  status: [json: number, graphqlResponse: number];
}

const JSON_TYPE = { 'content-type': 'application/json' };
const CASES: Case[] = [
  { name: 'a truncated JSON body', body: '{"query": "{ cal', code: 'BAD_REQUEST', status: [400, 400] },
  { name: 'a body that is `true`', body: 'true', code: 'BAD_REQUEST', status: [400, 400] },
  { name: 'a body that is `null`', body: 'null', code: 'BAD_REQUEST', status: [400, 400] },
  { name: 'a query that is an array', body: json({ query: [CAL] }), code: 'BAD_REQUEST', status: [400, 400] },
  { name: 'a query that is an object', body: json({ query: { a: 1 } }), code: 'BAD_REQUEST', status: [400, 400] },
  { name: 'a batched array', body: json([{ query: CAL }]), code: 'BAD_REQUEST', status: [400, 400] },
  { name: 'variables that are a string', body: json({ query: CAL, variables: 'str' }), code: 'BAD_REQUEST', status: [400, 400] },
  { name: 'an unknown body parameter', body: json({ query: CAL, extra: 1 }), code: 'BAD_REQUEST', status: [400, 400] },
  { name: 'PATCH', method: 'PATCH', body: json({ query: CAL }), code: 'BAD_REQUEST', status: [405, 405] },
  { name: 'PUT', method: 'PUT', body: json({ query: CAL }), code: 'BAD_REQUEST', status: [405, 405] },
  { name: 'DELETE', method: 'DELETE', code: 'BAD_REQUEST', status: [405, 405] },
  { name: 'a mutation over GET', method: 'GET', path: `?query=${encodeURIComponent('mutation { x }')}`, code: 'BAD_REQUEST', status: [405, 405] },
  { name: 'GET variables that are not JSON', method: 'GET', path: `?query=${encodeURIComponent(CAL)}&variables=%7Bnope`, code: 'BAD_REQUEST', status: [400, 400] },
  { name: 'a multipart body without boundary', headers: { 'content-type': 'multipart/form-data' }, body: 'garbage', code: 'BAD_REQUEST', status: [400, 400] },
  { name: 'Content-Type text/plain', headers: { 'content-type': 'text/plain' }, body: json({ query: CAL }), code: 'BAD_REQUEST', status: [415, 415] },
  { name: 'no Content-Type', headers: {}, body: json({ query: CAL }), code: 'BAD_REQUEST', status: [415, 415] },
  { name: 'Content-Encoding gzip (garbage)', headers: { ...JSON_TYPE, 'content-encoding': 'gzip' }, body: 'not gzip', code: 'BAD_REQUEST', status: [415, 415] },
  { name: 'Content-Encoding br (garbage)', headers: { ...JSON_TYPE, 'content-encoding': 'br' }, body: 'not br', code: 'BAD_REQUEST', status: [415, 415] },
  { name: 'a UTF-16 body', body: Buffer.from(json({ query: CAL }), 'utf16le'), code: 'BAD_REQUEST', status: [400, 400] },
  // A body over 25 MB → 413 BAD_REQUEST: test/server/body-limit.test.ts.
  { name: 'a document that does not parse', body: json({ query: '{ calendarsDelta(' }), code: 'GRAPHQL_PARSE_FAILED', status: [200, 400] },
  { name: 'an unknown field', body: json({ query: '{ nope }' }), code: 'GRAPHQL_VALIDATION_FAILED', status: [200, 400] },
  { name: 'a mutation', body: json({ query: 'mutation { x }' }), code: 'GRAPHQL_VALIDATION_FAILED', status: [200, 400] },
  {
    name: 'more aliases than armor allows',
    body: json({ query: `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: calendarsDelta { pageInfo { endCursor } }`).join(' ')} }` }),
    code: 'GRAPHQL_VALIDATION_FAILED',
    status: [200, 400],
  },
  { name: 'two operations and no operationName', body: json({ query: 'query A { __typename } query B { __typename }' }), code: 'OPERATION_RESOLUTION_FAILURE', status: [200, 400] },
  { name: 'an operationName that names none', body: json({ query: 'query A { __typename }', operationName: 'B' }), code: 'OPERATION_RESOLUTION_FAILURE', status: [200, 400] },
  {
    name: '50 operations in one document',
    body: json({ query: Array.from({ length: 50 }, (_, i) => `query Q${i} { __typename }`).join(' ') }),
    code: 'OPERATION_RESOLUTION_FAILURE',
    status: [200, 400],
  },
  {
    name: 'a variable of the wrong type (object for ID!)',
    body: json({ query: 'query($folderId: ID!) { messagesDelta(folderId: $folderId) { pageInfo { endCursor } } }', variables: { folderId: { polluted: 1 } } }),
    code: 'BAD_USER_INPUT',
    status: [200, 400],
  },
  {
    name: 'a variable of the wrong type (object for Int)',
    body: json({ query: 'query($first: Int) { calendarsDelta(first: $first) { pageInfo { endCursor } } }', variables: { first: { a: 1 } } }),
    code: 'BAD_USER_INPUT',
    status: [200, 400],
  },
  {
    name: '`variables: null` with a required variable',
    body: json({ query: 'query($folderId: ID!) { messagesDelta(folderId: $folderId) { pageInfo { endCursor } } }', variables: null }),
    code: 'BAD_USER_INPUT',
    status: [200, 400],
  },
];

describe('request errors: code and status (GraphQL-over-HTTP)', () => {
  it.each(CASES)('$name → $code', async (c) => {
    await gw.clearGraphRequests();
    for (const [i, accept] of (['application/json', 'application/graphql-response+json'] as const).entries()) {
      const answer = await rawRequest(`${gw.url}/graphql${c.path ?? ''}`, {
        method: c.method ?? 'POST',
        headers: { ...(c.headers ?? (c.body === undefined ? {} : JSON_TYPE)), accept, authorization: `Bearer ${gw.token}` },
        ...(c.body === undefined ? {} : { body: c.body }),
      });
      expect(answer.status, `${accept}: ${answer.text.slice(0, 300)}`).toBe(c.status[i]);
      expect(answer.json?.errors?.map((e) => e.extensions?.['code'])).toEqual([c.code]);
      expect(answer.text).not.toMatch(/Unexpected error|"http"|"unexpected"/);
    }
    expect(await gw.graphRequests()).toEqual([]);
  });

  it('a variable error names the variable', async () => {
    const result = await gw.query('query($first: Int) { calendarsDelta(first: $first) { pageInfo { endCursor } } }', { first: 'ten' });
    expect(result.errors?.[0]?.message).toContain('$first');
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', argument: '$first' });
  });

  it('graphql-http’s server audits: no error and no warning', async () => {
    const failures: string[] = [];
    for (const audit of serverAudits({ url: `${gw.url}/graphql` })) {
      const result = await audit.fn();
      if (result.status === 'error' || result.status === 'warn') failures.push(`${audit.id} ${audit.name}: ${'reason' in result ? result.reason : ''}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('id arguments (CONTRACT §6): checked before any I/O, never bending the Graph path', () => {
  const FIELDS = [
    ['calendarsDelta', 'userId', (v: string) => `calendarsDelta(userId: ${json(v)})`],
    ['contactsDelta', 'folderId', (v: string) => `contactsDelta(folderId: ${json(v)})`],
    ['contactsDelta', 'userId', (v: string) => `contactsDelta(folderId: "f", userId: ${json(v)})`],
    ['messagesDelta', 'folderId', (v: string) => `messagesDelta(folderId: ${json(v)})`],
    ['eventsDelta', 'userId', (v: string) => `eventsDelta(userId: ${json(v)}, startDateTime: "2025-01-01T00:00:00Z", endDateTime: "2025-02-01T00:00:00Z")`],
  ] as const;
  const BAD = ['', '.', '..', 'a\u0000b', 'line\nbreak', '\u007f', 'x'.repeat(513), '\ud800', 'a\udc00b'];

  /** The field called with `$v` in place of the id literal. */
  function viaVariable(call: (v: string) => string, value: string) {
    const marker = 'VALUE_MARKER';
    const document = call(marker).replace(`"${marker}"`, '$v');
    return gw.query(`query($v: ID!) { ${document} { pageInfo { endCursor } } }`, { v: value });
  }

  it.each(FIELDS)('%s(%s): empty, `.`, `..`, control characters, lone surrogates, > 512 characters → BAD_USER_INPUT naming it, no Graph request', async (_field, argument, call) => {
    await gw.clearGraphRequests();
    for (const value of BAD) {
      // Inline: JSON.stringify's escapes are GraphQL's; a lone surrogate only comes through a variable.
      const result = /[\ud800-\udfff]/.test(value) ? await viaVariable(call, value) : await gw.query(`{ ${call(value)} { pageInfo { endCursor } } }`);
      expect(result.errors?.map((e) => e.extensions?.['code']), json(value)).toEqual(['BAD_USER_INPUT']);
      expect(result.errors?.[0]?.extensions?.['argument']).toBe(argument);
      expect(result.errors?.[0]?.message).toContain(argument);
    }
    expect(await gw.graphRequests()).toEqual([]);
  });

  it('ids with dots, slashes, %2e, unicode stay one encoded segment', async () => {
    for (const value of ['%2e%2e', '../inbox', 'a/b', '.hidden', '...', 'ü✓', '?$x=1#y', 'a\\b']) {
      await gw.clearGraphRequests();
      await gw.query(`{ messagesDelta(folderId: ${json(value)}) { pageInfo { endCursor } } }`);
      const paths = (await gw.graphRequests()).map((r) => r.path.split('?')[0]);
      expect(paths, value).toEqual([`/v1.0/me/mailFolders/${encodeURIComponent(value)}/messages/delta`]);
    }
  });
});

describe('masking', () => {
  it('masks an unexpected error as "Unexpected error." and logs it once, with the errorId the client sees', () => {
    const lines: Record<string, unknown>[] = [];
    const maskError = createMaskError({ error: ((fields: Record<string, unknown>, message: string) => lines.push({ ...fields, message })) as never });
    const masked = maskError(new Error('database at 10.0.0.1 exploded'), 'Unexpected error.') as ReturnType<typeof createGraphQLError>;
    expect(masked.message).toBe('Unexpected error.');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ errorId: masked.extensions['errorId'], message: 'unexpected error (masked)' });
    expect(JSON.stringify(masked)).not.toContain('exploded');
    // Client errors pass as they are (yoga logs any error that masking replaces).
    const clientError = createGraphQLError('Syntax Error', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
    expect(maskError(clientError, 'Unexpected error.')).toBe(clientError);
    expect(lines).toHaveLength(1);
  });
});

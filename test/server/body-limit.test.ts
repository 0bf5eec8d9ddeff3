import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REQUEST_BODY_BYTES } from '../../src/server/body-limit.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { extensions?: Record<string, unknown> }[] };
}

/** POSTs `body` to /graphql over node:http, with Content-Length or chunked; the server may answer before it has read it all. */
function post(url: string, body: string, framing: 'length' | 'chunked'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/json', accept: 'application/json' };
    if (framing === 'length') headers['content-length'] = Buffer.byteLength(body);
    const req = request(`${url}/graphql`, { method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer['body'] }));
    });
    // An early answer can reset the connection while the body is still being written.
    req.on('error', (error) => (req.destroyed && error.message.includes('EPIPE') ? undefined : reject(error)));
    if (framing === 'chunked') {
      const step = 1024 * 1024;
      for (let at = 0; at < body.length; at += step) req.write(body.slice(at, at + step));
    } else {
      req.write(body);
    }
    req.end();
  });
}

// A valid request padded with whitespace: without a limit it would be answered with data.
const query = (size: number) => {
  const json = JSON.stringify({ query: '{ __typename }' });
  return `${json.slice(0, -1)}${' '.repeat(Math.max(0, size - json.length))}}`;
};

describe('request body limit', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ emulator: { seed: 'empty' } });
  });
  afterAll(() => gw.close());

  it('answers requests under the limit, with Content-Length or chunked', async () => {
    for (const framing of ['length', 'chunked'] as const) {
      const answer = await post(gw.url, query(64 * 1024), framing);
      expect(answer.body.data).toEqual({ __typename: 'Query' });
    }
  });

  it('refuses a body over the limit whether its length is stated or not', async () => {
    const body = query(MAX_REQUEST_BODY_BYTES + 1024);
    for (const framing of ['length', 'chunked'] as const) {
      const answer = await post(gw.url, body, framing);
      expect(answer.body.data).toBeUndefined();
      // CONTRACT §6: 413 with BAD_REQUEST (yoga's own limit says REQUEST_ENTITY_TOO_LARGE).
      expect(answer.status).toBe(413);
      expect(answer.body.errors?.map((e) => e.extensions?.['code'])).toEqual(['BAD_REQUEST']);
    }
  });
});

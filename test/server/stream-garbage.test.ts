import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { ERROR_CODES } from '../../src/errors.js';
import { MAX_WS_MESSAGE_BYTES } from '../../src/server/graphql-ws.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

// The subscription transports under garbage: graphql-transport-ws closes with the protocol's close
// codes or answers with coded errors, SSE answers like HTTP; never a crash, never an internal error.

const RUNS = Math.max(10, Math.round(Number(process.env['FUZZ_RUNS'] ?? 1200) / 10));
const SEED = Number(process.env['FUZZ_SEED'] ?? 20261207);
const CODES = new Set<string>(ERROR_CODES);
/** graphql-transport-ws's close codes for a client's mistakes, and ws's for protocol violations. */
const CLIENT_CLOSE_CODES = new Set([4400, 4401, 4403, 4406, 4408, 4409, 4429, 1009, 1007, 1002]);

let gw: TestGateway;
let wsUrl: string;
beforeAll(async () => {
  vi.spyOn(console, 'error');
  gw = await startGateway({ emulator: { seed: { preset: 'demo', messages: 5 } }, env: { POLL_INTERVAL_MS: '500' } });
  wsUrl = `${gw.url.replace(/^http/, 'ws')}/graphql`;
});
afterAll(async () => {
  await gw?.close();
});

const INIT = JSON.stringify({ type: 'connection_init' });
const subscribe = (payload: unknown, id = '1') => JSON.stringify({ id, type: 'subscribe', payload });
const SUB = 'subscription { calendarsChanged { cursor } }';

interface Session {
  /** Messages received, parsed. */
  messages: { type: string; id?: string; payload?: unknown }[];
  /** Close code, or undefined while open after `settleMs`. */
  code: number | undefined;
  reason: string;
}

/**
 * Opens a socket (with the demo token on the upgrade), sends `init` first when asked and waits for
 * the ack, then sends `frames`; resolves on close or `settleMs` after the last frame.
 */
function session(frames: (string | Buffer)[], options: { init?: boolean; protocol?: string | null; settleMs?: number } = {}): Promise<Session> {
  return new Promise((resolve) => {
    const protocols = options.protocol === null ? [] : [options.protocol ?? 'graphql-transport-ws'];
    const socket = new WebSocket(wsUrl, protocols, { headers: { authorization: `Bearer ${gw.token}` } });
    const result: Session = { messages: [], code: undefined, reason: '' };
    let timer: NodeJS.Timeout | undefined;
    const settle = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        socket.terminate();
        resolve(result);
      }, options.settleMs ?? 300);
    };
    const sendFrames = () => {
      for (const frame of frames) socket.send(frame);
      settle();
    };
    socket.on('open', () => (options.init === false ? sendFrames() : socket.send(INIT)));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as Session['messages'][number];
      result.messages.push(message);
      if (message.type === 'connection_ack') sendFrames();
      else settle();
    });
    socket.on('error', () => undefined);
    socket.on('close', (code, reason) => {
      clearTimeout(timer);
      result.code = code;
      result.reason = String(reason);
      resolve(result);
    });
  });
}

/** Every error in an `error` or `next` message carries a contract code and no internal extension. */
function errorCodesOf(s: Session): string[] {
  const codes: string[] = [];
  for (const message of s.messages) {
    const errors = message.type === 'error' ? (message.payload as { extensions?: Record<string, unknown> }[]) : message.type === 'next' ? ((message.payload as { errors?: { extensions?: Record<string, unknown> }[] }).errors ?? []) : [];
    for (const error of errors) {
      expect(error.extensions?.['http']).toBeUndefined();
      codes.push(String(error.extensions?.['code']));
    }
  }
  return codes;
}

describe('graphql-transport-ws: garbage gets the protocol’s close codes', () => {
  it.each([
    ['a message that is not JSON', 4400, ['{nope'], false],
    ['connection_init with a string payload', 4400, [JSON.stringify({ type: 'connection_init', payload: 'x' })], false],
    ['connection_init with an array payload', 4400, [JSON.stringify({ type: 'connection_init', payload: [1] })], false],
    ['subscribe before connection_init', 4401, [subscribe({ query: SUB })], false],
    ['an unknown message type', 4400, [JSON.stringify({ type: 'hello' })], true],
    ['a second connection_init', 4429, [INIT], true],
    ['two subscriptions with one id', 4409, [subscribe({ query: SUB }), subscribe({ query: SUB })], true],
    ['a query that is not a string', 4400, [subscribe({ query: 5 })], true],
    ['variables that are a string', 4400, [subscribe({ query: SUB, variables: 'x' })], true],
    ['binary garbage', 4400, [Buffer.from([0xff, 0xfe, 0])], true],
    ['a message only servers send (next)', 4400, [JSON.stringify({ id: '1', type: 'next', payload: {} })], true],
    ['a message only servers send (connection_ack)', 4400, [JSON.stringify({ type: 'connection_ack' })], true],
    ['a message over the size limit', 1009, ['x'.repeat(MAX_WS_MESSAGE_BYTES + 1)], true],
  ] as const)('%s → %i', async (_name, code, frames, init) => {
    const s = await session([...frames], { init });
    expect(s.code).toBe(code);
  });

  it('no subprotocol → 4406', async () => {
    expect((await session([], { init: false, protocol: null })).code).toBe(4406);
  });

  it.each([
    ['a document that does not parse', 'GRAPHQL_PARSE_FAILED', { query: 'subscription {' }],
    ['a mutation', 'GRAPHQL_VALIDATION_FAILED', { query: 'mutation { x }' }],
    ['more aliases than armor allows', 'GRAPHQL_VALIDATION_FAILED', { query: `subscription { ${Array.from({ length: 20 }, (_, i) => `a${i}: calendarsChanged { cursor }`).join(' ')} }` }],
    ['two operations, none named', 'OPERATION_RESOLUTION_FAILURE', { query: 'subscription A { calendarsChanged { cursor } } subscription B { calendarsChanged { cursor } }' }],
    ['a variable of the wrong type', 'BAD_USER_INPUT', { query: 'subscription($f: ID!) { messagesChanged(folderId: $f) { cursor } }', variables: { f: { polluted: 1 } } }],
    ['folderId ".."', 'BAD_USER_INPUT', { query: 'subscription { messagesChanged(folderId: "..") { cursor } }' }],
    ['userId "."', 'BAD_USER_INPUT', { query: 'subscription { calendarsChanged(userId: ".") { cursor } }' }],
  ] as const)('%s → an error with %s; the socket stays open and asks Graph nothing', async (_name, code, payload) => {
    await gw.clearGraphRequests();
    const s = await session([subscribe(payload), JSON.stringify({ type: 'ping' })]);
    expect(s.code).toBeUndefined();
    expect(errorCodesOf(s)).toEqual([code]);
    expect(s.messages.map((m) => m.type)).toContain('pong');
    expect(await gw.graphRequests()).toEqual([]);
  });

  it(`random frames (${RUNS} sessions, seed ${SEED}): a client close code or coded errors, never 4500, nothing logged as an internal error`, async () => {
    const payload = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.record({ query: fc.oneof(fc.constantFrom(SUB, 'subscription {', 'mutation { x }', '{ __typename }', 'subscription { messagesChanged(folderId: "..") { cursor } }'), fc.string(), fc.jsonValue({ maxDepth: 1 })), variables: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }), operationName: fc.option(fc.jsonValue({ maxDepth: 1 }), { nil: undefined }) }, { requiredKeys: [] }),
    );
    const frame = fc.oneof(
      fc.record({ type: fc.constantFrom('connection_init', 'subscribe', 'complete', 'ping', 'pong', 'next', 'error', 'connection_ack', 'start', 'stop', 'x'), id: fc.option(fc.oneof(fc.constantFrom('1', '2', ''), fc.jsonValue({ maxDepth: 0 })), { nil: undefined }), payload: fc.option(payload, { nil: undefined }) }, { requiredKeys: ['type'] }).map((m) => JSON.stringify(m)),
      fc.string({ maxLength: 40 }),
      fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v) ?? 'null'),
    );
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(frame, { minLength: 1, maxLength: 5 }), async (init, frames) => {
        const s = await session(frames, { init, settleMs: 150 });
        const where = `${init ? '(init) ' : ''}${frames.join(' | ').slice(0, 500)} → ${s.code} ${s.reason} ${JSON.stringify(s.messages).slice(0, 300)}`;
        if (s.code !== undefined) expect(CLIENT_CLOSE_CODES.has(s.code) || s.code === 1005 || s.code === 1000, where).toBe(true);
        for (const code of errorCodesOf(s)) expect(CODES.has(code), where).toBe(true);
        expect(JSON.stringify(s.messages), where).not.toContain('Unexpected error');
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    expect(console.error).not.toHaveBeenCalled();
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
  }, 60_000 + RUNS * 1_000);
});

describe('SSE: garbage answered like HTTP', () => {
  /** POSTs a subscription request accepting text/event-stream; returns the status and the errors of the first event. */
  async function sse(body: unknown) {
    const controller = new AbortController();
    const response = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${gw.token}` },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('\n\n') || !/data:/.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    const data = /data: (.*)/.exec(text)?.[1];
    const parsed = data ? (JSON.parse(data) as { errors?: { extensions?: Record<string, unknown> }[] }) : {};
    return { status: response.status, text, codes: (parsed.errors ?? []).map((e) => String(e.extensions?.['code'])) };
  }

  it.each([
    ['a document that does not parse', 'GRAPHQL_PARSE_FAILED', { query: 'subscription {' }],
    ['a mutation', 'GRAPHQL_VALIDATION_FAILED', { query: 'mutation { x }' }],
    ['two operations, none named', 'OPERATION_RESOLUTION_FAILURE', { query: 'subscription A { calendarsChanged { cursor } } subscription B { calendarsChanged { cursor } }' }],
    ['a variable of the wrong type', 'BAD_USER_INPUT', { query: 'subscription($f: ID!) { messagesChanged(folderId: $f) { cursor } }', variables: { f: [1] } }],
    ['folderId ".."', 'BAD_USER_INPUT', { query: 'subscription { messagesChanged(folderId: "..") { cursor } }' }],
    ['variables that are a string', 'BAD_REQUEST', { query: SUB, variables: 'x' }],
    ['a batched array', 'BAD_REQUEST', [{ query: SUB }]],
  ] as const)('%s → %s, no Graph request', async (_name, code, body) => {
    await gw.clearGraphRequests();
    const answer = await sse(body);
    expect(answer.status).toBeLessThan(500);
    expect(answer.codes, answer.text).toEqual([code]);
    expect(answer.text).not.toMatch(/Unexpected error|"http":/);
    expect(await gw.graphRequests()).toEqual([]);
  });
});

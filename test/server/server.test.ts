import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

/** Runs `src/server.ts` with exactly `env` (plus PATH), collecting its output. */
function runServer(env: Record<string, string>) {
  const child = spawn(tsx, ['src/server.ts'], { cwd: root, env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp) => {
    for (let i = 0; i < 300 && !pattern.test(output); i += 1) await new Promise((r) => setTimeout(r, 100));
    return pattern.exec(output);
  };
  return { child, exited, waitFor, output: () => output };
}

describe('the yoga instance', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ emulator: { seed: 'empty' } });
  });
  afterAll(() => gw.close());

  it('GET /health answers 200', async () => {
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
  });

  it('serves GraphiQL offline (no CDN) with an example query on the inbox', async () => {
    const response = await fetch(`${gw.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('messagesDelta');
    expect(html).not.toMatch(/unpkg\.com|jsdelivr|cdnjs|esm\.sh/);
  });

  it('introspection needs no token (GraphiQL loads the schema before any login)', async () => {
    const result = await gw.query('{ __schema { queryType { fields { name } } } }', {}, { token: null });
    expect(result.errors).toBeUndefined();
  });

  it('documents that do not parse or validate, and armor’s limits, are GRAPHQL_PARSE_FAILED / GRAPHQL_VALIDATION_FAILED', async () => {
    for (const [document, code] of [
      ['{ messagesDelta(', 'GRAPHQL_PARSE_FAILED'],
      ['{ messagesDelta(folderId: "inbox") { nope } }', 'GRAPHQL_VALIDATION_FAILED'],
      [`{ ${Array.from({ length: 20 }, (_, i) => `a${i}: calendarsDelta { pageInfo { endCursor } }`).join(' ')} }`, 'GRAPHQL_VALIDATION_FAILED'],
    ] as const) {
      const result = await gw.query(document);
      expect(result.errors?.[0]?.extensions?.['code']).toBe(code);
    }
    // A literal first: 1000 is within the contract (armor's cost budget is per item).
    const big = await gw.query('{ messagesDelta(folderId: "inbox", first: 1000) { edges { node { id subject } } pageInfo { endCursor } } }');
    expect(big.errors).toBeUndefined();
  });

  it('depth counts fields, not fragment spreads: a Relay-style query built of fragments passes', async () => {
    const relay = `
      query Inbox { messagesDelta(folderId: "inbox", first: 2) { ...Page } }
      fragment Page on MessageDeltaConnection { edges { ...Edge } pageInfo { endCursor } }
      fragment Edge on MessageDeltaEdge { cursor node { ...Item } }
      fragment Item on Message { id flag { dueDateTime { dateTime } } }`;
    expect((await gw.query(relay)).errors).toBeUndefined();
  });
});

describe('src/server.ts', () => {
  it('demo mode: starts the emulator, prints the GraphiQL URL, answers without a token, stops on SIGTERM', async () => {
    const server = runServer({ PORT: '0', LOG_LEVEL: 'info' });
    try {
      const match = await server.waitFor(/GraphiQL at (http:\/\/[^\s"]+\/graphql)/);
      expect(match, server.output()).not.toBeNull();
      const url = match?.[1] as string;
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ messagesDelta(folderId: "inbox", first: 2) { edges { node { id subject } } pageInfo { hasNextPage } } }' }),
      });
      const body = (await response.json()) as { data?: { messagesDelta: { edges: unknown[] } } };
      expect(body.data?.messagesDelta.edges).toHaveLength(2);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
    }
  }, 60_000);

  it('a bad configuration stops start-up with a message naming the variable', async () => {
    const server = runServer({ GRAPH_BASE_URL: 'https://graph.microsoft.com', PORT: '0' });
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(/CURSOR_SECRET/);
  }, 60_000);
});

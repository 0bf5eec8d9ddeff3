import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createGraphClient, type GraphClient, type GraphResponse } from '../../src/graph/client.js';
import { GraphRequestError } from '../../src/graph/errors.js';

interface DeltaPage {
  value: { id: string }[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

let emulator: RunningEmulator;
let client: GraphClient;
let token: string;
const waits: number[] = [];

// The admin API over plain HTTP, as documented in TEAM.md, so this file depends only on the wire.
async function admin<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${emulator.url}/_emulator/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`admin ${method} ${path} → ${res.status}`);
  const text = await res.text();
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

beforeAll(async () => {
  emulator = await startEmulator({ seed: 'demo' });
  client = createGraphClient({
    graphOrigin: emulator.url,
    retryBudgetMs: 10_000,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      waits.push(ms);
    },
  });
  token = (await admin<{ access_token: string }>('POST', 'tokens', {})).access_token;
});

afterAll(async () => {
  await client?.close();
  await emulator?.close();
});

afterEach(async () => {
  waits.length = 0;
  await admin('DELETE', 'faults');
  await admin('DELETE', 'requests');
});

const initialUrl = (): string => `${emulator.url}/v1.0/me/mailFolders/inbox/messages/delta`;

async function readRound(url: string, prefer: string[]): Promise<{ ids: string[]; pages: number; deltaLink: string }> {
  const ids: string[] = [];
  let next: string | undefined = url;
  for (let pages = 1; next !== undefined; pages++) {
    const res: GraphResponse<DeltaPage> = await client.get<DeltaPage>({ url: next, token, prefer });
    expect(res.status).toBe(200);
    ids.push(...res.body.value.map((item) => item.id));
    const deltaLink = res.body['@odata.deltaLink'];
    if (deltaLink !== undefined) return { ids, pages, deltaLink };
    next = res.body['@odata.nextLink'];
    expect(next).toBeDefined();
  }
  throw new Error('unreachable');
}

describe('graph client against the emulator', () => {
  it('reads a delta round by following nextLinks, with Prefer on every request', async () => {
    const round = await readRound(initialUrl(), ['odata.maxpagesize=2', 'IdType="ImmutableId"']);
    expect(round.pages).toBeGreaterThan(1);
    expect(round.ids.length).toBeGreaterThan(2);
    expect(round.deltaLink.startsWith(`${emulator.url}/`)).toBe(true);
    const requests = await admin<{ path: string; headers: Record<string, string> }[]>('GET', 'requests');
    const deltaRequests = requests.filter((r) => r.path.includes('/messages/delta'));
    expect(deltaRequests).toHaveLength(round.pages);
    for (const r of deltaRequests) expect(r.headers['prefer']).toBe('odata.maxpagesize=2, IdType="ImmutableId"');

    // The deltaLink starts the next round: nothing changed, so nothing comes back.
    const next = await client.get<DeltaPage>({ url: round.deltaLink, token });
    expect(next.body.value).toEqual([]);
  });

  it('retries an injected 429, honouring its Retry-After', async () => {
    await admin('POST', 'faults', { status: 429, retryAfter: 3, times: 1, match: { pathContains: '/messages/delta' } });
    const res = await client.get<DeltaPage>({ url: initialUrl(), token, prefer: ['odata.maxpagesize=2'] });
    expect(res.status).toBe(200);
    expect(waits).toEqual([3000]);
    const requests = await admin<unknown[]>('GET', 'requests');
    expect(requests.filter((r) => (r as { path: string }).path.includes('/messages/delta'))).toHaveLength(2);
  });

  it('maps a persistent 503 to UPSTREAM_ERROR with the emulator’s request-id', async () => {
    await admin('POST', 'faults', { status: 503, times: 0, match: { pathContains: '/messages/delta' } });
    const small = createGraphClient({ graphOrigin: emulator.url, retryBudgetMs: 1_000, random: () => 1, sleep: async () => {} });
    try {
      const err = await small.get({ url: initialUrl(), token }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ extensions: { code: 'UPSTREAM_ERROR' } });
      expect(((err as { originalError: GraphRequestError }).originalError).status).toBe(503);
    } finally {
      await small.close();
    }
  });

  it('turns an expired delta token into RESYNC_REQUIRED', async () => {
    const round = await readRound(initialUrl(), ['odata.maxpagesize=50']);
    await admin('POST', 'tokens/expire', { link: round.deltaLink, code: 'syncStateNotFound' });
    const err = await client.get({ url: round.deltaLink, token }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ extensions: { code: 'RESYNC_REQUIRED' } });
    expect(waits).toEqual([]);
  });

  it('refuses to follow a link to an origin other than the emulator', async () => {
    const url = initialUrl().replace('127.0.0.1', 'localhost');
    const err = await client.get({ url, token }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ extensions: { code: 'UPSTREAM_ERROR' } });
    expect(await admin<unknown[]>('GET', 'requests')).toEqual([]);
  });
});

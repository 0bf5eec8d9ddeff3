import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SECOND_USER, startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createGraphClient, type GraphClient } from '../../src/graph/client.js';
import { createGraphLoader } from '../../src/graph/loader.js';

let emulator: RunningEmulator;
let client: GraphClient;
let token: string;
let ids: string[];

beforeAll(async () => {
  emulator = await startEmulator({ seed: { preset: 'demo', messages: 60 } });
  client = createGraphClient({ graphOrigin: emulator.url, retryBudgetMs: 5_000 });
  token = await emulator.admin.token();
  const page = await client.get<{ value: { id: string }[] }>({ url: `${emulator.url}/v1.0/me/mailFolders/inbox/messages/delta?$select=subject`, token, prefer: ['odata.maxpagesize=25'] });
  ids = page.body.value.map((m) => m.id);
});
afterAll(async () => {
  await client.close();
  await emulator.close();
});
beforeEach(async () => {
  await emulator.admin.clearFaults();
  await emulator.admin.clearRequests();
});

const messageUrl = (id: string) => `${emulator.url}/v1.0/me/messages/${encodeURIComponent(id)}?$select=subject`;
const batches = async () => (await emulator.admin.requests()).filter((e) => e.path.endsWith('/$batch'));

describe('per-operation Graph loader over real HTTP', () => {
  it('25 requests asked together go out as batches of 20 and 5, results matched by id', async () => {
    const loader = createGraphLoader({ graph: client, retryBudgetMs: 5_000 });
    const answers = await Promise.all(ids.map((id) => loader.get<{ id: string }>({ url: messageUrl(id), token })));
    expect(answers.map((a) => a.body.id)).toEqual(ids);
    const log = await emulator.admin.requests();
    const sizes = (await batches()).map((b) => log.filter((e) => e.batch === b.requestId).length).sort((a, b) => a - b);
    expect(sizes).toEqual([5, 20]);
  });

  it('requests with different tokens never share a batch', async () => {
    const other = await emulator.admin.token({ user: SECOND_USER.id });
    const loader = createGraphLoader({ graph: client, retryBudgetMs: 5_000 });
    await Promise.all([
      loader.get({ url: `${emulator.url}/v1.0/me/mailFolders/inbox`, token }),
      loader.get({ url: `${emulator.url}/v1.0/me/mailFolders/sentitems`, token }),
      loader.get({ url: `${emulator.url}/v1.0/me/mailFolders/inbox`, token: other }),
      loader.get({ url: `${emulator.url}/v1.0/me/mailFolders/sentitems`, token: other }),
    ]);
    expect(await batches()).toHaveLength(2);
  });

  it('a whole batch answered 503 is retried; a batch answered 400 is UPSTREAM_ERROR for each request', async () => {
    await emulator.admin.injectFault({ status: 503, retryAfter: 0, match: { pathContains: '$batch' } });
    const loader = createGraphLoader({ graph: client, retryBudgetMs: 5_000 });
    const ok = await Promise.all(ids.slice(0, 2).map((id) => loader.get<{ id: string }>({ url: messageUrl(id), token })));
    expect(ok.map((a) => a.body.id)).toEqual(ids.slice(0, 2));
    expect((await batches()).map((b) => b.status)).toEqual([503, 200]);

    await emulator.admin.injectFault({ status: 400, match: { pathContains: '$batch' } });
    const again = createGraphLoader({ graph: client, retryBudgetMs: 5_000 });
    const failed = await Promise.allSettled(ids.slice(0, 2).map((id) => again.get({ url: messageUrl(id), token })));
    for (const f of failed) {
      expect(f.status).toBe('rejected');
      expect((f as PromiseRejectedResult).reason.extensions.code).toBe('UPSTREAM_ERROR');
    }
  });

  it('an inner 429 whose Retry-After does not fit the budget is THROTTLED with retryAfter; its neighbour succeeds', async () => {
    await emulator.admin.injectFault({ status: 429, retryAfter: 30, match: { pathContains: 'sentitems' } });
    const loader = createGraphLoader({ graph: client, retryBudgetMs: 2_000 });
    const [inbox, sent] = await Promise.allSettled([
      loader.get({ url: `${emulator.url}/v1.0/me/mailFolders/inbox`, token }),
      loader.get({ url: `${emulator.url}/v1.0/me/mailFolders/sentitems`, token }),
    ]);
    expect(inbox.status).toBe('fulfilled');
    expect(sent.status).toBe('rejected');
    expect((sent as PromiseRejectedResult).reason.extensions).toMatchObject({ code: 'THROTTLED', retryAfter: 30 });
  });

  it('a link to another host is refused (UPSTREAM_ERROR), never put into a batch', async () => {
    const loader = createGraphLoader({ graph: client, retryBudgetMs: 5_000 });
    const [evil, fine] = await Promise.allSettled([
      loader.get({ url: 'https://evil.example/v1.0/me/mailFolders/inbox', token }),
      loader.get({ url: `${emulator.url}/v1.0/me/mailFolders/inbox`, token }),
    ]);
    expect((evil as PromiseRejectedResult).reason.extensions.code).toBe('UPSTREAM_ERROR');
    expect(fine.status).toBe('fulfilled');
    expect(await batches()).toHaveLength(0);
  });
});

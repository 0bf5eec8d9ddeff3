import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { ids, MESSAGES_CHANGED, type MessagesBatch } from '../fixtures/subscription-documents.js';
import { deltaRequests, IMMUTABLE, startSubscriptionGateway, until, type SubscriptionGateway } from '../helpers/subscription-harness.js';

const INBOX = '/mailFolders/inbox/';

describe('subscriptions: throttling and faults', () => {
  let emulator: RunningEmulator;
  let gw: SubscriptionGateway;

  beforeAll(async () => {
    emulator = await startEmulator({ seed: { preset: 'demo', messages: 20 } });
  });
  afterAll(() => emulator.close());
  afterEach(async () => {
    await gw?.close();
    await emulator.admin.clearFaults();
    await emulator.admin.clearRequests();
  });

  async function polling(env: Record<string, string> = {}) {
    gw = await startSubscriptionGateway({ emulator, env });
    const stream = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED);
    await until(() => gw.pollers.stats().some((s) => s.phase === 'holding'), 'poller polling');
    await until(async () => (await deltaRequests(emulator, INBOX)).some((r) => r.kind === 'delta'), 'a delta poll');
    return stream;
  }

  it('429 with Retry-After beyond the retry budget: the next poll waits for Retry-After, and the change still arrives', async () => {
    const stream = await polling({ GRAPH_RETRY_BUDGET_MS: '300' });
    await emulator.admin.injectFault({ status: 429, retryAfter: 1, times: 1, match: { pathContains: INBOX, link: 'delta' } });
    const created = await emulator.admin.createMessage('inbox', { subject: 'after throttling' }, { prefer: [IMMUTABLE] });

    const batch = await stream.next();
    expect(ids(batch.data?.messagesChanged.edges ?? [])).toEqual([created.id]);
    expect(batch.errors).toBeUndefined();

    const requests = await deltaRequests(emulator, INBOX);
    const throttled = requests.findIndex((r) => r.status === 429);
    expect(throttled).toBeGreaterThanOrEqual(0);
    const after = requests[throttled + 1];
    expect(after).toBeDefined();
    // The poll after the 429 came no earlier than Retry-After (1 s), not one interval (100 ms) later.
    expect(Date.parse(after?.at ?? '') - Date.parse(requests[throttled]?.at ?? '')).toBeGreaterThanOrEqual(1000);
    // It re-read the same deltaLink: nothing skipped.
    expect(after?.query['$deltatoken']).toBe(requests[throttled]?.query['$deltatoken']);
    stream.close();
  });

  it('503/504 are retried: a poller facing a failing Graph keeps going and delivers once Graph is back', async () => {
    const stream = await polling({ GRAPH_RETRY_BUDGET_MS: '300' });
    await emulator.admin.injectFault({ status: 503, times: 0, match: { pathContains: INBOX, link: 'delta' } });
    await until(async () => (await deltaRequests(emulator, INBOX)).filter((r) => r.status === 503).length >= 4, 'several 503 answers');
    const created = await emulator.admin.createMessage('inbox', { subject: 'after outage' }, { prefer: [IMMUTABLE] });
    // Back, but with two more gateway timeouts on the way.
    await emulator.admin.clearFaults();
    await emulator.admin.injectFault({ status: 504, times: 2, match: { pathContains: INBOX, link: 'delta' } });

    const batch = await stream.next();
    expect(ids(batch.data?.messagesChanged.edges ?? [])).toEqual([created.id]);
    expect(stream.results.every((r) => r.errors === undefined)).toBe(true);
    expect(stream.ended).toBe(false);
    stream.close();
  });

  it('410 ends the subscription with RESYNC_REQUIRED and stops the poller', async () => {
    const stream = await polling();
    await emulator.admin.expireTokens({ all: true, code: 'resyncRequired' });
    const result = await stream.next();
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]?.extensions?.['code']).toBe('RESYNC_REQUIRED');
    await stream.done;
    await until(() => gw.pollers.size === 0, 'poller stopped');
  });

  it('Graph refusing the token (401) ends the subscription with UNAUTHENTICATED', async () => {
    const stream = await polling();
    await emulator.admin.injectFault({ status: 401, times: 0, match: { pathContains: INBOX, link: 'delta' } });
    const result = await stream.next();
    expect(result.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    await stream.done;
    await until(() => gw.pollers.size === 0, 'poller stopped');
  });

  it('input, cursor and auth errors end the subscription before any poller starts', async () => {
    gw = await startSubscriptionGateway({ emulator });
    const cases = [
      { doc: 'subscription { eventsChanged { cursor } }', code: 'BAD_USER_INPUT' },
      { doc: 'subscription { messagesChanged(folderId: "inbox", after: "not-a-cursor") { cursor } }', code: 'INVALID_CURSOR' },
      { doc: 'subscription { messagesChanged(folderId: "") { cursor } }', code: 'BAD_USER_INPUT' },
    ];
    for (const { doc, code } of cases) {
      const stream = gw.subscribe(doc);
      const result = await stream.next();
      expect(result.errors?.[0]?.extensions?.['code'], doc).toBe(code);
      await stream.done;
    }
    const anonymous = gw.subscribe(MESSAGES_CHANGED, {}, null);
    const denied = await anonymous.next();
    expect(denied.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    await anonymous.done;
    expect(gw.pollers.size).toBe(0);
  });
});

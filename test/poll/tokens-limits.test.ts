import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { ids, MESSAGES_CHANGED, type MessagesBatch } from '../fixtures/subscription-documents.js';
import { deltaRequests, IMMUTABLE, startSubscriptionGateway, until, type SubscriptionGateway } from '../helpers/subscription-harness.js';

const ID_AND = (field: string) => `subscription { messagesChanged(folderId: "inbox") { cursor edges { node { id ${field} } } } }`;

describe('pollers: tokens and per-principal limits (CONTRACT §5)', () => {
  let emulator: RunningEmulator;
  let gw: SubscriptionGateway | undefined;

  beforeAll(async () => {
    emulator = await startEmulator({ seed: { preset: 'demo', messages: 10 } });
  });
  afterAll(() => emulator.close());
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('a poller polls with the token that expires last; a subscriber whose own token expires ends alone with UNAUTHENTICATED', async () => {
    gw = await startSubscriptionGateway({ emulator, env: { POLL_INTERVAL_MS: '200' } });
    const short = await emulator.admin.token({ expiresIn: 3 });
    const long = await emulator.admin.token({ expiresIn: 3600 });
    const a = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED, undefined, long);
    await until(() => gw!.pollers.stats().some((s) => s.phase === 'holding'), 'polling');
    // The newest subscriber (whose token expires first) joins the same poller.
    const b = gw.subscribe<MessagesBatch>(MESSAGES_CHANGED, undefined, short);
    await until(() => gw!.pollers.stats().some((s) => s.subscribers === 2), 'both on one poller');
    await emulator.admin.clearRequests();

    const ended = await b.next(8000);
    expect(ended.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(ended.errors?.[0]?.message).toMatch(/fresh token and the last `cursor`/);
    await b.done;
    // Every poll went out with the long-lived token: none was refused, not even after the short one expired.
    await new Promise((r) => setTimeout(r, 500));
    const polls = (await emulator.admin.requests()).filter((r) => r.path.endsWith('/delta'));
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.every((r) => r.status === 200)).toBe(true);

    const created = await emulator.admin.createMessage('inbox', { subject: 'the other goes on' }, { prefer: [IMMUTABLE] });
    expect(ids((await a.next(5000)).data?.messagesChanged.edges ?? [])).toEqual([created.id]);
    expect(a.ended).toBe(false);
    a.close();
  });

  it('MAX_POLLERS_PER_PRINCIPAL: one more distinct poller ends at once with LIMIT_EXCEEDED, starting nothing', async () => {
    gw = await startSubscriptionGateway({ emulator, env: { MAX_POLLERS_PER_PRINCIPAL: '2' } });
    const one = gw.subscribe(ID_AND('subject'));
    const two = gw.subscribe(ID_AND('isRead'));
    await until(() => gw!.pollers.stats().filter((s) => s.phase === 'holding').length === 2, 'two pollers polling');
    await emulator.admin.clearRequests();
    const three = gw.subscribe(ID_AND('receivedDateTime'));
    const refused = await three.next(5000);
    expect(refused.errors?.[0]?.extensions?.['code']).toBe('LIMIT_EXCEEDED');
    expect(refused.errors?.[0]?.message).toMatch(/MAX_POLLERS_PER_PRINCIPAL/);
    await three.done;
    expect(gw.pollers.size).toBe(2);
    // No new round was started for it (the two pollers only follow their deltaLinks).
    expect((await deltaRequests(emulator, '/mailFolders/inbox/')).filter((r) => r.kind === 'initial')).toEqual([]);
    // Joining an existing poller is still fine.
    const again = gw.subscribe(ID_AND('subject'));
    await until(() => gw!.pollers.stats().some((s) => s.subscribers === 2), 'joined');
    for (const s of [one, two, again]) s.close();
  });

  it('MAX_SUBSCRIPTIONS_PER_PRINCIPAL: one more open subscription ends with LIMIT_EXCEEDED; closing one frees a place', async () => {
    gw = await startSubscriptionGateway({ emulator, env: { MAX_SUBSCRIPTIONS_PER_PRINCIPAL: '3' } });
    const open = [gw.subscribe(MESSAGES_CHANGED), gw.subscribe(MESSAGES_CHANGED), gw.subscribe(MESSAGES_CHANGED)];
    await until(() => gw!.pollers.stats().some((s) => s.subscribers === 3), 'three subscribers');
    const fourth = gw.subscribe(MESSAGES_CHANGED);
    const refused = await fourth.next(5000);
    expect(refused.errors?.[0]?.extensions?.['code']).toBe('LIMIT_EXCEEDED');
    expect(refused.errors?.[0]?.message).toMatch(/MAX_SUBSCRIPTIONS_PER_PRINCIPAL/);
    expect(gw.pollers.stats()[0]?.subscribers).toBe(3);
    open.pop()?.close();
    await until(() => gw!.pollers.stats().some((s) => s.subscribers === 2), 'one left');
    const fifth = gw.subscribe(MESSAGES_CHANGED);
    await until(() => gw!.pollers.stats().some((s) => s.subscribers === 3), 'a place again');
    expect(fifth.results).toEqual([]);
    for (const s of [...open, fifth]) s.close();
  });
});

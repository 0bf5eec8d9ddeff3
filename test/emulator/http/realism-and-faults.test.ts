import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { emulatorFor, graph, readRound, type RunningEmulator } from '../../helpers/emulator.js';

let emu: RunningEmulator;
let token: string;
const INBOX = '/v1.0/me/mailFolders/inbox/messages/delta';

beforeAll(async () => {
  emu = await emulatorFor({ seed: 'empty' });
  token = await emu.admin.token();
});
afterAll(() => emu.close());
beforeEach(async () => {
  await emu.admin.reset({ seed: 'empty' });
  await emu.admin.clearFaults();
  await emu.admin.setRealism({ overDeliver: 0, emptyPages: 0, repeatItems: 0, latencyMs: 0, defaultPageSize: 10, maxPageSize: 1000, mailboxConcurrency: 0, tokenGenerations: 0 });
  for (let i = 0; i < 9; i += 1) await emu.admin.createMessage('inbox', { subject: `m${i}` });
});

describe('realism switches', () => {
  it('overDeliver: pages larger than the hint', async () => {
    await emu.admin.setRealism({ overDeliver: 2 });
    const page = await graph(emu, INBOX, { token, prefer: 'odata.maxpagesize=3' });
    expect(page.body.value).toHaveLength(5);
    const round = await readRound(emu, INBOX, token, 'odata.maxpagesize=3');
    expect(round.pages.map((p) => p.value.length)).toEqual([5, 4]);
  });

  it('emptyPages: pages carrying only a nextLink are not the end of the round', async () => {
    await emu.admin.setRealism({ emptyPages: 2 });
    const round = await readRound(emu, INBOX, token, 'odata.maxpagesize=4');
    expect(round.pages.map((p) => p.value.length)).toEqual([4, 0, 0, 4, 0, 0, 1]);
    for (const p of round.pages.slice(0, -1)) expect(p['@odata.nextLink']).toBeDefined();
    expect(new Set(round.items.map((m) => m.id)).size).toBe(9);
  });

  it('repeatItems: items of a page come again at the start of the next one', async () => {
    await emu.admin.setRealism({ repeatItems: 1 });
    const round = await readRound(emu, INBOX, token, 'odata.maxpagesize=4');
    expect(round.pages.map((p) => p.value.length)).toEqual([4, 5, 2]);
    expect(round.pages[1].value[0]).toEqual(round.pages[0].value[3]);
    expect(new Set(round.items.map((m) => m.id)).size).toBe(9);
  });

  it('defaultPageSize, maxPageSize and latencyMs are settings too, and bad settings are refused', async () => {
    const settings = await emu.admin.setRealism({ defaultPageSize: 4, maxPageSize: 5, latencyMs: 30 });
    expect(settings).toMatchObject({ defaultPageSize: 4, maxPageSize: 5, latencyMs: 30 });
    expect((await graph(emu, INBOX, { token })).body.value).toHaveLength(4);
    const capped = await graph(emu, INBOX, { token, prefer: 'odata.maxpagesize=50' });
    expect(capped.body.value).toHaveLength(5);
    expect(capped.headers['preference-applied']).toBe('odata.maxpagesize=5');
    expect(await emu.admin.getRealism()).toEqual(settings);
    const bad = await graph(emu, '/_emulator/realism', { method: 'PUT', body: { latencyMs: -1 } });
    expect(bad.status).toBe(400);
    expect((await graph(emu, '/_emulator/realism', { method: 'PUT', body: { warp: 1 } })).status).toBe(400);
  });

  it('link origin: links carry the configured origin (and the request\'s own again once cleared); bad origins are refused', async () => {
    await emu.admin.setLinkOrigin('https://graph.bench.example');
    try {
      const page = await graph(emu, INBOX, { token, prefer: 'odata.maxpagesize=4' });
      expect(page.body['@odata.nextLink']).toMatch(/^https:\/\/graph\.bench\.example\/v1\.0\/me\/mailFolders\/inbox\/messages\/delta\?\$skiptoken=/);
      // The link still works when its path is sent to the emulator.
      const next = String(page.body['@odata.nextLink']).slice('https://graph.bench.example'.length);
      expect((await graph(emu, next, { token, prefer: 'odata.maxpagesize=4' })).body.value).toHaveLength(4);
    } finally {
      await emu.admin.setLinkOrigin(null);
    }
    const page = await graph(emu, INBOX, { token, prefer: 'odata.maxpagesize=4' });
    expect(page.body['@odata.nextLink']).toMatch(new RegExp(`^${emu.url.replace(/[.]/g, '\\.')}/v1\\.0/`));
    expect((await graph(emu, '/_emulator/link-origin', { method: 'PUT', body: { origin: 'javascript:alert(1)' } })).status).toBe(400);
  });

  it('mailboxConcurrency: requests beyond the limit in flight for one mailbox get 429 ApplicationThrottled', async () => {
    await emu.admin.setRealism({ latencyMs: 400, mailboxConcurrency: 2 });
    const answers = await Promise.all([1, 2, 3, 4].map(() => graph(emu, INBOX, { token })));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 200, 429, 429]);
    const throttled = answers.find((a) => a.status === 429);
    expect(throttled?.body.error.code).toBe('ApplicationThrottled');
    expect(throttled?.body.error.message).toContain('MailboxConcurrency');
    expect(throttled?.headers['retry-after']).toBe('1');
    await emu.admin.setRealism({ latencyMs: 0 });
    expect((await graph(emu, INBOX, { token })).status).toBe(200);
  });

  it('tokenGenerations: links fall out of the token cache as the chain moves on (410 syncStateNotFound)', async () => {
    await emu.admin.setRealism({ tokenGenerations: 2 });
    const p0 = await graph(emu, INBOX, { token, prefer: 'odata.maxpagesize=2' });
    const link1 = p0.body['@odata.nextLink'];
    const p1 = await graph(emu, link1, { token, prefer: 'odata.maxpagesize=2' });
    const link2 = p1.body['@odata.nextLink'];
    expect((await graph(emu, link1, { token, prefer: 'odata.maxpagesize=2' })).status).toBe(200);
    const p2 = await graph(emu, link2, { token, prefer: 'odata.maxpagesize=2' });
    expect(p2.status).toBe(200);
    const stale = await graph(emu, link1, { token, prefer: 'odata.maxpagesize=2' });
    expect(stale.status).toBe(410);
    expect(stale.body.error.code).toBe('syncStateNotFound');
    expect(stale.body.error.message).toContain('generation=');
    expect((await graph(emu, link2, { token, prefer: 'odata.maxpagesize=2' })).status).toBe(200);
    const rest = await readRound(emu, p2.body['@odata.nextLink'], token, 'odata.maxpagesize=2');
    expect(rest.deltaLink).toBeDefined();
  });

  it('realism can be set when the emulator starts', async () => {
    const other = await emulatorFor({ seed: 'empty', realism: { defaultPageSize: 3, emptyPages: 1 } });
    try {
      expect(await other.admin.getRealism()).toMatchObject({ defaultPageSize: 3, emptyPages: 1 });
    } finally {
      await other.close();
    }
  });
});

describe('faults', () => {
  it('429 with Retry-After, once by default, then normal service', async () => {
    await emu.admin.injectFault({ status: 429, retryAfter: 7 });
    const throttled = await graph(emu, INBOX, { token });
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('7');
    expect(throttled.body.error.code).toBe('TooManyRequests');
    expect(throttled.body.error.innerError['request-id']).toBe(throttled.headers['request-id']);
    expect((await graph(emu, INBOX, { token })).status).toBe(200);
  });

  it('429 MailboxConcurrency flavour', async () => {
    await emu.admin.injectFault({ status: 429, code: 'MailboxConcurrency', retryAfter: 0 });
    const res = await graph(emu, INBOX, { token });
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('0');
    expect(res.body.error.code).toBe('ApplicationThrottled');
    expect(res.body.error.message).toContain('MailboxConcurrency');
  });

  it.each([
    [503, 'serviceNotAvailable'],
    [504, 'GatewayTimeout'],
    [507, 'ErrorQuotaExceeded'],
    [500, 'generalException'],
    [401, 'InvalidAuthenticationToken'],
    [403, 'ErrorAccessDenied'],
  ])('%i answers %s', async (status, code) => {
    await emu.admin.injectFault({ status });
    const res = await graph(emu, INBOX, { token });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
  });

  it('ErrorQuotaExceeded on delta only, while plain reads work', async () => {
    await emu.admin.injectFault({ status: 507, code: 'ErrorQuotaExceeded', times: 0, match: { link: 'any' } });
    expect((await graph(emu, INBOX, { token })).body.error.code).toBe('ErrorQuotaExceeded');
    expect((await graph(emu, '/v1.0/me/mailFolders', { token })).status).toBe(200);
    expect((await graph(emu, INBOX, { token })).status).toBe(507);
    await emu.admin.clearFaults();
    expect((await graph(emu, INBOX, { token })).status).toBe(200);
  });

  it('match by link kind, path and method; times counts', async () => {
    await emu.admin.injectFault({ status: 503, retryAfter: 1, times: 2, match: { link: 'skip', pathContains: '/mailFolders/inbox/' } });
    const first = await graph(emu, INBOX, { token, prefer: 'odata.maxpagesize=4' });
    expect(first.status).toBe(200);
    const link = first.body['@odata.nextLink'];
    expect((await graph(emu, link, { token })).status).toBe(503);
    expect((await graph(emu, link, { token })).status).toBe(503);
    expect((await graph(emu, link, { token })).status).toBe(200);
    await emu.admin.injectFault({ status: 504, match: { method: 'POST' } });
    expect((await graph(emu, INBOX, { token })).status).toBe(200);
    expect((await graph(emu, '/v1.0/me/messages', { token, method: 'POST', body: {} })).status).toBe(504);
  });

  it('410 via tokens/expire: one link, with syncStateNotFound or resyncRequired, and a Location to restart', async () => {
    const round = await readRound(emu, INBOX, token);
    const first = await graph(emu, `${INBOX}?$select=subject`, { token, prefer: 'odata.maxpagesize=4' });
    const next = first.body['@odata.nextLink'];
    await emu.admin.expireTokens({ link: next, code: 'resyncRequired' });
    const gone = await graph(emu, next, { token });
    expect(gone.status).toBe(410);
    expect(gone.body.error.code).toBe('resyncRequired');
    expect(gone.headers['location']).toBe(`${emu.url}${INBOX}?$select=subject&$deltatoken=`);
    const restart = await graph(emu, gone.headers['location'] as string, { token });
    expect(restart.status).toBe(200);
    expect(Object.keys(restart.body.value[0]).sort()).toEqual(['@odata.etag', '@odata.type', 'id', 'subject']);
    expect((await graph(emu, round.deltaLink, { token })).status).toBe(200);

    await emu.admin.expireTokens({ link: round.deltaLink });
    const expired = await graph(emu, round.deltaLink, { token });
    expect(expired.status).toBe(410);
    expect(expired.body.error.code).toBe('syncStateNotFound');
  });

  it('410 for all tokens at once; new rounds still work', async () => {
    const a = await readRound(emu, INBOX, token);
    const b = await graph(emu, INBOX, { token, prefer: 'odata.maxpagesize=2' });
    await emu.admin.expireTokens({ all: true });
    expect((await graph(emu, a.deltaLink, { token })).status).toBe(410);
    expect((await graph(emu, b.body['@odata.nextLink'], { token })).status).toBe(410);
    const fresh = await readRound(emu, INBOX, token);
    expect((await graph(emu, fresh.deltaLink, { token })).status).toBe(200);
  });

  it('410 injected as a fault on delta links', async () => {
    const round = await readRound(emu, INBOX, token);
    await emu.admin.injectFault({ status: 410, code: 'resyncRequired', match: { link: 'delta' } });
    const res = await graph(emu, round.deltaLink, { token });
    expect(res.status).toBe(410);
    expect(res.body.error.code).toBe('resyncRequired');
  });

  it('refuses malformed fault specs', async () => {
    for (const body of [{}, { status: 200 }, { status: 429, times: -1 }, { status: 429, match: { link: 'sometimes' } }, { status: 'x' }]) {
      expect((await graph(emu, '/_emulator/faults', { method: 'POST', body })).status).toBe(400);
    }
  });
});

describe('request log', () => {
  it('records method, path, query, headers without Authorization, and status; can be cleared', async () => {
    await emu.admin.clearRequests();
    await graph(emu, `${INBOX}?$select=subject`, { token, prefer: ['odata.maxpagesize=2', 'IdType="ImmutableId"'] });
    await graph(emu, '/v1.0/me/mailFolders/nope/messages/delta', { token });
    const log = await emu.admin.requests();
    expect(log).toHaveLength(2);
    expect(log[0]).toMatchObject({ method: 'GET', path: INBOX, query: { $select: 'subject' }, status: 200 });
    expect(log[0]?.headers['prefer']).toContain('odata.maxpagesize=2');
    expect(log[0]?.headers['prefer']).toContain('IdType="ImmutableId"');
    expect(log[0]?.headers['authorization']).toBeUndefined();
    expect(JSON.stringify(log)).not.toContain(token);
    expect(log[1]?.status).toBe(404);
    expect(Date.parse(log[0]?.at ?? '')).not.toBeNaN();
    await emu.admin.clearRequests();
    expect(await emu.admin.requests()).toEqual([]);
  });
});

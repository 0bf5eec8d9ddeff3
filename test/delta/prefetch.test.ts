import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

// GRAPH_PREFETCH: Graph's next page is requested as soon as a page with a nextLink arrives, and the
// client's next request is answered from it: the same items, one Graph request per page in all.
let gw: TestGateway;
let off: TestGateway;
const PAGE = `query($first: Int, $after: String) {
  messagesDelta(folderId: "inbox", first: $first, after: $after) { edges { node { id subject } } pageInfo { hasNextPage endCursor } }
}`;
type Page = { messagesDelta: { edges: { node: { id: string; subject: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } };

beforeAll(async () => {
  [gw, off] = await Promise.all([
    startGateway({ emulator: { seed: 'empty' }, env: { GRAPH_PREFETCH: 'true' } }),
    startGateway({ emulator: { seed: 'empty' } }),
  ]);
  for (const g of [gw, off]) for (let i = 0; i < 25; i += 1) await g.emulator.admin.createMessage('inbox', { subject: `m${i}` });
});
afterAll(async () => {
  await Promise.all([gw?.close(), off?.close()]);
});

/** A round's subjects (the two emulators' ids differ), and when each page was asked for. */
async function round(g: TestGateway, first: number, latencyMs = 0): Promise<{ ids: string[]; sentAt: number[] }> {
  const ids: string[] = [];
  const sentAt: number[] = [];
  let after: string | undefined;
  for (;;) {
    sentAt.push(Date.now());
    const page = await g.data<Page>(PAGE, { first, after });
    ids.push(...page.messagesDelta.edges.map((e) => e.node.subject));
    if (!page.messagesDelta.pageInfo.hasNextPage) return { ids, sentAt };
    after = page.messagesDelta.pageInfo.endCursor;
    // The client digests the page; meanwhile the gateway has Graph's next one on its way.
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
  }
}

const deltaRequests = async (g: TestGateway) => (await g.graphRequests()).filter((r) => r.path.includes('/messages/delta'));

describe('prefetching the next Graph page', () => {
  it('reads the same round as without it, each Graph page requested once', async () => {
    await gw.clearGraphRequests();
    await off.clearGraphRequests();
    const [a, b] = [await round(gw, 10), await round(off, 10)];
    expect(a.ids).toHaveLength(25);
    expect(a.ids).toEqual(b.ids);
    const [withPrefetch, without] = [await deltaRequests(gw), await deltaRequests(off)];
    expect(without).toHaveLength(3);
    // The same three pages, and the same Prefer on each; never a link asked twice.
    expect(withPrefetch.map((r) => r.headers['prefer'])).toEqual(without.map((r) => r.headers['prefer']));
    expect(new Set(withPrefetch.map((r) => JSON.stringify(r.query))).size).toBe(3);
  });

  it('asks Graph for the next page while the client digests this one, not when the client asks', async () => {
    for (const g of [gw, off]) await g.clearGraphRequests();
    const [a, b] = [await round(gw, 10, 300), await round(off, 10, 300)];
    expect(a.ids).toEqual(b.ids);
    // Graph saw page 3's request before the client sent the query for it (prefetched while page 2 was
    // served), or only after (without). Page 2 is not prefetched: a round's first read never is.
    const at = async (g: TestGateway) => (await deltaRequests(g)).map((r) => Date.parse(r.at));
    const [early, late] = [await at(gw), await at(off)];
    expect(early).toHaveLength(3);
    expect(early[1] as number).toBeGreaterThanOrEqual(a.sentAt[1] as number);
    expect(early[2] as number).toBeLessThan(a.sentAt[2] as number);
    expect(late[2] as number).toBeGreaterThanOrEqual(b.sentAt[2] as number);
  });

  it('keeps prefetched pages per caller and page size: another `first` asks Graph itself', async () => {
    await gw.clearGraphRequests();
    const first = await gw.data<Page>(PAGE, { first: 10 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const next = await gw.data<Page>(PAGE, { first: 5, after: first.messagesDelta.pageInfo.endCursor });
    expect(next.messagesDelta.edges).toHaveLength(5);
    const second = await gw.data<Page>(PAGE, { first: 10, after: next.messagesDelta.pageInfo.endCursor });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await gw.data<Page>(PAGE, { first: 5, after: second.messagesDelta.pageInfo.endCursor });
    const requests = await deltaRequests(gw);
    // Page 1 (a first read: no prefetch); page 2 with 5 and the prefetch of page 3 with 5; page 3 with
    // 10, which that prefetch cannot serve (it ends the round: nothing to prefetch); then the deltaLink
    // (an incremental round's first read: no prefetch either).
    expect(requests.map((r) => r.headers['prefer']?.match(/maxpagesize=(\d+)/)?.[1])).toEqual(['10', '5', '5', '10', '5']);
  });
});

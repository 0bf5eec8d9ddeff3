import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { directRound } from '../helpers/graph-round.js';
import { preferencesOf, startGateway, type TestGateway } from '../helpers/gateway.js';
import { startScriptedGraph, type ScriptedGraph } from '../helpers/scripted-graph.js';
import { connectionQuery, readRound, type Connection } from '../fixtures/resources.js';

// Graph's page size is a hint (NOTES.md 2, 3): the emulator's realism switches make it over- and
// under-deliver, send empty pages and repeat items; the gateway must still return every item of the
// round once, in Graph's order, and at most `first` edges per response.

const IMMUTABLE = 'IdType="ImmutableId"';
const INBOX = connectionQuery('messages', 'folderId: "inbox"', 'id subject');
const INBOX_PATH = '/v1.0/me/mailFolders/inbox/messages/delta?$select=id,subject';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ emulator: { seed: { preset: 'demo', messages: 45 } } });
});
afterAll(() => gw.close());
afterEach(async () => {
  await gw.emulator.admin.setRealism({ overDeliver: 0, emptyPages: 0, repeatItems: 0, maxPageSize: 1000, defaultPageSize: 10 });
  await gw.emulator.admin.clearFaults();
});

async function reference() {
  return (await directRound(gw.emulator, gw.token, INBOX_PATH, [IMMUTABLE])).ids;
}

describe('over-delivering pages', () => {
  it('returns `first` edges and resumes inside Graph’s page, losing and duplicating nothing', async () => {
    const ids = await reference();
    await gw.emulator.admin.setRealism({ overDeliver: 5 });
    await gw.clearGraphRequests();
    const round = await readRound(gw, INBOX, 4);
    expect(round.edges.map((e) => e.node.id)).toEqual(ids);
    // Every response held at most 4 edges; page 1 (from the stash) and later pages (re-fetched skip links) resumed in place.
    expect(round.pages).toBeGreaterThanOrEqual(Math.ceil(ids.length / 4));
    const requests = await gw.graphRequests();
    expect(requests.every((r) => preferencesOf(r).includes('odata.maxpagesize=4'))).toBe(true);
    // The round's first request is never repeated (it would start another snapshot).
    expect(requests.filter((r) => !('$skiptoken' in r.query) && !('$deltatoken' in r.query) && !('$skipToken' in r.query))).toHaveLength(1);
  });

  it('finishes the first page from the store even when the mailbox changes in between', async () => {
    const ids = await reference();
    await gw.emulator.admin.setRealism({ overDeliver: 6 });
    const { c } = await gw.data<{ c: Connection }>(INBOX, { first: 3 });
    expect(c.edges.map((e) => e.node.id)).toEqual(ids.slice(0, 3));
    // Delete an item of the unreturned rest of Graph's first page, and add one.
    const gone = ids[5] as string;
    await gw.emulator.admin.deleteMessage(gone);
    const added = await gw.emulator.admin.createMessage('inbox', { subject: 'arrived mid-round' }, { prefer: [IMMUTABLE] });
    const rest = await readRound(gw, INBOX, 3, c.pageInfo.endCursor);
    const all = [...c.edges, ...rest.edges].map((e) => e.node.id);
    // The first page is Graph's snapshot, kept whole; the change shows up in this or the next round.
    expect(all.slice(0, 9)).toEqual(ids.slice(0, 9));
    expect(new Set(all).size).toBe(all.length);
    const next = await readRound(gw, INBOX, 50, rest.endCursor);
    const seen = new Map([...rest.edges, ...next.edges].map((e) => [e.node.id, e.removed]));
    expect(seen.has(added.id)).toBe(true);
    expect(all.includes(gone) || seen.get(gone)?.reason === 'DELETED').toBe(true);
  });

  it('every edge cursor resumes right after its edge, inside stashed and re-fetched pages alike', async () => {
    const ids = await reference();
    await gw.emulator.admin.setRealism({ overDeliver: 4 });
    const first = await gw.data<{ c: Connection }>(INBOX, { first: 5 });
    const second = await gw.data<{ c: Connection }>(INBOX, { first: 5, after: first.c.pageInfo.endCursor });
    for (const [offset, edge] of [...first.c.edges, ...second.c.edges].entries()) {
      const { c } = await gw.data<{ c: Connection }>(INBOX, { first: 2, after: edge.cursor });
      expect(c.edges.map((e) => e.node.id)).toEqual(ids.slice(offset + 1, offset + 3));
    }
  });
});

describe('under-delivering pages', () => {
  it('follows nextLinks (empty pages included) to fill `first`', async () => {
    const ids = await reference();
    await gw.emulator.admin.setRealism({ maxPageSize: 3, emptyPages: 2 });
    await gw.clearGraphRequests();
    const { c } = await gw.data<{ c: Connection }>(INBOX, { first: 10 });
    expect(c.edges.map((e) => e.node.id)).toEqual(ids.slice(0, 10));
    expect(c.pageInfo.hasNextPage).toBe(true);
    const requests = await gw.graphRequests();
    expect(requests.length).toBeGreaterThan(4);
    // Page 2+ carry the round's preferences too.
    for (const request of requests) expect(preferencesOf(request)).toEqual(expect.arrayContaining(['odata.maxpagesize=10', IMMUTABLE]));

    const round = await readRound(gw, INBOX, 10, c.pageInfo.endCursor);
    expect([...c.edges, ...round.edges].map((e) => e.node.id)).toEqual(ids);
  });

  it('every request of an events round carries outlook.timezone, IdType and the page size, not only the first', async () => {
    await gw.clearGraphRequests();
    const document = `query($after: String) { eventsDelta(startDateTime: "2025-01-01T00:00:00Z", endDateTime: "2025-03-01T00:00:00Z", timeZone: "Pacific Standard Time", first: 4, after: $after) {
      edges { node { id start { timeZone } } } pageInfo { hasNextPage endCursor } } }`;
    let after: string | undefined;
    for (let page = 0; page < 3; page += 1) {
      const { eventsDelta } = await gw.data<{ eventsDelta: { edges: { node: { start: { timeZone: string } } }[]; pageInfo: { endCursor: string } } }>(document, { after });
      for (const edge of eventsDelta.edges) expect(edge.node.start.timeZone).toBe('Pacific Standard Time');
      after = eventsDelta.pageInfo.endCursor;
    }
    const requests = await gw.graphRequests();
    expect(requests.length).toBeGreaterThanOrEqual(3);
    for (const request of requests) {
      expect(preferencesOf(request)).toEqual(expect.arrayContaining(['odata.maxpagesize=4', 'outlook.timezone="Pacific Standard Time"', IMMUTABLE]));
    }
  });

  it('a round of only empty pages ends with an empty page and a round-end cursor', async () => {
    await gw.emulator.admin.setRealism({ emptyPages: 3 });
    const round = await readRound(gw, INBOX, 1000);
    await gw.clearGraphRequests();
    const quiet = await gw.data<{ c: Connection }>(INBOX, { after: round.endCursor });
    expect(quiet.c.edges).toEqual([]);
    expect(quiet.c.pageInfo.hasNextPage).toBe(false);
    expect(quiet.c.pageInfo.endCursor).toEqual(expect.any(String));
  });

  it('`first` may change from page to page', async () => {
    const ids = await reference();
    const sizes = [1, 7, 2, 30, 5, 100];
    const seen: string[] = [];
    let after: string | undefined;
    for (const first of sizes) {
      const { c } = await gw.data<{ c: Connection }>(INBOX, { first, after });
      expect(c.edges.length).toBeLessThanOrEqual(first);
      seen.push(...c.edges.map((e) => e.node.id));
      after = c.pageInfo.endCursor;
      if (!c.pageInfo.hasNextPage) break;
    }
    expect(seen).toEqual(ids.slice(0, seen.length));
  });

  it('a page that omits `first` keeps the round’s page size and its Prefer: odata.maxpagesize', async () => {
    const ids = await reference();
    await gw.clearGraphRequests();
    const { c: page1 } = await gw.data<{ c: Connection }>(INBOX, { first: 7 });
    const { c: page2 } = await gw.data<{ c: Connection }>(INBOX, { after: page1.pageInfo.endCursor });
    const { c: page3 } = await gw.data<{ c: Connection }>(INBOX, { after: page2.pageInfo.endCursor });
    expect([page1, page2, page3].map((c) => c.edges.length)).toEqual([7, 7, 7]);
    expect([...page1.edges, ...page2.edges, ...page3.edges].map((e) => e.node.id)).toEqual(ids.slice(0, 21));
    const requests = await gw.graphRequests();
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.every((r) => preferencesOf(r).includes('odata.maxpagesize=7'))).toBe(true);
  });
});

describe('repeated items', () => {
  it('an id appears at most once per response; the round still holds every item', async () => {
    const ids = await reference();
    await gw.emulator.admin.setRealism({ maxPageSize: 4, repeatItems: 2 });
    const round = await (async () => {
      const edges: Connection['edges'] = [];
      let after: string | undefined;
      for (;;) {
        const { c } = await gw.data<{ c: Connection }>(INBOX, { first: 12, after });
        const pageIds = c.edges.map((e) => e.node.id);
        expect(new Set(pageIds).size).toBe(pageIds.length);
        edges.push(...c.edges);
        after = c.pageInfo.endCursor;
        if (!c.pageInfo.hasNextPage) return edges;
      }
    })();
    expect(new Set(round.map((e) => e.node.id))).toEqual(new Set(ids));
  });
});

describe('a nextLink that repeats', () => {
  let scripted: ScriptedGraph;
  let stuck: TestGateway;
  beforeAll(async () => {
    scripted = await startScriptedGraph();
    stuck = await startGateway({ emulator: { seed: 'empty' }, graphBaseUrl: scripted.origin });
  });
  afterAll(async () => {
    await stuck.close();
    await scripted.close();
  });

  it('stops following it within a request, and answers UPSTREAM_ERROR when Graph keeps repeating it', async () => {
    const loop = `${scripted.origin}/v1.0/me/mailFolders/inbox/messages/delta?$skiptoken=LOOP`;
    const page = (ids: string[], next: string) => ({ status: 200, json: { value: ids.map((id) => ({ id, subject: id })), '@odata.nextLink': next } });
    scripted.push(page(['a', 'b'], loop), page(['c'], loop), page(['c'], loop));
    const first = await stuck.query<{ c: Connection }>(INBOX, { first: 50 });
    expect(first.data?.c.edges.map((e) => e.node.id)).toEqual(['a', 'b', 'c']);
    expect(first.data?.c.pageInfo.hasNextPage).toBe(true);
    expect(scripted.requests).toHaveLength(2);

    const again = await stuck.query<{ c: Connection }>(INBOX, { first: 50, after: first.data?.c.pageInfo.endCursor });
    expect(again.errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_ERROR');
    expect(JSON.stringify(again)).not.toMatch(/LOOP|skiptoken/i);
    expect(scripted.requests).toHaveLength(3);
  });

  it('a malformed page (no nextLink or deltaLink) is UPSTREAM_ERROR', async () => {
    scripted.push({ status: 200, json: { value: [{ id: 'x' }] } }, { status: 200, json: { value: 'nope', '@odata.deltaLink': 'x' } });
    for (let i = 0; i < 2; i += 1) {
      const result = await stuck.query(INBOX, { first: 5 });
      expect(result.errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_ERROR');
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

// The compiled executor (GRAPHQL_JIT, on by default) against graphql-js (GRAPHQL_JIT=false): the same
// answers, including cursors that are promises, DateTime values, and contract errors.
let jit: TestGateway;
let plain: TestGateway;

const PAGE = `query Page($first: Int, $after: String) {
  messagesDelta(folderId: "inbox", first: $first, after: $after) {
    edges { cursor removed { reason } node { id subject receivedDateTime isRead from { emailAddress { name address } } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

interface Page {
  messagesDelta: {
    edges: { cursor: string; removed: unknown; node: Record<string, unknown> & { id: string } }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string };
  };
}

beforeAll(async () => {
  // Graph over-delivers: a round's first page is kept in the store, so its edge cursors are promises.
  [jit, plain] = await Promise.all([
    startGateway({ emulator: { realism: { overDeliver: 3 } } }),
    startGateway({ emulator: { realism: { overDeliver: 3 } }, env: { GRAPHQL_JIT: 'false' } }),
  ]);
});
afterAll(async () => {
  await Promise.all([jit?.close(), plain?.close()]);
});

/** Everything but the cursors' text (a fresh IV per page part) must be equal. */
const shape = (page: Page) => ({
  ...page.messagesDelta,
  edges: page.messagesDelta.edges.map((e) => ({ ...e, cursor: typeof e.cursor })),
  pageInfo: { ...page.messagesDelta.pageInfo, startCursor: typeof page.messagesDelta.pageInfo.startCursor, endCursor: typeof page.messagesDelta.pageInfo.endCursor },
});

describe('compiled execution (graphql-jit)', () => {
  it('answers pages as graphql-js does, cursors awaited (stashed first page included) and resuming', async () => {
    const [a, b] = await Promise.all([jit.data<Page>(PAGE, { first: 5 }), plain.data<Page>(PAGE, { first: 5 })]);
    expect(a.messagesDelta.edges).toHaveLength(5);
    expect(shape(a)).toEqual(shape(b));
    for (const edge of a.messagesDelta.edges) expect(edge.cursor).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(a.messagesDelta.pageInfo.startCursor).toBe(a.messagesDelta.edges[0]?.cursor);
    // An edge cursor inside the stashed page resumes right after its edge, under either executor.
    const [c, d] = await Promise.all([
      jit.data<Page>(PAGE, { first: 5, after: a.messagesDelta.edges[1]?.cursor }),
      plain.data<Page>(PAGE, { first: 5, after: b.messagesDelta.edges[1]?.cursor }),
    ]);
    expect(c.messagesDelta.edges[0]?.node.id).toBe(a.messagesDelta.edges[2]?.node.id);
    expect(shape(c)).toEqual(shape(d));
    const [e, f] = await Promise.all([
      jit.data<Page>(PAGE, { after: a.messagesDelta.pageInfo.endCursor }),
      plain.data<Page>(PAGE, { after: b.messagesDelta.pageInfo.endCursor }),
    ]);
    expect(shape(e)).toEqual(shape(f));
  });

  it('reports errors exactly as graphql-js does: bad cursor, bad variables, bad DateTime, unsupported argument', async () => {
    const cases: [string, Record<string, unknown>][] = [
      [PAGE, { first: 5, after: 'not-a-cursor' }],
      [PAGE, { first: 5000 }],
      [PAGE, { first: 'x' }],
      ['query($gt: DateTime) { messagesDelta(filter: { receivedDateTime: { gt: $gt } }) { pageInfo { endCursor } } }', { gt: '2024-02-30T00:00:00Z' }],
      ['{ messagesDelta(folderId: "inbox", last: 3) { pageInfo { endCursor } } }', {}],
    ];
    for (const [document, variables] of cases) {
      const [a, b] = await Promise.all([jit.query(document, variables), plain.query(document, variables)]);
      expect(a.errors?.length, JSON.stringify(a)).toBeGreaterThan(0);
      expect({ status: a.status, data: a.data, errors: a.errors }).toEqual({ status: b.status, data: b.data, errors: b.errors });
    }
  });
});

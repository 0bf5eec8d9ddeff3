import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directRound } from '../helpers/graph-round.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const IMMUTABLE = 'IdType="ImmutableId"';

const PAGE = `query Page($first: Int, $after: String) {
  messagesDelta(folderId: "inbox", first: $first, after: $after) {
    edges { cursor removed { reason } node { id subject isRead } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

interface Page {
  messagesDelta: {
    edges: { cursor: string; removed: { reason: string } | null; node: { id: string; subject: string | null; isRead: boolean | null } }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string };
  };
}

async function readRound(gw: TestGateway, first: number, after?: string) {
  const edges: Page['messagesDelta']['edges'] = [];
  let cursor = after;
  for (let i = 0; i < 1000; i += 1) {
    const { messagesDelta } = await gw.data<Page>(PAGE, { first, after: cursor });
    edges.push(...messagesDelta.edges);
    expect(messagesDelta.pageInfo.endCursor).toEqual(expect.any(String));
    cursor = messagesDelta.pageInfo.endCursor;
    if (!messagesDelta.pageInfo.hasNextPage) return { edges, endCursor: cursor };
  }
  throw new Error('round did not end');
}

describe('messagesDelta: rounds end to end', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ emulator: { seed: { preset: 'demo', messages: 60 } } });
  });
  afterAll(() => gw.close());

  it('reads a full round in Graph order, each item once, and continues with only the changes', async () => {
    const reference = await directRound(gw.emulator, gw.token, '/v1.0/me/mailFolders/inbox/messages/delta?$select=id', [IMMUTABLE]);
    expect(reference.ids.length).toBeGreaterThan(10);

    const first = await readRound(gw, 7);
    expect(first.edges.map((e) => e.node.id)).toEqual(reference.ids);
    expect(first.edges.every((e) => e.removed === null)).toBe(true);

    const created = await gw.emulator.admin.createMessage('inbox', { subject: 'brand new' }, { prefer: [IMMUTABLE] });
    const [updatedId, deletedId] = reference.ids as [string, string];
    await gw.emulator.admin.updateMessage(updatedId, { isRead: true, subject: 'changed subject' });
    await gw.emulator.admin.deleteMessage(deletedId);

    const next = await readRound(gw, 7, first.endCursor);
    const byId = new Map(next.edges.map((e) => [e.node.id, e]));
    expect(byId.get(created.id)?.node.subject).toBe('brand new');
    expect(byId.get(updatedId)?.node).toMatchObject({ subject: 'changed subject', isRead: true });
    expect(byId.get(deletedId)).toMatchObject({ removed: { reason: 'DELETED' }, node: { id: deletedId, subject: null, isRead: null } });
    expect(next.edges).toHaveLength(3);

    // Nothing changed since: an empty last page, and a new round-end cursor.
    const quiet = await gw.data<Page>(PAGE, { after: next.endCursor });
    expect(quiet.messagesDelta.edges).toEqual([]);
    expect(quiet.messagesDelta.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false, startCursor: null });
  });
});

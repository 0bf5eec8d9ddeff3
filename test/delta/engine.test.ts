import { Keyv } from 'keyv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeltaEngine, type DeltaEngine } from '../../src/delta/engine.js';
import type { RoundState } from '../../src/delta/round.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createGraphClient, type GraphClient } from '../../src/graph/client.js';
import { directRound } from '../helpers/graph-round.js';

// The engine without GraphQL: what subscriptions' pollers will drive.

const PREFER = ['IdType="ImmutableId"'];
let emulator: RunningEmulator;
let graph: GraphClient;
let engine: DeltaEngine;
let token: string;

const startOf = (): RoundState => ({
  options: { folderId: 'inbox' },
  select: ['id', 'subject'],
  prefer: PREFER,
  position: { kind: 'initial', url: `${emulator.url}/v1.0/me/mailFolders/inbox/messages/delta?$select=id,subject` },
});

beforeAll(async () => {
  emulator = await startEmulator({ seed: { preset: 'demo', messages: 35 } });
  graph = createGraphClient({ graphOrigin: emulator.url, retryBudgetMs: 1000 });
  engine = createDeltaEngine({ graph, store: new Keyv() });
  token = await emulator.admin.token();
});
afterAll(async () => {
  await graph.close();
  await emulator.close();
});

describe('delta engine', () => {
  it('drain() reads a whole round in batches and returns the round-end position', async () => {
    const reference = await directRound(emulator, token, '/v1.0/me/mailFolders/inbox/messages/delta?$select=id,subject', PREFER);
    const batches: string[][] = [];
    const result = await engine.drain({ round: startOf(), getToken: async () => token, batchSize: 7 }, (entries) => {
      batches.push(entries.map((e) => e.item.id));
    });
    expect(result.position.kind).toBe('delta');
    expect(result.count).toBe(reference.ids.length);
    expect(batches.flat()).toEqual(reference.ids);
    expect(batches.every((b) => b.length <= 7)).toBe(true);

    // From the round end: nothing, then exactly the change.
    const quiet = await engine.read({ round: { ...startOf(), position: result.position }, limit: 50, getToken: async () => token });
    expect(quiet.entries).toEqual([]);
    expect(quiet.roundEnded).toBe(true);
    const gone = reference.ids[0] as string;
    await emulator.admin.deleteMessage(gone);
    const changed = await engine.read({ round: { ...startOf(), position: await quiet.nextPosition() }, limit: 50, getToken: async () => token });
    expect(changed.entries.map((e) => [e.item.id, e.removed])).toEqual([[gone, 'deleted']]);
    expect(changed.roundEnded).toBe(true);
  });

  it('a read that stops inside the round’s first page keeps the rest in the store; an expired rest is RESYNC_REQUIRED', async () => {
    await emulator.admin.setRealism({ overDeliver: 5 });
    try {
      const store = new Keyv();
      const own = createDeltaEngine({ graph, store });
      const read = await own.read({ round: startOf(), limit: 2, getToken: async () => token });
      expect(read.entries).toHaveLength(2);
      const position = await read.nextPosition();
      expect(position).toMatchObject({ kind: 'stash', index: 2 });
      const resumed = await own.read({ round: { ...startOf(), position }, limit: 2, getToken: async () => token });
      expect(resumed.entries).toHaveLength(2);

      await store.clear();
      await expect(own.read({ round: { ...startOf(), position }, limit: 2, getToken: async () => token })).rejects.toMatchObject({
        extensions: { code: 'RESYNC_REQUIRED' },
      });
    } finally {
      await emulator.admin.setRealism({ overDeliver: 0 });
    }
  });
});

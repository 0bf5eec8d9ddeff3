import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorFor, graph, readRound, type RunningEmulator } from '../../helpers/emulator.js';

// Seeded messages resolve by their REST id without an id-table entry (the store derives their key from it);
// these cases pin that lookups, moves and deletes of seeded items behave exactly as for created ones.
let emu: RunningEmulator;
let token: string;
beforeAll(async () => {
  emu = await emulatorFor({ seed: { preset: 'demo', messages: 40 } });
  token = await emu.admin.token();
});
afterAll(() => emu.close());

const IMMUTABLE = 'IdType="ImmutableId"';

async function seededInboxMessages(): Promise<{ rest: string[]; immutable: string[] }> {
  const url = '/v1.0/me/mailFolders/inbox/messages/delta?$select=subject';
  const rest = (await readRound(emu, url, token, 'odata.maxpagesize=100')).items.map((m) => m.id as string);
  const immutable = (await readRound(emu, url, token, ['odata.maxpagesize=100', IMMUTABLE])).items.map((m) => m.id as string);
  return { rest, immutable };
}

describe('seeded message ids', () => {
  it('a seeded message answers to its REST id and to its immutable id', async () => {
    const { rest, immutable } = await seededInboxMessages();
    expect(rest.length).toBeGreaterThan(10);
    const byRest = await graph(emu, `/v1.0/me/messages/${rest[0]}`, { token });
    expect(byRest.status).toBe(200);
    expect(byRest.body.id).toBe(rest[0]);
    const byImmutable = await graph(emu, `/v1.0/me/messages/${immutable[0]}`, { token, prefer: IMMUTABLE });
    expect(byImmutable.status).toBe(200);
    expect(byImmutable.body.subject).toBe(byRest.body.subject);
  });

  it('after two moves only the latest REST id and the immutable id resolve', async () => {
    const { rest, immutable } = await seededInboxMessages();
    const first = rest[1] as string;
    const once = await graph(emu, `/v1.0/me/messages/${first}/move`, { token, method: 'POST', body: { destinationId: 'archive' } });
    expect(once.status).toBe(201);
    const twice = await graph(emu, `/v1.0/me/messages/${once.body.id}/move`, { token, method: 'POST', body: { destinationId: 'drafts' } });
    expect(twice.status).toBe(201);
    expect(new Set([first, once.body.id, twice.body.id]).size).toBe(3);
    expect((await graph(emu, `/v1.0/me/messages/${first}`, { token })).status).toBe(404);
    expect((await graph(emu, `/v1.0/me/messages/${once.body.id}`, { token })).status).toBe(404);
    expect((await graph(emu, `/v1.0/me/messages/${first}`, { token, method: 'PATCH', body: { isRead: true } })).status).toBe(404);
    expect((await graph(emu, `/v1.0/me/messages/${twice.body.id}`, { token })).body.parentFolderId).toBe(
      (await graph(emu, '/v1.0/me/mailFolders/drafts', { token })).body.id,
    );
    expect((await graph(emu, `/v1.0/me/messages/${immutable[1]}`, { token, prefer: IMMUTABLE })).status).toBe(200);
  });

  it('a deleted seeded message is gone under every id, and a message id is not an event or contact id', async () => {
    const { rest, immutable } = await seededInboxMessages();
    const id = rest[2] as string;
    expect((await graph(emu, `/v1.0/me/events/${id}`, { token })).status).toBe(404);
    expect((await graph(emu, `/v1.0/me/contacts/${id}`, { token })).status).toBe(404);
    expect((await graph(emu, `/v1.0/me/messages/${id}`, { token, method: 'DELETE' })).status).toBe(204);
    expect((await graph(emu, `/v1.0/me/messages/${id}`, { token })).status).toBe(404);
    expect((await graph(emu, `/v1.0/me/messages/${immutable[2]}`, { token, prefer: IMMUTABLE })).status).toBe(404);
    expect((await graph(emu, `/v1.0/me/messages/${id}`, { token, method: 'DELETE' })).status).toBe(404);
  });
});

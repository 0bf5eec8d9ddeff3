import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorAdmin, GraphJson } from '../../src/emulator/index.js';
import { directRound } from '../helpers/graph-round.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { connectionQuery, defaultContactFolderId, readRound, requiredArgs, WINDOW, type Edge, type ResourceName } from '../fixtures/resources.js';

const IMMUTABLE = 'IdType="ImmutableId"';

interface Scenario {
  resource: ResourceName;
  node: string;
  /** Where the reference round is read straight from the emulator. */
  reference(folder: string): { path: string; prefer: string[] };
  /** Picks an item that can be updated and deleted. */
  pick(edges: Edge[]): Edge[];
  create(admin: EmulatorAdmin, folder: string): Promise<GraphJson>;
  update(admin: EmulatorAdmin, id: string): Promise<unknown>;
  remove(admin: EmulatorAdmin, id: string): Promise<unknown>;
  /** Makes sure the round holds items to change. */
  prepare?(admin: EmulatorAdmin): Promise<unknown>;
  /** A field the update changed, and its new value. */
  updated: [string, unknown];
}

const opts = { prefer: [IMMUTABLE] };
const window = `startDateTime=${WINDOW.startDateTime}&endDateTime=${WINDOW.endDateTime}`;

const scenarios: Scenario[] = [
  {
    resource: 'calendars',
    node: 'id name color',
    reference: () => ({ path: '/beta/me/calendars/delta', prefer: [] }),
    pick: (edges) => edges.filter((e) => e.node['name'] !== 'Calendar'),
    create: (admin) => admin.createCalendar({ name: 'Created in a test' }),
    update: (admin, id) => admin.updateCalendar(id, { name: 'Renamed' }),
    remove: (admin, id) => admin.deleteCalendar(id),
    updated: ['name', 'Renamed'],
  },
  {
    resource: 'events',
    node: 'id subject type start { dateTime timeZone }',
    reference: () => ({ path: `/v1.0/me/calendarView/delta?${window}`, prefer: [IMMUTABLE] }),
    pick: (edges) => edges.filter((e) => e.node['type'] === 'singleInstance'),
    prepare: (admin) =>
      Promise.all(
        ['05', '06'].map((day) =>
          admin.createEvent({ subject: `Single ${day}`, start: { dateTime: `2025-02-${day}T09:00:00`, timeZone: 'UTC' }, end: { dateTime: `2025-02-${day}T09:30:00`, timeZone: 'UTC' } }),
        ),
      ),
    create: (admin) =>
      admin.createEvent(
        { subject: 'Created in a test', start: { dateTime: '2025-03-04T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2025-03-04T11:00:00', timeZone: 'UTC' } },
        opts,
      ),
    update: (admin, id) => admin.updateEvent(id, { subject: 'Moved subject' }),
    remove: (admin, id) => admin.deleteEvent(id),
    updated: ['subject', 'Moved subject'],
  },
  {
    resource: 'contacts',
    node: 'id displayName surname',
    reference: (folder) => ({ path: `/v1.0/me/contactFolders/${folder}/contacts/delta`, prefer: [IMMUTABLE] }),
    pick: (edges) => edges,
    create: (admin, folder) => admin.createContact({ displayName: 'Created In-Test', givenName: 'Created', surname: 'In-Test' }, { ...opts, folderId: folder }),
    update: (admin, id) => admin.updateContact(id, { surname: 'Renamed' }),
    remove: (admin, id) => admin.deleteContact(id),
    updated: ['surname', 'Renamed'],
  },
  {
    resource: 'messages',
    node: 'id subject isRead',
    reference: () => ({ path: '/v1.0/me/mailFolders/inbox/messages/delta?$select=id', prefer: [IMMUTABLE] }),
    pick: (edges) => edges,
    create: (admin) => admin.createMessage('inbox', { subject: 'Created in a test' }, opts),
    update: (admin, id) => admin.updateMessage(id, { isRead: true, subject: 'Changed subject' }),
    remove: (admin, id) => admin.deleteMessage(id),
    updated: ['subject', 'Changed subject'],
  },
];

describe.each(scenarios)('$resource: a full round, then an incremental one', (scenario) => {
  let gw: TestGateway;
  let folder: string;
  beforeAll(async () => {
    gw = await startGateway({ emulator: { seed: { preset: 'demo', messages: 40 } } });
    folder = await defaultContactFolderId(gw);
  });
  afterAll(() => gw.close());

  it('returns every item of the round once, in Graph’s order; then only created, updated and removed items', async () => {
    await scenario.prepare?.(gw.emulator.admin);
    const document = connectionQuery(scenario.resource, requiredArgs(scenario.resource, folder), scenario.node);
    const { path, prefer } = scenario.reference(folder);
    const reference = await directRound(gw.emulator, gw.token, path, prefer);
    expect(reference.ids.length).toBeGreaterThan(2);

    const full = await readRound(gw, document, 3);
    expect(full.edges.map((e) => e.node.id)).toEqual(reference.ids);
    expect(full.pages).toBeLessThanOrEqual(Math.ceil(reference.ids.length / 3) + 1);

    const [toUpdate, toDelete] = scenario.pick(full.edges);
    if (!toUpdate || !toDelete) throw new Error('nothing to change');
    const created = await scenario.create(gw.emulator.admin, folder);
    await scenario.update(gw.emulator.admin, toUpdate.node.id);
    await scenario.remove(gw.emulator.admin, toDelete.node.id);

    const changes = await readRound(gw, document, 2, full.endCursor);
    const byId = new Map(changes.edges.map((e) => [e.node.id, e]));
    expect(byId.get(created.id)?.removed).toBeNull();
    expect(byId.get(toUpdate.node.id)?.node[scenario.updated[0]]).toBe(scenario.updated[1]);
    const removed = byId.get(toDelete.node.id);
    expect(removed?.removed).toEqual({ reason: 'DELETED' });
    // A removed node holds only its id.
    expect(Object.entries(removed?.node ?? {}).filter(([k, v]) => k !== 'id' && v !== null)).toEqual([]);
  });
});
